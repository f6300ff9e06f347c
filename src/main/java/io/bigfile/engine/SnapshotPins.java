package io.bigfile.engine;

import java.util.TreeMap;

/**
 * The snapshots this process is reading (open transactions and streaming reads), counted per
 * revision, so that pack never removes what they can see. Thread-safe.
 */
final class SnapshotPins {

  private final TreeMap<Long, Integer> counts = new TreeMap<>();

  synchronized void pin(long rev) {
    counts.merge(rev, 1, Integer::sum);
  }

  synchronized void unpin(long rev) {
    counts.computeIfPresent(rev, (k, v) -> v == 1 ? null : v - 1);
  }

  /** The oldest pinned revision, or {@link Long#MAX_VALUE} when nothing is pinned. */
  synchronized long oldest() {
    return counts.isEmpty() ? Long.MAX_VALUE : counts.firstKey();
  }
}
