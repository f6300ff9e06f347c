package io.bigfile.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.file.WriteFormat;
import io.bigfile.format.BlockData;
import io.bigfile.format.BlockFormat;
import io.bigfile.format.Chunks;
import io.bigfile.format.EncodedBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The storage port's contract, run against every implementation. Stores may be shared with other
 * tests, so every test works on files of its own and compares revisions relative to the head it
 * started from.
 */
public abstract class BlockStoreContract {

  protected static final int BS = 16384;

  protected BlockStore store;

  protected abstract BlockStore createStore();

  @BeforeEach
  void setUp() {
    store = createStore();
  }

  private static long newId() {
    return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
  }

  private static FileChange created(long id) {
    return new FileChange(
        id,
        BS,
        "f",
        "text/plain",
        0,
        WriteFormat.WHOLE,
        false,
        EnumSet.of(Change.CREATED),
        Long.MAX_VALUE,
        false);
  }

  private static FileChange changed(long id, long size, Set<Change> changes, long zeroFrom) {
    return new FileChange(
        id, BS, "f", "text/plain", size, WriteFormat.WHOLE, false, changes, zeroFrom, false);
  }

  private long commit(long snapshot, List<BlockWrite> blocks, FileChange... files)
      throws ConflictException {
    Optional<CommitOutcome> out =
        store.commit(new Changeset(snapshot, blocks.iterator(), () -> List.of(files), false));
    assertThat(out).isPresent();
    return out.get().revision();
  }

  private long createFile(long id) throws ConflictException {
    return commit(store.headRevision(), List.of(), created(id));
  }

