package io.bigfile.engine;

import java.util.concurrent.atomic.LongAdder;

/** Counters the engine keeps for metrics. Thread-safe. */
public final class EngineStats {

  final LongAdder bytesRead = new LongAdder();
  final LongAdder bytesWritten = new LongAdder();
  final LongAdder commits = new LongAdder();
  final LongAdder conflicts = new LongAdder();
  final LongAdder commitNanos = new LongAdder();

  public long bytesRead() {
    return bytesRead.sum();
  }

  public long bytesWritten() {
    return bytesWritten.sum();
  }

  public long commits() {
    return commits.sum();
  }

  public long conflicts() {
    return conflicts.sum();
  }

  public long commitNanos() {
    return commitNanos.sum();
  }
}
