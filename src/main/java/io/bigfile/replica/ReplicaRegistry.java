package io.bigfile.replica;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.bigfile.postgres.catalog.RegisteredReplica;
import io.bigfile.postgres.catalog.Replicas;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica in the replica registry, and what it knows of the others.
 *
 * <p>Registering gives this replica its id (the prefix of its transaction ids, {@link
 * TransactionIds}); {@link #advertise} publishes the address the others forward to once the HTTP
 * port listens; a heartbeat every {@code heartbeatInterval} keeps the row alive, and {@link #close}
 * deletes it, so a stopped replica's transactions are known lost at once. A replica that dies
 * without deleting its row (killed, its node lost) is lost when its heartbeat is older than {@code
 * lease}. Rows silent for an hour are deleted by any replica.
 *
 * <p>Look-ups of another replica are cached for a second (a forwarded request costs no query), and
 * a replica that could not be reached is taken as gone for the lease: it refused a connection,
 * which a listening replica never does, or did not answer one in time.
 *
 * <p>Thread-safe.
 */
public final class ReplicaRegistry implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicaRegistry.class);
  private static final Duration FORGET_AFTER = Duration.ofHours(1);

  private final Replicas replicas;
  private final Duration heartbeatInterval;
  private final Duration lease;
  private final long id;
  private final Cache<Long, Optional<Peer>> peers;
  private final Cache<Long, Boolean> unreachable;
  private final ScheduledExecutorService heartbeat;
  private volatile String address;
  private volatile boolean draining;
  private volatile boolean healthy = true;
  private int beats;

  /** Registers this replica (not yet reachable) and starts its heartbeat. */
  public ReplicaRegistry(Replicas replicas, Duration heartbeatInterval, Duration lease) {
    if (lease.compareTo(heartbeatInterval.multipliedBy(2)) <= 0) {
      throw new IllegalArgumentException(
          "bigfile.replicas.lease must be more than twice bigfile.replicas.heartbeat-interval");
    }
    this.replicas = replicas;
    this.heartbeatInterval = heartbeatInterval;
    this.lease = lease;
    this.id = replicas.register(null);
    this.peers = Caffeine.newBuilder().expireAfterWrite(Duration.ofSeconds(1)).build();
    this.unreachable = Caffeine.newBuilder().expireAfterWrite(lease).build();
    this.heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bigfile-replica-heartbeat");
              t.setDaemon(true);
              return t;
            });
    long every = heartbeatInterval.toMillis();
    heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    LOG.info("registered as replica {}", id);
  }

  /** This replica's registry id. */
  public long id() {
    return id;
  }

  /** What begins the ids of this replica's transactions. */
  public String transactionIdPrefix() {
    return TransactionIds.prefix(id);
  }

  /** The address this replica is reached at, null until it listens. */
  public String address() {
    return address;
  }

  /** Publishes the address (host:port) the other replicas reach this one at. */
  public void advertise(String address) {
    this.address = address;
    replicas.heartbeat(id, address, draining);
    LOG.info("replica {} is reachable at {}", id, address);
  }

  /** This replica stops: it begins no transactions, and tells the others so. */
  public void drain() {
    draining = true;
    heartbeat.execute(this::beat);
  }

  /**
   * This replica serves again after a drain that did not end in its stop (the service restarted).
   */
  public void resume() {
    draining = false;
    heartbeat.execute(this::beat);
  }

  public boolean draining() {
    return draining;
  }

  /** Whether {@code id} is this replica. */
  public boolean isSelf(long id) {
    return id == this.id;
  }

  /** Replica {@code id} if it is alive and reachable as far as this replica knows. */
  Optional<Peer> peer(long id) {
    if (unreachable.getIfPresent(id) != null) {
      return Optional.empty();
    }
    return peers.get(
        id,
        k -> replicas.live(k, lease).filter(r -> r.address() != null).map(ReplicaRegistry::peerOf));
  }

  /** A live, reachable replica other than this one that is not draining, if there is one. */
  Optional<Peer> anyActivePeer() {
    List<Peer> active =
        replicas.allLive(lease).stream()
            .filter(r -> r.id() != id && r.address() != null && !r.draining())
            .filter(r -> unreachable.getIfPresent(r.id()) == null)
            .map(ReplicaRegistry::peerOf)
            .toList();
    if (active.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(active.get(ThreadLocalRandom.current().nextInt(active.size())));
  }

  /** Replica {@code id} could not be reached: it is taken as gone for the lease. */
  void unreachable(long id) {
    unreachable.put(id, Boolean.TRUE);
    peers.invalidate(id);
  }

  private static Peer peerOf(RegisteredReplica r) {
    return new Peer(r.id(), r.address(), r.draining());
  }

  private synchronized void beat() {
    try {
      replicas.heartbeat(id, address, draining);
      if (beats++ % 1800 == 0) {
        replicas.forgetSilent(FORGET_AFTER);
      }
      if (!healthy) {
        LOG.info("replica {} reaches the registry again", id);
        healthy = true;
      }
    } catch (RuntimeException e) {
      if (healthy) {
        LOG.warn(
            "replica {} cannot reach the registry (the others take it as gone after {}): {}",
            id,
            lease,
            e.toString());
        healthy = false;
      }
    }
  }

  /** How often the heartbeat runs. */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /** Stops the heartbeat and deletes this replica's row: its transactions are lost at once. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    try {
      replicas.deregister(id);
    } catch (RuntimeException e) {
      LOG.warn("replica {} could not deregister; the others take it as gone after {}", id, lease);
    }
  }
}
