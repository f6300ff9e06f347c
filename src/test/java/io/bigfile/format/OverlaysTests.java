package io.bigfile.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden tests of the overlay format: which extents a layer stores, and which pieces of which layer
 * or base a read takes.
 */
class OverlaysTests {

  private static final int C = Chunks.CHUNK_SIZE;

  private static byte[] slice(EncodedBlock.Chunk c) {
    return Arrays.copyOfRange(c.buf(), c.from(), c.from() + c.length());
  }

  @Test
  void aLayerStoresTheChangedChunksMergedIntoUntrimmedExtents() {
    byte[] base = new byte[8 * C];
    Arrays.fill(base, (byte) 1);
    byte[] p = base.clone();
    p[C + 5] = 2; // chunk 1
    p[2 * C] = 3; // chunk 2, next to it: one extent of two chunks
    p[6 * C + 7] = 0; // chunk 6, alone
    EncodedBlock.Overlay o = Overlays.encode(p, new BlockData(base, base.length), 1);
    assertThat(o.layer()).isEqualTo(1);
    assertThat(o.extents()).hasSize(2);
    EncodedBlock.Chunk a = o.extents().get(0);
    assertThat(a.offset()).isEqualTo(C);
    assertThat(a.length()).isEqualTo(2 * C);
    assertThat(slice(a)).isEqualTo(Arrays.copyOfRange(p, C, 3 * C));
    EncodedBlock.Chunk b = o.extents().get(1);
    assertThat(b.offset()).isEqualTo(6 * C);
    assertThat(b.length()).as("untrimmed: a chunk's trailing bytes are stored too").isEqualTo(C);
    assertThat(slice(b)).isEqualTo(Arrays.copyOfRange(p, 6 * C, 7 * C));
  }

  @Test
  void aLayerOverAHoleStoresTheNonZeroChunksAndOneReachingTheEnd() {
    byte[] p = new byte[4 * C];
    p[0] = 9;
    p[4 * C - 1] = 8;
    EncodedBlock.Overlay o = Overlays.encode(p, null, 1);
    assertThat(o.extents())
        .extracting(EncodedBlock.Chunk::offset, EncodedBlock.Chunk::length)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0, C),
            org.assertj.core.groups.Tuple.tuple(3 * C, C));
  }

  @Test
  void anUnchangedPageStoresNoExtent() {
    byte[] base = new byte[4 * C];
    base[10] = 1;
    assertThat(Overlays.encode(base.clone(), new BlockData(base, 11), 3).extents()).isEmpty();
  }

  @Test
  void piecesTakeEachChunkFromItsNewestLayerAndTheRestFromTheBase() {
    // the example of the class comment: layer 1 holds [C, 2C), layer 2 holds [C, 3C)
    Overlays.Extent l1 = new Overlays.Extent(7, C, C);
    Overlays.Extent l2 = new Overlays.Extent(9, C, 2 * C);
    List<Overlays.Piece> at9 = Overlays.pieces(List.of(l1, l2), 4 * C, 0, 4 * C);
    assertThat(at9)
        .containsExactly(
            new Overlays.Piece(null, 0, C),
            new Overlays.Piece(l2, C, 2 * C),
            new Overlays.Piece(null, 3 * C, C));
    List<Overlays.Piece> at7 = Overlays.pieces(List.of(l1), 4 * C, 0, 4 * C);
    assertThat(at7)
        .containsExactly(
            new Overlays.Piece(null, 0, C),
            new Overlays.Piece(l1, C, C),
            new Overlays.Piece(null, 2 * C, 2 * C));
  }

  @Test
  void anOlderLayerShowsWhereNewerOnesDoNotCoverIt() {
    Overlays.Extent wide = new Overlays.Extent(3, 0, 4 * C);
    Overlays.Extent middle = new Overlays.Extent(5, C, C);
    assertThat(Overlays.pieces(List.of(middle, wide), 4 * C, 0, 4 * C))
        .containsExactly(
            new Overlays.Piece(wide, 0, C),
            new Overlays.Piece(middle, C, C),
            new Overlays.Piece(wide, 2 * C, 2 * C));
  }

  @Test
  void piecesOfARangeCoverWholeChunksAroundIt() {
    Overlays.Extent e = new Overlays.Extent(4, 2 * C, C);
    assertThat(Overlays.pieces(List.of(e), 8 * C, C + 100, 2 * C + 1))
        .containsExactly(new Overlays.Piece(null, C, C), new Overlays.Piece(e, 2 * C, C));
  }

  @Test
  void placeCopiesTheRangesPartAndZerosPastShortData() {
    byte[] out = new byte[10];
    Arrays.fill(out, (byte) 7);
    // bytes [100, 110) of the block; the piece [96, 108) comes from a base that ends at 104
    Overlays.place(new Overlays.Piece(null, 96, 12), new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 100, out);
    assertThat(out).containsExactly(5, 6, 7, 8, 0, 0, 0, 0, 7, 7);
  }

  @Test
  void anExtentThatIsNotWholeChunksIsCorrupt() {
    assertThatThrownBy(
            () -> Overlays.pieces(List.of(new Overlays.Extent(2, 100, C)), 4 * C, 0, 4 * C))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("corrupt overlay");
  }
}
