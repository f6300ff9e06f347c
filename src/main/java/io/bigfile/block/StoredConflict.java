package io.bigfile.block;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What the store found in conflict for one file.
 *
 * @param what the kinds of conflict (never empty), in {@link ConflictKind} order
 * @param blocks a sample of the block numbers in conflict (at most {@link
 *     ConflictRules#CONFLICT_SAMPLE} when the store asked {@link ConflictRules})
 */
public record StoredConflict(long fileId, Set<ConflictKind> what, List<Long> blocks) {

  public StoredConflict {
    if (what.isEmpty()) {
      throw new IllegalArgumentException("a conflict of file " + fileId + " without a kind");
    }
    what = Collections.unmodifiableSet(EnumSet.copyOf(what));
    blocks = List.copyOf(blocks);
  }
}