  private static byte[] bytes(int len, int seed) {
    byte[] b = new byte[BS];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (seed + i * 7 + 1);
    }
    return b;
  }

  private static BlockWrite whole(long file, long blk, byte[] page) {
    int len = io.bigfile.format.Bytes.trimmedLength(page, 0, page.length);
    return new BlockWrite(file, blk, new EncodedBlock.Whole(page, len), 0);
  }

  private BlockData contentAt(long file, long blk, long snapshot) {
    List<BlockRef> refs = store.blocks(file, snapshot, blk, blk + 1);
    if (refs.isEmpty()) {
      return BlockData.EMPTY;
    }
    return store.load(file, BS, refs.get(0));
  }

  private static byte[] padded(BlockData d) {
    byte[] out = new byte[BS];
    d.copyTo(0, out, 0, BS);
    return out;
  }

  @Test
  void aCommitMakesExactlyOneRevisionAndEmptyOnesNone() throws Exception {
    long id = newId();
    long before = store.headRevision();
    long rev = createFile(id);
    assertThat(rev).isEqualTo(before + 1);
    assertThat(store.headRevision()).isEqualTo(rev);
    Optional<CommitOutcome> empty =
        store.commit(new Changeset(rev, List.<BlockWrite>of().iterator(), List::of, false));
    assertThat(empty).isEmpty();
    assertThat(store.headRevision()).isEqualTo(rev);
  }

  @Test
  void aFileExistsFromItsCreatingRevision() throws Exception {
    long id = newId();
    long rev = createFile(id);
    assertThat(store.file(id, rev - 1)).isEmpty();
    FileRecord r = store.file(id, rev).orElseThrow();
    assertThat(r.blockSize()).isEqualTo(BS);
    assertThat(r.revision()).isEqualTo(rev);
    assertThat(r.size()).isZero();
    assertThat(r.contentType()).isEqualTo("text/plain");
    assertThat(store.files(rev, id - 1, 1)).extracting(FileRecord::id).containsExactly(id);
  }

  private static FileChange typed(long id, String contentType) {
    return new FileChange(
        id,
        BS,
        "f",
        contentType,
        0,
        WriteFormat.WHOLE,
        false,
        EnumSet.of(Change.CONTENT_TYPE),
        Long.MAX_VALUE,
        false);
  }

  @Test
  void theContentTypeIsVersionedAndMergesWithOtherChangesButNotWithItself() throws Exception {
    long id = newId();
    long r0 = createFile(id);
    long r1 = commit(r0, List.of(), typed(id, "video/mp4"));
    assertThat(store.file(id, r0).orElseThrow().contentType()).isEqualTo("text/plain");
    assertThat(store.file(id, r1).orElseThrow().contentType()).isEqualTo("video/mp4");
    assertThat(store.revisions(id, r1, Long.MAX_VALUE, 1).get(0).changesMask())
        .isEqualTo(Change.mask(EnumSet.of(Change.CONTENT_TYPE)));

    // a write from the older snapshot, carrying the type it saw, keeps the newer type
    long r2 =
        commit(
            r0,
            List.of(whole(id, 0, bytes(10, 1))),
            changed(id, 10, EnumSet.of(Change.BLOCKS, Change.SIZE), Long.MAX_VALUE));
    assertThat(store.file(id, r2).orElseThrow().contentType()).isEqualTo("video/mp4");

    assertThatThrownBy(() -> commit(r0, List.of(), typed(id, "image/tiff")))
        .isInstanceOfSatisfying(
            ConflictException.class,
            e ->
                assertThat(e.conflicts())
                    .singleElement()
                    .satisfies(
                        c -> assertThat(c.what()).containsExactly(ConflictKind.CONTENT_TYPE)));
    assertThat(store.file(id, store.headRevision()).orElseThrow().contentType())
        .isEqualTo("video/mp4");

    long r3 = commit(store.headRevision(), List.of(), typed(id, null));
    assertThat(store.file(id, r3).orElseThrow().contentType()).isNull();
    assertThat(store.file(id, r2).orElseThrow().contentType()).isEqualTo("video/mp4");
  }

  @Test
  void wholeBlocksRoundTripAndOldVersionsStayReadable() throws Exception {
    long id = newId();
    createFile(id);
    byte[] v1 = bytes(100, 1);
    long r1 =
        commit(
            store.headRevision(),
            List.of(whole(id, 3, v1)),
            changed(id, 4 * BS, EnumSet.of(Change.BLOCKS, Change.SIZE), Long.MAX_VALUE));
    byte[] v2 = bytes(BS, 2);
    long r2 =
        commit(
            r1,
            List.of(whole(id, 3, v2)),
            changed(id, 4 * BS, EnumSet.of(Change.BLOCKS), Long.MAX_VALUE));
    assertThat(padded(contentAt(id, 3, r1))).isEqualTo(v1);
    assertThat(padded(contentAt(id, 3, r2))).isEqualTo(v2);
    assertThat(contentAt(id, 3, r1).length()).as("trailing zeros trimmed").isEqualTo(100);
    assertThat(store.blocks(id, r2, 0, 10)).extracting(BlockRef::blk).containsExactly(3L);
    assertThat(store.revisions(id, r2, Long.MAX_VALUE, 10))
        .extracting(RevisionRecord::revision)
        .containsExactly(r2, r1, r1 - 1);
  }

  @Test
  void chunkedVersionsStoreOnlyChangedChunksAndReadWhole() throws Exception {
    long id = newId();
    createFile(id);
    byte[] v1 = bytes(BS, 3);
    long r1 =
        commit(
            store.headRevision(),
            List.of(new BlockWrite(id, 0, Chunks.encode(v1, null), 0)),
            changed(id, BS, EnumSet.of(Change.BLOCKS, Change.SIZE), Long.MAX_VALUE));
    BlockRef ref1 = store.blocks(id, r1, 0, 1).get(0);
    assertThat(ref1.format()).isEqualTo(BlockFormat.CHUNKED);
    assertThat(ref1.runStart()).isEqualTo(r1);
    byte[] v2 = v1.clone();
    v2[5000] ^= 0x55; // one chunk changes
    Arrays.fill(v2, 8192, 12288, (byte) 0); // one chunk becomes zeros
    EncodedBlock.Chunked diff = Chunks.encode(v2, new BlockData(v1, BS));
    assertThat(diff.chunks()).extracting(EncodedBlock.Chunk::offset).containsExactly(4096, 8192);
    long r2 =
        commit(
            r1,
            List.of(new BlockWrite(id, 0, diff, ref1.runStart())),
            changed(id, BS, EnumSet.of(Change.BLOCKS), Long.MAX_VALUE));
    assertThat(padded(contentAt(id, 0, r1))).isEqualTo(v1);
    assertThat(padded(contentAt(id, 0, r2))).isEqualTo(v2);
    assertThat(store.blocks(id, r2, 0, 1).get(0).runStart()).isEqualTo(r1);
  }

  /**
   * A range read gives the same bytes as the whole block, for every format, for ranges inside the
   * stored data, across its trimmed end, past it, and across chunk edges, in old and new versions.
   */
  @Test
  void rangeReadsMatchWholeBlockReadsInEveryFormat() throws Exception {
    long id = newId();
    createFile(id);
    byte[] data = bytes(10_000, 4); // whole: trailing zeros trimmed at 10000
    byte[] chunked1 = bytes(BS, 5);
    long r1 =
        commit(
            store.headRevision(),
            List.of(whole(id, 0, data), new BlockWrite(id, 1, Chunks.encode(chunked1, null), 0)),
            changed(id, 3 * BS, EnumSet.of(Change.BLOCKS, Change.SIZE), Long.MAX_VALUE));
    BlockRef run = store.blocks(id, r1, 1, 2).get(0);
    byte[] chunked2 = chunked1.clone();
    chunked2[4097] ^= 0x33;
    Arrays.fill(chunked2, 8192, 12288, (byte) 0);
    long r2 =
        commit(
            r1,
            List.of(
                new BlockWrite(
                    id, 1, Chunks.encode(chunked2, new BlockData(chunked1, BS)), run.runStart())),
            changed(id, 3 * BS, EnumSet.of(Change.BLOCKS), Long.MAX_VALUE));
    int[][] ranges = {
      {0, 1},
      {0, 4096},
      {1, 4095},
      {4000, 200},
      {4095, 2},
      {9990, 20},
      {10_000, 100},
      {12_000, 4384},
      {0, BS},
      {BS - 1, 1},
      {8191, 4099},
      {3, 9000}
    };
    for (long snapshot : new long[] {r1, r2}) {
      for (BlockRef ref : store.blocks(id, snapshot, 0, 3)) {
        BlockData block = store.load(id, BS, ref);
        for (int[] r : ranges) {
          byte[] expected = new byte[r[1]];
          block.copyTo(r[0], expected, 0, r[1]);
          assertThat(store.loadRange(id, BS, ref, r[0], r[1]))
              .as("block %d at %d, bytes %d+%d", ref.blk(), snapshot, r[0], r[1])
              .isEqualTo(expected);
          BlockSlice slice = store.readSlice(id, BS, snapshot, ref.blk(), r[0], r[1]);
          assertThat(slice.ref()).isEqualTo(ref);
          assertThat(slice.bytes())
              .as("slice of block %d at %d, bytes %d+%d", ref.blk(), snapshot, r[0], r[1])
              .isEqualTo(expected);
        }
      }
      BlockSlice never = store.readSlice(id, BS, snapshot, 2, 10, 20);
      assertThat(never.ref()).as("a block never written").isNull();
      assertThat(never.bytes()).isEqualTo(new byte[20]);
    }
    // a zero version reads as zeros
    long r3 = commit(r2, List.of(), changed(id, 10, EnumSet.of(Change.SIZE), 1));
    BlockRef zero = store.blocks(id, r3, 1, 2).get(0);
    assertThat(zero.format()).isEqualTo(BlockFormat.ZERO);
    assertThat(store.loadRange(id, BS, zero, 100, 50)).isEqualTo(new byte[50]);
    assertThat(store.readSlice(id, BS, r3, 1, 100, 50).ref()).isEqualTo(zero);
    assertThat(store.readSlice(id, BS, r3, 1, 100, 50).bytes()).isEqualTo(new byte[50]);
  }

  @Test
  void truncationWritesZeroVersionsButNotOverBlocksOfTheSameCommit() throws Exception {
    long id = newId();
    createFile(id);
    long r1 =
        commit(
            store.headRevision(),
            List.of(
                whole(id, 0, bytes(BS, 1)), whole(id, 1, bytes(BS, 2)), whole(id, 2, bytes(BS, 3))),
            changed(id, 3 * BS, EnumSet.of(Change.BLOCKS, Change.SIZE), Long.MAX_VALUE));
    byte[] b1 = bytes(10, 9);
    long r2 =
        commit(
            r1,
            List.of(whole(id, 1, b1)),
            changed(id, BS + 10, EnumSet.of(Change.BLOCKS, Change.SIZE), 1));
    assertThat(padded(contentAt(id, 1, r2))).isEqualTo(b1);
    assertThat(store.blocks(id, r2, 2, 3).get(0).format()).isEqualTo(BlockFormat.ZERO);
    assertThat(padded(contentAt(id, 2, r1))).isEqualTo(bytes(BS, 3));
    assertThat(store.file(id, r2).orElseThrow().size()).isEqualTo(BS + 10);
  }

  @Test
  void firstCommitterWinsOnABlockAndTheLoserLeavesNothing() throws Exception {
    long id = newId();
    long r0 = createFile(id);
    // blocks only, no size change: the store's rules on size are tested below
    long r1 =
        commit(
            r0,
            List.of(whole(id, 0, bytes(5, 1))),
            changed(id, 0, EnumSet.of(Change.BLOCKS), Long.MAX_VALUE));
    assertThatThrownBy(
            () ->
                commit(
                    r0,
                    List.of(whole(id, 1, bytes(5, 2)), whole(id, 0, bytes(5, 3))),
                    changed(id, BS, EnumSet.of(Change.BLOCKS), Long.MAX_VALUE)))
        .isInstanceOf(ConflictException.class)
        .satisfies(
            e -> {
              StoredConflict c = ((ConflictException) e).conflicts().get(0);
              assertThat(c.fileId()).isEqualTo(id);
              assertThat(c.blocks()).containsExactly(0L);
            });
    assertThat(store.headRevision()).isGreaterThanOrEqualTo(r1);
    assertThat(store.blocks(id, store.headRevision(), 0, 10))
        .extracting(BlockRef::blk)
        .containsExactly(0L);
    // different blocks of one file do not conflict
    commit(
        r0,
        List.of(whole(id, 2, bytes(5, 4))),
        changed(id, BS, EnumSet.of(Change.BLOCKS), Long.MAX_VALUE));
  }

  @Test
  void concurrentSizeChangesAndDeletesConflict() throws Exception {
    long id = newId();
    long r0 = createFile(id);
    commit(r0, List.of(), changed(id, 100, EnumSet.of(Change.SIZE), Long.MAX_VALUE));
    assertThatThrownBy(
            () -> commit(r0, List.of(), changed(id, 200, EnumSet.of(Change.SIZE), Long.MAX_VALUE)))
        .isInstanceOf(ConflictException.class);
    long r2 = store.headRevision();
    commit(
        r2,
        List.of(),
        new FileChange(
            id,
            BS,
            "f",
            "text/plain",
            100,
            WriteFormat.WHOLE,
            true,
            EnumSet.of(Change.DELETED),
            Long.MAX_VALUE,
            false));
    assertThatThrownBy(
            () -> commit(r2, List.of(), changed(id, 100, EnumSet.of(Change.NAME), Long.MAX_VALUE)))
        .isInstanceOf(ConflictException.class);
    assertThat(store.file(id, store.headRevision()).orElseThrow().deleted()).isTrue();
  }

  @Test
  void aChangesetThatFailsMidwayLeavesNothingVisible() throws Exception {
    long id = newId();
    long r0 = createFile(id);
    Iterator<BlockWrite> failing =
        new Iterator<>() {
          int n;

          @Override
          public boolean hasNext() {
            return true;
          }

          @Override
          public BlockWrite next() {
            if (n == 3) {
              throw new IllegalStateException("the body broke off");
            }
            return whole(id, n++, bytes(BS, n));
          }
        };
    assertThatThrownBy(
            () ->
                store.commit(
                    new Changeset(
                        r0,
                        failing,
                        () ->
                            List.of(changed(id, 4 * BS, EnumSet.of(Change.BLOCKS), Long.MAX_VALUE)),
                        true)))
        .hasMessageContaining("broke off");
    assertThat(store.blocks(id, store.headRevision(), 0, 10)).isEmpty();
    assertThat(store.file(id, store.headRevision()).orElseThrow().revision()).isEqualTo(r0);
  }

  @Test
  void packKeepsWhatRetainedRevisionsSeeAndDropsTheRest() throws Exception {
    long id = newId();
    long r0 = createFile(id);
    List<Long> revs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      revs.add(
          commit(
              store.headRevision(),
              List.of(whole(id, 0, bytes(50, i))),
              changed(id, BS, EnumSet.of(Change.BLOCKS, Change.SIZE), Long.MAX_VALUE)));
    }
    long horizon = revs.get(2);
    store.retainFrom(horizon);
    store.pack(horizon);
    assertThat(store.oldestRetainedRevision()).isGreaterThanOrEqualTo(horizon);
    assertThat(padded(contentAt(id, 0, horizon))).isEqualTo(bytes(50, 2));
    assertThat(padded(contentAt(id, 0, revs.get(3)))).isEqualTo(bytes(50, 3));
    assertThat(store.blocks(id, revs.get(1), 0, 1))
        .as("versions below the horizon are gone")
        .isEmpty();
    assertThat(store.file(id, horizon)).isPresent();
    assertThat(r0).isLessThan(horizon);
  }
}
