package io.bigfile.block;

import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * Everything one commit stores. Blocks are pulled one at a time, in ascending (file, block) order,
 * and each is written before the next is asked for, so the store never holds more than one encoded
 * block. The file changes of a streamed changeset are asked for after the last block (an upload
 * knows its final size only then); those of a changeset held in memory may be asked for first.
 *
 * @param snapshot the revision the committing transaction read; conflicts are changes committed
 *     after it
 * @param reusesBuffers the iterator reuses one buffer for every block, so each block must be fully
 *     written before the next is asked for (otherwise the store may batch several blocks)
 * @param inMemoryBytes for blocks already in memory (a transaction's dirty pages), about how many
 *     bytes they hold, so the store can choose how to write them; -1 for blocks that arrive as a
 *     stream (an upload), which may take as long as the client takes to send them
 * @param idempotency the idempotency key the commit takes, with the record of its request; null for
 *     a request without one
 */
public record Changeset(
    long snapshot,
    Iterator<BlockWrite> blocks,
    Supplier<List<FileChange>> files,
    boolean reusesBuffers,
    long inMemoryBytes,
    IdempotencyClaim idempotency) {

  /** A changeset without an idempotency key. */
  public Changeset(
      long snapshot,
      Iterator<BlockWrite> blocks,
      Supplier<List<FileChange>> files,
      boolean reusesBuffers,
      long inMemoryBytes) {
    this(snapshot, blocks, files, reusesBuffers, inMemoryBytes, null);
  }

  /** A streamed changeset without an idempotency key. */
  public Changeset(
      long snapshot,
      Iterator<BlockWrite> blocks,
      Supplier<List<FileChange>> files,
      boolean reusesBuffers) {
    this(snapshot, blocks, files, reusesBuffers, -1, null);
  }
}
