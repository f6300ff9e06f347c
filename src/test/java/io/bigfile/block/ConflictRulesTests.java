package io.bigfile.block;

import static io.bigfile.block.ConflictKind.BLOCKS;
import static io.bigfile.block.ConflictKind.CONTENT_TYPE;
import static io.bigfile.block.ConflictKind.EXISTENCE;
import static io.bigfile.block.ConflictKind.FORMAT;
import static io.bigfile.block.ConflictKind.MODIFIED;
import static io.bigfile.block.ConflictKind.NAME;
import static io.bigfile.block.ConflictKind.SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.file.WriteFormat;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * First committer wins, rule by rule, on facts as a store would gather them; and what the rule asks
 * of the store, since the PostgreSQL store runs a query for each answer.
 */
class ConflictRulesTests {

  private static final int BS = 16384;
  private static final long ID = 42;

  /** Facts with fixed answers that record what was asked, in order. */
  private static final class Facts implements ConflictFacts {
    List<Long> both = List.of();
    Optional<Later> later = Optional.empty();
    List<Long> mine = List.of();
    List<Long> laterBlocks = List.of();
    final List<String> asked = new ArrayList<>();

    @Override
    public List<Long> blocksWrittenByBoth() {
      asked.add("blocksWrittenByBoth");
      return both;
    }

    @Override
    public Optional<Later> later() {
      asked.add("later");
      return later;
    }

    @Override
    public long maxWrittenBlock() {
      asked.add("maxWrittenBlock");
      return mine.stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    @Override
    public List<Long> laterBlocksFrom(long fromBlk, int limit) {
      asked.add("laterBlocksFrom(" + fromBlk + ", " + limit + ")");
      return laterBlocks.stream().filter(b -> b >= fromBlk).limit(limit).toList();
    }

    /** Later commits made these changes, the smallest size among them {@code minSize}. */
    Facts theirs(Set<Change> changes, long minSize) {
      later = Optional.of(new Later(changes, minSize));
      return this;
    }

    Facts theirs(Change... changes) {
      return theirs(EnumSet.of(changes[0], changes), Long.MAX_VALUE);
    }
  }

  private static FileChange mine(Set<Change> changes, long size, long zeroFrom, boolean unchanged) {
    return new FileChange(
        ID,
        BS,
        "report.bin",
        null,
        size,
        WriteFormat.WHOLE,
        changes.contains(Change.DELETED),
        changes,
        zeroFrom,
        unchanged);
  }

  private static FileChange mine(Change... changes) {
    return mine(EnumSet.of(changes[0], changes), 0, Long.MAX_VALUE, false);
  }

  private static Optional<StoredConflict> conflict(FileChange f, Facts facts) {
    Optional<StoredConflict> c = ConflictRules.conflict(f, facts);
    assertThat(facts.asked).as("each fact is asked at most once").doesNotHaveDuplicates();
    c.ifPresent(x -> assertThat(x.fileId()).isEqualTo(ID));
    return c;
  }

  private static List<Long> blocks(long from, long to) {
    return LongStream.range(from, to).boxed().toList();
  }

  @Test
  void theWireNamesNeverChange() {
    assertThat(List.of(ConflictKind.values()))
        .extracting(ConflictKind::wireName)
        .containsExactly(
            "blocks", "modified", "existence", "name", "format", "size", "contentType");
  }

  @Test
  void theChangeBitsAndWireNamesNeverChange() {
    assertThat(Change.of(64)).containsExactly(Change.CONTENT_TYPE);
    assertThat(Change.mask(EnumSet.allOf(Change.class))).isEqualTo(127);
    assertThat(Change.names(2 | 64)).containsExactly("name", "contentType");
  }

  @Test
  void bothWritingABlockConflictsOnThatBlock() {
    Facts facts = new Facts().theirs(Change.BLOCKS);
    facts.both = List.of(3L, 4L);
    StoredConflict c = conflict(mine(Change.BLOCKS), facts).orElseThrow();
    assertThat(c.what()).containsExactly(BLOCKS);
    assertThat(c.blocks()).containsExactly(3L, 4L);
  }

  @Test
  void differentBlocksOfOneFileDoNotConflict() {
    Facts facts = new Facts().theirs(Change.BLOCKS);
    assertThat(conflict(mine(Change.BLOCKS), facts)).isEmpty();
    assertThat(facts.asked).containsExactly("blocksWrittenByBoth", "later");
  }

