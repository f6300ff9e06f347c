package io.bigfile.block;

import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * Everything one commit stores. Blocks are pulled one at a time, in ascending (file, block) order,
 * and each is written before the next is asked for, so the store never holds more than one encoded
 * block; the file changes are asked for after the last block (an upload knows its final size only
 * then).
 *
 * @param snapshot the revision the committing transaction read; conflicts are changes committed
 *     after it
 * @param reusesBuffers the iterator reuses one buffer for every block, so each block must be fully
 *     written before the next is asked for (otherwise the store may batch several blocks)
 */
public record Changeset(
    long snapshot,
    Iterator<BlockWrite> blocks,
    Supplier<List<FileChange>> files,
    boolean reusesBuffers) {}
