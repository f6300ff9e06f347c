package io.bigfile.engine;

import io.bigfile.file.WriteFormat;
import java.time.Duration;

/**
 * The engine's settings, already validated by whoever builds them.
 *
 * @param defaultBlockSize block size of files created without one
 * @param defaultFormat write format of files created without one
 * @param maxFileSize no write may make a file larger
 * @param idleTimeout an open transaction unused for longer is aborted
 * @param finishedRetention how long a committed or aborted transaction can still be looked up
 * @param readAheadBytes how much of the block index one read asks for at a time
 * @param retention how long history is kept: revisions committed within this window stay readable
 * @param pinLease how long another replica's published oldest snapshot is honoured without a
 *     refresh
 * @param maxFileRecords file records kept in memory (one per file and snapshot read)
 * @param maxIndexEntries block index entries kept in memory (one per block and snapshot read)
 * @param maxFinishedTransactions finished transactions kept for look-up
 * @param idempotencyRetention how long an autocommit write's idempotency key is kept: a retry
 *     within it answers the first outcome
 */
public record EngineSettings(
    int defaultBlockSize,
    WriteFormat defaultFormat,
    long maxFileSize,
    Duration idleTimeout,
    Duration finishedRetention,
    long readAheadBytes,
    Duration retention,
    Duration pinLease,
    long maxFileRecords,
    long maxIndexEntries,
    long maxFinishedTransactions,
    Duration idempotencyRetention) {

  public static final int MIN_BLOCK_SIZE = 4096;
  public static final int MAX_BLOCK_SIZE = 16 * 1024 * 1024;

  public static boolean validBlockSize(long size) {
    return size >= MIN_BLOCK_SIZE && size <= MAX_BLOCK_SIZE && Long.bitCount(size) == 1;
  }

  public EngineSettings {
    if (!validBlockSize(defaultBlockSize)) {
      throw new IllegalArgumentException("default block size must be a power of two in 4K..16M");
    }
  }
}
