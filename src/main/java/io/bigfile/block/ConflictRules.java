package io.bigfile.block;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * First committer wins: whether one file's change in a commit conflicts with the commits after its
 * snapshot. Every store gathers {@link ConflictFacts} and asks here; no store decides on its own.
 *
 * <p>The rule, for a file that later commits changed ("theirs") and this commit changes ("mine"):
 *
 * <table>
 *   <caption>Conflicts of one file</caption>
 *   <tr><th>kind</th><th>when</th></tr>
 *   <tr><td>{@link ConflictKind#BLOCKS}</td><td>both wrote one block, or theirs wrote a block at or
 *       past the block mine truncates from</td></tr>
 *   <tr><td>{@link ConflictKind#MODIFIED}</td><td>mine required the file unchanged (a
 *       precondition), whatever theirs did</td></tr>
 *   <tr><td>{@link ConflictKind#EXISTENCE}</td><td>either deleted the file; nothing but blocks and
 *       modified is compared then</td></tr>
 *   <tr><td>{@link ConflictKind#NAME}</td><td>both renamed it</td></tr>
 *   <tr><td>{@link ConflictKind#FORMAT}</td><td>both changed its format</td></tr>
 *   <tr><td>{@link ConflictKind#CONTENT_TYPE}</td><td>both changed its media type</td></tr>
 *   <tr><td>{@link ConflictKind#SIZE}</td><td>both changed its size, or theirs shrank it and mine
 *       writes a block at or past the smallest size theirs gave it (the new last block itself is a
 *       block conflict: a shrink always writes it)</td></tr>
 * </table>
 *
 * <p>A file this commit creates can only conflict on blocks (no other commit knows it). Writing
 * different blocks of one file, or changing different attributes, is not a conflict: the commit
 * applies its change on top of theirs. Stateless and thread-safe.
 */
public final class ConflictRules {

  /** The most block numbers one file's conflict reports. */
  public static final int CONFLICT_SAMPLE = 32;

  private ConflictRules() {}

  /**
   * The conflict of one file's change, asking {@code facts} only what the change needs (see {@link
   * ConflictFacts} for the order); empty if there is none.
   */
  public static Optional<StoredConflict> conflict(FileChange f, ConflictFacts facts) {
    Set<ConflictKind> what = EnumSet.noneOf(ConflictKind.class);
    List<Long> blocks = new ArrayList<>();
    for (long blk : facts.blocksWrittenByBoth()) {
      if (blocks.size() == CONFLICT_SAMPLE) {
        break;
      }
      blocks.add(blk);
    }
    if (!blocks.isEmpty()) {
      what.add(ConflictKind.BLOCKS);
    }
    if (!f.created()) {
      facts.later().ifPresent(theirs -> againstLater(f, theirs, facts, what, blocks));
    }
    return what.isEmpty()
        ? Optional.empty()
        : Optional.of(new StoredConflict(f.fileId(), what, blocks));
  }

  /** Adds the conflicts of an existing file's change with what later commits did to the file. */
  private static void againstLater(
      FileChange f,
      ConflictFacts.Later later,
      ConflictFacts facts,
      Set<ConflictKind> what,
      List<Long> blocks) {
    Set<Change> theirs = later.changes();
    Set<Change> mine = f.changes();
    if (f.requireUnchanged()) {
      what.add(ConflictKind.MODIFIED);
    }
    if (theirs.contains(Change.DELETED) || mine.contains(Change.DELETED)) {
      what.add(ConflictKind.EXISTENCE);
      return;
    }
    if (theirs.contains(Change.NAME) && mine.contains(Change.NAME)) {
      what.add(ConflictKind.NAME);
    }
    if (theirs.contains(Change.FORMAT) && mine.contains(Change.FORMAT)) {
      what.add(ConflictKind.FORMAT);
    }
    if (theirs.contains(Change.CONTENT_TYPE) && mine.contains(Change.CONTENT_TYPE)) {
      what.add(ConflictKind.CONTENT_TYPE);
    }
    if (theirs.contains(Change.SIZE)) {
      if (mine.contains(Change.SIZE)) {
        what.add(ConflictKind.SIZE);
      } else if (mine.contains(Change.BLOCKS)) {
        long maxBlk = facts.maxWrittenBlock();
        if (maxBlk >= 0 && maxBlk >= later.minSize() / f.blockSize()) {
          what.add(ConflictKind.SIZE);
        }
      }
    }
    if (f.zeroFrom() != Long.MAX_VALUE) {
      List<Long> cut = facts.laterBlocksFrom(f.zeroFrom(), CONFLICT_SAMPLE);
      for (long blk : cut) {
        if (!blocks.contains(blk) && blocks.size() < CONFLICT_SAMPLE) {
          blocks.add(blk);
        }
      }
      if (!cut.isEmpty()) {
        what.add(ConflictKind.BLOCKS);
      }
    }
  }
}
