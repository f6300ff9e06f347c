package io.bigfile.config;

import io.bigfile.postgres.Standbys;
import io.bigfile.postgres.catalog.Catalogue;
import io.bigfile.postgres.catalog.FileVersionRepository;
import io.bigfile.postgres.catalog.HistoryRepository;
import io.bigfile.postgres.catalog.IdempotencyKeyRepository;
import io.bigfile.postgres.catalog.RevisionRepository;
import io.bigfile.postgres.catalog.SnapshotPinRepository;
import jakarta.persistence.EntityManagerFactory;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * The catalogue on Spring Data JPA: one persistence unit on the reads' data source (the primary's
 * read pool, or the standby a read at a revision was sent to: see {@link Standbys}) and its
 * repositories. Repository reads run without a transaction of their own (each is one statement at a
 * snapshot); the few writes through them take a resource-local transaction inside {@link
 * Catalogue}. The commit's catalogue rows are written on the commit's own JTA connection instead
 * (see {@link Catalogue#writeCommit}). No transaction manager bean is added: the service's one is
 * the JTA transaction manager. Hibernate validates the entities against the schema Flyway made, and
 * the service does not start when they disagree.
 */
@Configuration(proxyBeanMethods = false)
@EnableJpaRepositories(
    basePackageClasses = Catalogue.class,
    entityManagerFactoryRef = "entityManagerFactory",
    enableDefaultTransactions = false)
class CatalogueConfig {

  @Bean
  @DependsOnDatabaseInitialization
  LocalContainerEntityManagerFactoryBean entityManagerFactory(Standbys standbys) {
    return Catalogue.entityManagerFactory(standbys.reads());
  }

  @Bean
  Catalogue catalogue(
      EntityManagerFactory entityManagerFactory,
      FileVersionRepository versions,
      RevisionRepository revisions,
      HistoryRepository history,
      SnapshotPinRepository pins,
      IdempotencyKeyRepository keys) {
    return new Catalogue(entityManagerFactory, versions, revisions, history, pins, keys);
  }
}
