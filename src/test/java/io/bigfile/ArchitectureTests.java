package io.bigfile;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.bigfile.format.BlockData;
import io.bigfile.pagecache.BlockKey;
import io.bigfile.pagecache.PageCache;
import org.junit.jupiter.api.Test;

/** The layering of STYLE.md: the engine is plain Java, Spring and SQL sit at the edges. */
class ArchitectureTests {

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.bigfile");

  /** The plain-Java engine and its vocabulary. */
  private static final String[] ENGINE = {
    "io.bigfile.file..",
    "io.bigfile.block..",
    "io.bigfile.format..",
    "io.bigfile.pagecache..",
    "io.bigfile.engine.."
  };

  @Test
  void theEngineKnowsNoSpringNoServletAndNoSql() {
    noClasses()
        .that()
        .resideInAnyPackage(ENGINE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.springframework..",
            "jakarta.servlet..",
            "jakarta.persistence..",
            "org.hibernate..",
            "java.sql..",
            "javax.sql..",
            "org.postgresql..")
        .check(CLASSES);
  }

  /** The catalogue's entities and repositories are the adapter's: nothing else maps tables. */
  @Test
  void jpaLivesOnlyInThePostgresPackage() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.bigfile.postgres..", "io.bigfile.config..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "jakarta.persistence..", "org.hibernate..", "org.springframework.data..")
        .check(CLASSES);
  }

  @Test
  void theEngineReachesTheDatabaseOnlyThroughTheStoragePort() {
    noClasses()
        .that()
        .resideInAnyPackage(ENGINE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.bigfile.postgres..",
            "io.bigfile.web..",
            "io.bigfile.security..",
            "io.bigfile.config..")
        .check(CLASSES);
  }

  /** Cached versions are committed ones: only the commit sequence publishes into the cache. */
  @Test
  void onlyTheCommitterPublishesToThePageCache() {
    noClasses()
        .that()
        .doNotHaveFullyQualifiedName("io.bigfile.engine.Committer")
        .should()
        .callMethod(PageCache.class, "put", BlockKey.class, BlockData.class)
        .check(CLASSES);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("io.bigfile.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  /** Access control is the HTTP edge's too: it sees the engine's API at most. */
  @Test
  void theWebEdgeUsesOnlyTheEngineApi() {
    noClasses()
        .that()
        .resideInAnyPackage("io.bigfile.web..", "io.bigfile.security..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.bigfile.block..",
            "io.bigfile.format..",
            "io.bigfile.pagecache..",
            "io.bigfile.engine..",
            "io.bigfile.postgres..")
        .check(CLASSES);
  }

  /**
   * Forwarding is an HTTP edge of its own: it routes requests by their transaction's owner, knows
   * the registry's rows, and nothing of what the requests do.
   */
  @Test
  void theReplicaEdgeKnowsOnlyTheRegistry() {
    noClasses()
        .that()
        .resideInAnyPackage("io.bigfile.replica..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.bigfile.block..",
            "io.bigfile.format..",
            "io.bigfile.pagecache..",
            "io.bigfile.engine..",
            "io.bigfile.file..",
            "io.bigfile.web..",
            "io.bigfile.security..")
        .check(CLASSES);
  }

  @Test
  void sqlLivesOnlyInThePostgresPackage() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.bigfile.postgres..", "io.bigfile.config..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.sql..", "javax.sql..", "org.postgresql..")
        .check(CLASSES);
  }

  @Test
  void theFormatsDependOnNothingElseOfBigfile() {
    noClasses()
        .that()
        .resideInAPackage("io.bigfile.format..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.bigfile.block..",
            "io.bigfile.pagecache..",
            "io.bigfile.engine..",
            "io.bigfile.web..",
            "io.bigfile.postgres..",
            "io.bigfile.config..")
        .check(CLASSES);
  }
}
