package io.bigfile.postgres.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.bigfile.support.TestDatabase;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/** Flyway owns the schema; Hibernate only validates the catalogue's entities against it. */
class CatalogueSchemaIT {

  private static HikariDataSource reads;

  @BeforeAll
  static void pool() {
    TestDatabase.Coordinates db = TestDatabase.get();
    HikariConfig cfg = new HikariConfig();
    cfg.setJdbcUrl(db.url());
    cfg.setUsername(db.username());
    cfg.setPassword(db.password());
    cfg.setMaximumPoolSize(2);
    reads = new HikariDataSource(cfg);
  }

  @AfterAll
  static void close() {
    reads.close();
  }

  @Test
  void theEntitiesMatchTheMigratedSchema() {
    LocalContainerEntityManagerFactoryBean f = Catalogue.entityManagerFactory(reads);
    f.afterPropertiesSet();
    EntityManagerFactory emf = f.getObject();
    try {
      assertThat(emf.getMetamodel().getEntities())
          .extracting(e -> e.getJavaType().getSimpleName())
          .containsExactlyInAnyOrder(
              "StoredFile",
              "FileVersion",
              "Revision",
              "History",
              "SnapshotPin",
              "StoredIdempotencyKey",
              "RegisteredReplica");
    } finally {
      f.destroy();
    }
  }

  @Test
  void anEntityThatDisagreesWithTheSchemaStopsTheStart() {
    LocalContainerEntityManagerFactoryBean f = Catalogue.entityManagerFactory(reads);
    f.setPackagesToScan("io.bigfile.schemacheck");
    assertThatThrownBy(f::afterPropertiesSet)
        .rootCause()
        .hasMessageContaining("label")
        .hasMessageContaining("file_version");
  }
}
