package io.bigfile.engine;

import java.time.Clock;
import java.time.Duration;

/**
 * Removes history older than the retention window, never what a snapshot pinned here or by another
 * replica can see. Publishes this replica's oldest pinned snapshot for the other replicas' packs.
 * Thread-safe; a failure leaves history as it was (the store packs in one database transaction),
 * and the next run tries again.
 */
final class Retention {

  private final CachedIndexStore store;
  private final SnapshotPins pins;
  private final String replicaId;
  private final Clock clock;
  private final Duration retention;
  private final Duration pinLease;

  Retention(
      CachedIndexStore store,
      SnapshotPins pins,
      String replicaId,
      Clock clock,
      Duration retention,
      Duration pinLease) {
    this.store = store;
    this.pins = pins;
    this.replicaId = replicaId;
    this.clock = clock;
    this.retention = retention;
    this.pinLease = pinLease;
  }

  /**
   * @return the horizon used, or -1 when there was nothing to pack
   */
  long pack() {
    long local = pins.oldest();
    store.publishPin(replicaId, local);
    long byTime = store.revisionAtOrBefore(clock.instant().minus(retention));
    long horizon = Math.min(byTime, Math.min(local, store.oldestPin(pinLease)));
    if (horizon <= store.oldestRetainedRevision()) {
      return -1;
    }
    store.retainFrom(horizon);
    // a read that pinned its snapshot before the new horizon was visible may still be running: keep
    // what it sees
    long safe = Math.min(horizon, pins.oldest());
    store.pack(safe);
    return safe;
  }

  /** Withdraws this replica's pin (at shutdown). */
  void withdrawPin() {
    store.publishPin(replicaId, Long.MAX_VALUE);
  }
}