  @Test
  void aConflictReportsASampleOfItsBlocks() {
    Facts facts = new Facts().theirs(Change.BLOCKS);
    facts.both = blocks(0, 1000);
    StoredConflict c = conflict(mine(Change.BLOCKS), facts).orElseThrow();
    assertThat(c.blocks()).hasSize(ConflictRules.CONFLICT_SAMPLE).isEqualTo(blocks(0, 32));
  }

  @Test
  void aPreconditionFailsOnAnyLaterChangeEvenOneThatWouldMerge() {
    Facts facts = new Facts().theirs(Change.NAME);
    StoredConflict c =
        conflict(mine(EnumSet.of(Change.BLOCKS), 0, Long.MAX_VALUE, true), facts).orElseThrow();
    assertThat(c.what()).containsExactly(MODIFIED);
    assertThat(c.blocks()).isEmpty();
  }

  @Test
  void aPreconditionHoldsWhenNothingChangedLater() {
    Facts facts = new Facts();
    assertThat(conflict(mine(EnumSet.of(Change.SIZE), 100, 0, true), facts)).isEmpty();
    assertThat(facts.asked)
        .as("without later changes, a truncation asks for no blocks")
        .containsExactly("blocksWrittenByBoth", "later");
  }

  @Test
  void aLaterDeletionConflictsWithAnyChangeAndEndsTheComparison() {
    Facts facts = new Facts().theirs(Change.DELETED);
    facts.both = List.of(1L);
    facts.mine = List.of(50L);
    facts.laterBlocks = List.of(60L);
    FileChange shrinkAndRename =
        mine(EnumSet.of(Change.NAME, Change.SIZE, Change.BLOCKS), 10, 0, true);
    StoredConflict c = conflict(shrinkAndRename, facts).orElseThrow();
    assertThat(c.what()).containsExactly(BLOCKS, MODIFIED, EXISTENCE);
    assertThat(c.blocks()).containsExactly(1L);
    assertThat(facts.asked).containsExactly("blocksWrittenByBoth", "later");
  }

  @Test
  void deletingAFileThatChangedLaterConflicts() {
    Facts facts = new Facts().theirs(Change.BLOCKS, Change.SIZE);
    assertThat(conflict(mine(Change.DELETED), facts).orElseThrow().what())
        .containsExactly(EXISTENCE);
  }

  @Test
  void twoRenamesConflictButARenameAndAFormatChangeMerge() {
    assertThat(conflict(mine(Change.NAME), new Facts().theirs(Change.NAME)).orElseThrow().what())
        .containsExactly(NAME);
    assertThat(conflict(mine(Change.FORMAT), new Facts().theirs(Change.NAME))).isEmpty();
    assertThat(conflict(mine(Change.NAME), new Facts().theirs(Change.FORMAT))).isEmpty();
  }

  @Test
  void twoContentTypeChangesConflictButMergeWithAnyOtherChange() {
    assertThat(
            conflict(mine(Change.CONTENT_TYPE), new Facts().theirs(Change.CONTENT_TYPE))
                .orElseThrow()
                .what())
        .containsExactly(CONTENT_TYPE);
    assertThat(
            conflict(
                mine(Change.CONTENT_TYPE),
                new Facts().theirs(Change.NAME, Change.FORMAT, Change.SIZE, Change.BLOCKS)))
        .isEmpty();
    assertThat(
            conflict(
                mine(Change.NAME, Change.FORMAT, Change.SIZE, Change.BLOCKS),
                new Facts().theirs(Change.CONTENT_TYPE)))
        .isEmpty();
    assertThat(
            conflict(
                mine(Change.CREATED, Change.CONTENT_TYPE), new Facts().theirs(Change.CONTENT_TYPE)))
        .as("a file this commit creates conflicts only on blocks")
        .isEmpty();
  }

  @Test
  void twoFormatChangesConflict() {
    Facts facts = new Facts().theirs(Change.FORMAT, Change.NAME);
    assertThat(conflict(mine(Change.FORMAT, Change.NAME), facts).orElseThrow().what())
        .containsExactly(NAME, FORMAT);
  }

  @Test
  void twoSizeChangesConflictWithoutLookingAtBlocks() {
    Facts facts = new Facts().theirs(EnumSet.of(Change.SIZE), 100L * BS);
    facts.mine = List.of(500L);
    StoredConflict c = conflict(mine(Change.SIZE, Change.BLOCKS), facts).orElseThrow();
    assertThat(c.what()).containsExactly(SIZE);
    assertThat(facts.asked).doesNotContain("maxWrittenBlock");
  }

