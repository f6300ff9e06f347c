package io.bigfile.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The permanent format ids, the whole encoding's golden bytes, and the auto rule. */
class EncodersTests {

  @Test
  void formatIdsArePermanent() {
    assertThat(BlockFormat.ZERO.id()).isZero();
    assertThat(BlockFormat.WHOLE.id()).isEqualTo(1);
    assertThat(BlockFormat.CHUNKED.id()).isEqualTo(2);
    assertThat(BlockFormat.OVERLAY.id()).isEqualTo(3);
  }

  @Test
  void wholeTrimsTrailingZerosOnly() {
    byte[] p = new byte[8192];
    p[0] = 0;
    p[1] = 9;
    p[3] = 4;
    EncodedBlock e = Encoders.encode(p, BlockFormat.WHOLE, Encoders.Previous.NONE);
    assertThat(e).isInstanceOf(EncodedBlock.Whole.class);
    EncodedBlock.Whole w = (EncodedBlock.Whole) e;
    assertThat(Arrays.copyOf(w.buf(), w.length())).containsExactly(0, 9, 0, 4);
  }

  @Test
  void anAllZeroBlockIsStoredAsZeroInEveryFormat() {
    byte[] p = new byte[8192];
    assertThat(Encoders.encode(p, BlockFormat.WHOLE, Encoders.Previous.NONE))
        .isEqualTo(EncodedBlock.ZERO);
    assertThat(Encoders.encode(p, BlockFormat.CHUNKED, Encoders.Previous.NONE))
        .isEqualTo(EncodedBlock.ZERO);
  }

  @Test
  void autoPicksAnOverlayForChangesUpToHalfTheBlockAndWholeForLargerOnes() {
    byte[] old = new byte[1 << 20];
    Arrays.fill(old, (byte) 1);
    Encoders.Previous prev =
        new Encoders.Previous(BlockFormat.WHOLE, new BlockData(old, old.length));
    byte[] small = old.clone();
    small[10] = 2;
    assertThat(Encoders.chooseAuto(small, prev)).isEqualTo(BlockFormat.OVERLAY);
    byte[] half = old.clone();
    Arrays.fill(half, 0, old.length / 2, (byte) 3);
    assertThat(Encoders.chooseAuto(half, prev)).as("exactly half").isEqualTo(BlockFormat.OVERLAY);
    byte[] large = old.clone();
    Arrays.fill(large, 0, old.length / 2 + 1, (byte) 3);
    assertThat(Encoders.chooseAuto(large, prev)).isEqualTo(BlockFormat.WHOLE);
    byte[] oneChunk = new byte[4096];
    oneChunk[0] = 1;
    assertThat(Encoders.chooseAuto(oneChunk, Encoders.Previous.NONE)).isEqualTo(BlockFormat.WHOLE);
    byte[] tail = new byte[1 << 20];
    tail[100] = 5;
    assertThat(Encoders.chooseAuto(tail, Encoders.Previous.NONE))
        .as("a small start of a new block")
        .isEqualTo(BlockFormat.OVERLAY);
  }

  @Test
  void autoCompactsAnOverlayThatHasItsMostLayers() {
    byte[] old = new byte[1 << 20];
    old[0] = 1;
    byte[] p = old.clone();
    p[5000] = 2;
    int max = Overlays.maxLayers(old.length);
    assertThat(max).isEqualTo(64);
    BlockData content = new BlockData(old, 1);
    assertThat(Encoders.chooseAuto(p, new Encoders.Previous(BlockFormat.OVERLAY, content, max - 1)))
        .isEqualTo(BlockFormat.OVERLAY);
    assertThat(Encoders.chooseAuto(p, new Encoders.Previous(BlockFormat.OVERLAY, content, max)))
        .isEqualTo(BlockFormat.WHOLE);
    EncodedBlock next =
        Encoders.encode(
            p, BlockFormat.OVERLAY, new Encoders.Previous(BlockFormat.OVERLAY, content, 7));
    assertThat(((EncodedBlock.Overlay) next).layer()).isEqualTo(8);
  }

  @Test
  void autoContinuesAChunkRunWrittenByTheChunkedFormat() {
    byte[] old = new byte[1 << 20];
    old[0] = 1;
    Encoders.Previous prev = new Encoders.Previous(BlockFormat.CHUNKED, new BlockData(old, 1));
    byte[] small = old.clone();
    small[9000] = 2;
    assertThat(Encoders.chooseAuto(small, prev)).isEqualTo(BlockFormat.CHUNKED);
    byte[] third = old.clone();
    Arrays.fill(third, 0, old.length / 3, (byte) 2);
    assertThat(Encoders.chooseAuto(third, prev)).isEqualTo(BlockFormat.WHOLE);
  }

  @Test
  void aChunkedWriteOverAWholeBlockStartsANewRun() {
    byte[] old = new byte[16384];
    old[0] = 1;
    byte[] p = old.clone();
    p[5000] = 2;
    EncodedBlock e =
        Encoders.encode(
            p,
            BlockFormat.CHUNKED,
            new Encoders.Previous(BlockFormat.WHOLE, new BlockData(old, 1)));
    assertThat(((EncodedBlock.Chunked) e).newRun()).isTrue();
    assertThat(((EncodedBlock.Chunked) e).chunks()).hasSize(2);
  }
}
