package io.bigfile.replica;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.bigfile.postgres.catalog.Catalogue;
import io.bigfile.postgres.catalog.ReplicaRepository;
import io.bigfile.postgres.catalog.Replicas;
import io.bigfile.support.TestDatabase;
import jakarta.persistence.EntityManagerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.data.jpa.repository.support.JpaRepositoryFactory;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.SharedEntityManagerCreator;

/**
 * The drain against the registry in PostgreSQL: a stop turns the replica unready and draining (in
 * its row too) and waits for its open transactions; a start after a stop that did not end the
 * service (Spring pauses and restarts contexts) makes it ready and beginning transactions again.
 */
class DrainIT {

  @Test
  void aStopDrainsAndAStartAfterItServesAgain() throws Exception {
    TestDatabase.Coordinates db = TestDatabase.get();
    HikariConfig cfg = new HikariConfig();
    cfg.setJdbcUrl(db.url());
    cfg.setUsername(db.username());
    cfg.setPassword(db.password());
    cfg.setMaximumPoolSize(2);
    LocalContainerEntityManagerFactoryBean f;
    try (HikariDataSource ds = new HikariDataSource(cfg)) {
      f = Catalogue.entityManagerFactory(ds);
      f.afterPropertiesSet();
      try {
        EntityManagerFactory emf = f.getObject();
        Replicas rows =
            new Replicas(
                emf,
                new JpaRepositoryFactory(SharedEntityManagerCreator.createSharedEntityManager(emf))
                    .getRepository(ReplicaRepository.class));
        List<ReadinessState> states = new ArrayList<>();
        AtomicInteger open = new AtomicInteger(1);
        try (ReplicaRegistry registry =
            new ReplicaRegistry(rows, Duration.ofMillis(100), Duration.ofSeconds(2))) {
          registry.advertise("127.0.0.1:1");
          Drain drain =
              new Drain(
                  registry,
                  open::get,
                  Duration.ofSeconds(30),
                  e -> states.add((ReadinessState) ((AvailabilityChangeEvent<?>) e).getState()));
          drain.start();
          assertThat(registry.draining()).isFalse();
          assertThat(states).isEmpty();

          Thread stopper = new Thread(drain::stop);
          stopper.start();
          awaitRow(rows, registry.id(), true);
          assertThat(stopper.isAlive()).as("it waits for the open transaction").isTrue();
          assertThat(states).containsExactly(ReadinessState.REFUSING_TRAFFIC);
          open.set(0);
          stopper.join(10_000);
          assertThat(stopper.isAlive()).isFalse();

          drain.start();
          assertThat(registry.draining()).isFalse();
          assertThat(states)
              .containsExactly(ReadinessState.REFUSING_TRAFFIC, ReadinessState.ACCEPTING_TRAFFIC);
          awaitRow(rows, registry.id(), false);
        }
      } finally {
        f.destroy();
      }
    }
  }

  /** Waits until the registry's row of {@code id} says draining as {@code draining}. */
  private static void awaitRow(Replicas rows, long id, boolean draining) {
    io.bigfile.support.ServiceProcess.awaitCondition(
        "the registry row says draining=" + draining,
        Duration.ofSeconds(10),
        Duration.ofMillis(20),
        () ->
            rows.live(id, Duration.ofSeconds(2)).map(r -> r.draining() == draining).orElse(false));
  }
}