  @Test
  void aLaterShrinkConflictsWithWritesAtOrPastItsLastBlock() {
    long shrunk = 10L * BS - 5; // the last block is now block 9
    for (long written : new long[] {9, 10, 20}) {
      Facts facts = new Facts().theirs(EnumSet.of(Change.SIZE, Change.BLOCKS), shrunk);
      facts.mine = List.of(2L, written);
      StoredConflict c = conflict(mine(Change.BLOCKS), facts).orElseThrow();
      assertThat(c.what()).as("writing block %d", written).containsExactly(SIZE);
      assertThat(facts.asked).containsExactly("blocksWrittenByBoth", "later", "maxWrittenBlock");
    }
  }

  @Test
  void writesBelowALaterShrinkOrAGrowthMerge() {
    Facts shrink = new Facts().theirs(EnumSet.of(Change.SIZE), 10L * BS - 5);
    shrink.mine = List.of(3L, 8L);
    assertThat(conflict(mine(Change.BLOCKS), shrink)).isEmpty();
    // a later growth cut nothing off
    Facts grown = new Facts().theirs(EnumSet.of(Change.SIZE), 200L * BS);
    grown.mine = List.of(150L);
    assertThat(conflict(mine(Change.BLOCKS), grown)).isEmpty();
    Facts none = new Facts().theirs(EnumSet.of(Change.SIZE), 0);
    assertThat(conflict(mine(Change.BLOCKS), none))
        .as("a change of blocks that wrote none (a truncation)")
        .isEmpty();
  }

  @Test
  void aLaterSizeChangeDoesNotConcernAChangeOfNameOnly() {
    Facts facts = new Facts().theirs(EnumSet.of(Change.SIZE), 0);
    facts.mine = List.of(7L);
    assertThat(conflict(mine(Change.NAME), facts)).isEmpty();
    assertThat(facts.asked).doesNotContain("maxWrittenBlock");
  }

  @Test
  void aTruncationConflictsWithLaterWritesPastItsCut() {
    Facts facts = new Facts().theirs(Change.BLOCKS);
    facts.both = List.of(7L);
    facts.laterBlocks = List.of(2L, 7L, 9L);
    FileChange truncate = mine(EnumSet.of(Change.SIZE, Change.BLOCKS), 5L * BS, 5, false);
    StoredConflict c = conflict(truncate, facts).orElseThrow();
    assertThat(c.what()).containsExactly(BLOCKS);
    assertThat(c.blocks())
        .as("each block once: those both wrote, then those past the cut")
        .containsExactly(7L, 9L);
    assertThat(facts.asked)
        .containsExactly("blocksWrittenByBoth", "later", "laterBlocksFrom(5, 32)");
  }

  @Test
  void aTruncationAddsBlocksOnlyUpToTheSample() {
    Facts facts = new Facts().theirs(Change.BLOCKS, Change.SIZE);
    facts.both = blocks(0, 32);
    facts.laterBlocks = blocks(40, 100);
    FileChange truncate = mine(EnumSet.of(Change.SIZE), 0, 0, false);
    StoredConflict c = conflict(truncate, facts).orElseThrow();
    assertThat(c.what()).containsExactly(BLOCKS, SIZE);
    assertThat(c.blocks()).isEqualTo(blocks(0, 32));
  }

  @Test
  void aTruncationWithoutLaterWritesPastItsCutMerges() {
    Facts facts = new Facts().theirs(Change.NAME);
    facts.laterBlocks = List.of(1L, 2L);
    assertThat(conflict(mine(EnumSet.of(Change.SIZE), 5L * BS, 5, false), facts)).isEmpty();
  }

  @Test
  void aCreatedFileAsksNothingOfLaterCommits() {
    Facts facts = new Facts().theirs(Change.DELETED);
    FileChange created = mine(Change.CREATED, Change.BLOCKS, Change.SIZE, Change.NAME);
    assertThat(conflict(created, facts)).isEmpty();
    assertThat(facts.asked).containsExactly("blocksWrittenByBoth");
  }

  @Test
  void aStoredConflictHasKindsInOrderAndCannotBeChanged() {
    StoredConflict c =
        new StoredConflict(ID, new LinkedHashSet<>(List.of(SIZE, BLOCKS, MODIFIED)), List.of(1L));
    assertThat(c.what()).containsExactly(BLOCKS, MODIFIED, SIZE);
    assertThatThrownBy(() -> c.what().add(NAME)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new StoredConflict(ID, Set.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
