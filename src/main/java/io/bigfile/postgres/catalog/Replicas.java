package io.bigfile.postgres.catalog;

import io.bigfile.postgres.DatabaseErrors;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.dao.DataAccessException;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The replica registry in the database ({@code replica}): each running replica's id, address,
 * liveness and whether it is draining. Each write is a short resource-local transaction of its own
 * on the catalogue's pool. Thread-safe; a database failure surfaces as {@link
 * DatabaseErrors#translate} decides.
 */
public final class Replicas {

  private final ReplicaRepository replicas;
  private final TransactionTemplate transactions;

  public Replicas(EntityManagerFactory entityManagerFactory, ReplicaRepository replicas) {
    this.replicas = replicas;
    this.transactions = new TransactionTemplate(new JpaTransactionManager(entityManagerFactory));
  }

  /** Registers a new replica at {@code address} (null: not listening yet); returns its id. */
  public long register(String address) {
    return call(() -> transactions.execute(s -> replicas.save(new RegisteredReplica(address))))
        .id();
  }

  /**
   * Says that replica {@code id} is alive at {@code address}; registers it again under the same id
   * if its row was removed meanwhile (it was silent for long, or someone deleted it).
   */
  public void heartbeat(long id, String address, boolean draining) {
    call(
        () ->
            transactions.execute(
                s -> {
                  if (replicas.heartbeat(id, address, draining) == 0) {
                    replicas.restore(id, address, draining);
                  }
                  return null;
                }));
  }

  /** Replica {@code id} if it said it is alive within {@code lease}. */
  public Optional<RegisteredReplica> live(long id, Duration lease) {
    return call(() -> replicas.findLive(id, seconds(lease)));
  }

  /** Every replica that said it is alive within {@code lease}, by id. */
  public List<RegisteredReplica> allLive(Duration lease) {
    return call(() -> replicas.findAllLive(seconds(lease)));
  }

  /** Removes replica {@code id} (it stopped). */
  public void deregister(long id) {
    call(
        () ->
            transactions.execute(
                s -> {
                  replicas.deleteById(id);
                  return null;
                }));
  }

  /** Forgets the replicas silent for longer than {@code silence}; returns how many. */
  public int forgetSilent(Duration silence) {
    Integer n = call(() -> transactions.execute(s -> replicas.deleteSilentFor(seconds(silence))));
    return n == null ? 0 : n;
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  private static <T> T call(Supplier<T> work) {
    try {
      return work.get();
    } catch (DataAccessException | PersistenceException e) {
      throw DatabaseErrors.translate("reaching the replica registry", e);
    }
  }
}
