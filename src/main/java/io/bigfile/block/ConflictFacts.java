package io.bigfile.block;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a store knows about the commits after a committing changeset's snapshot, as far as one file
 * the changeset changes is concerned. "Later" means committed after the snapshot and before this
 * commit: the store holds its commit lock while {@link ConflictRules} asks, so nothing else commits
 * meanwhile.
 *
 * <p>Each answer may cost the store a query, so {@link ConflictRules} asks only what the file's
 * change needs, each at most once, and always in this order: {@link #blocksWrittenByBoth()}, then
 * (never for a file the commit creates) {@link #later()}, then {@link #maxWrittenBlock()} and
 * {@link #laterBlocksFrom} when the rule needs them. A store may compute each answer when asked.
 */
public interface ConflictFacts {

  /**
   * Blocks of the file that this commit writes and a later commit wrote too, ascending. A store may
   * answer more than {@link ConflictRules#CONFLICT_SAMPLE}; the rule keeps the first ones.
   */
  List<Long> blocksWrittenByBoth();

  /** What later commits did to the file; empty if none changed it. */
  Optional<Later> later();

  /**
   * The highest block of the file this commit writes, or -1 if it writes none. Asked only when a
   * later commit changed the size and this one wrote blocks without changing it.
   */
  long maxWrittenBlock();

  /**
   * Blocks of the file at or past {@code fromBlk} that a later commit wrote, ascending, at most
   * {@code limit}. Asked only for a truncation ({@link FileChange#zeroFrom()}) of a file that later
   * commits changed.
   */
  List<Long> laterBlocksFrom(long fromBlk, int limit);

  /**
   * What the later commits of one file did, together.
   *
   * @param changes every kind of change any of them made
   * @param minSize the smallest size one of them that changed the size gave the file, or {@link
   *     Long#MAX_VALUE} if none changed it
   */
  record Later(Set<Change> changes, long minSize) {

    public Later {
      EnumSet<Change> copy = EnumSet.noneOf(Change.class);
      copy.addAll(changes);
      changes = Collections.unmodifiableSet(copy);
    }
  }
}
