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
  void autoPicksChunkedForSmallChangesAndWholeForLargeOnes() {
    byte[] old = new byte[1 << 20];
    Arrays.fill(old, (byte) 1);
    Encoders.Previous prev =
        new Encoders.Previous(BlockFormat.WHOLE, new BlockData(old, old.length));
    byte[] small = old.clone();
    small[10] = 2;
    assertThat(Encoders.chooseAuto(small, prev, false)).isEqualTo(BlockFormat.CHUNKED);
    byte[] large = old.clone();
    Arrays.fill(large, 0, old.length / 2, (byte) 3);
    assertThat(Encoders.chooseAuto(large, prev, false)).isEqualTo(BlockFormat.WHOLE);
    assertThat(Encoders.chooseAuto(small, prev, true))
        .as("a block an append filled")
        .isEqualTo(BlockFormat.WHOLE);
    byte[] oneChunk = new byte[4096];
    oneChunk[0] = 1;
    assertThat(Encoders.chooseAuto(oneChunk, Encoders.Previous.NONE, false))
        .isEqualTo(BlockFormat.WHOLE);
    byte[] tail = new byte[1 << 20];
    tail[100] = 5;
    assertThat(Encoders.chooseAuto(tail, Encoders.Previous.NONE, false))
        .as("a small start of a new tail block")
        .isEqualTo(BlockFormat.CHUNKED);
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
