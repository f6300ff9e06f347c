package io.bigfile.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden tests of the chunked format: exactly which chunk values a version stores. */
class ChunksTests {

  private static byte[] page(int size) {
    return new byte[size];
  }

  @Test
  void aNewRunStoresEveryNonZeroChunkTrimmed() {
    byte[] p = page(16384);
    p[0] = 'a';
    p[1] = 'b';
    p[8192] = 'x';
    EncodedBlock.Chunked c = Chunks.encode(p, null);
    assertThat(c.newRun()).isTrue();
    assertThat(c.chunks()).hasSize(2);
    assertThat(c.chunks().get(0).offset()).isZero();
    assertThat(slice(c.chunks().get(0))).isEqualTo("ab".getBytes());
    assertThat(c.chunks().get(1).offset()).isEqualTo(8192);
    assertThat(slice(c.chunks().get(1))).isEqualTo("x".getBytes());
  }

  @Test
  void aChangeStoresOnlyTheChunksThatDiffer() {
    byte[] v5 = page(16384);
    v5[0] = 'a';
    v5[1] = 'b';
    v5[8192] = 'x';
    byte[] v9 = v5.clone();
    v9[1] = 'c';
    v9[8192] = 0;
    EncodedBlock.Chunked c = Chunks.encode(v9, new BlockData(v5, 8193));
    assertThat(c.newRun()).isFalse();
    assertThat(c.chunks()).extracting(EncodedBlock.Chunk::offset).containsExactly(0, 8192);
    assertThat(slice(c.chunks().get(0))).isEqualTo("ac".getBytes());
    assertThat(c.chunks().get(1).length()).as("an all-zero chunk is an empty value").isZero();
  }

  @Test
  void aOneByteChangeOfATwoMegabyteBlockWritesOneChunk() {
    byte[] old = page(2 << 20);
    Arrays.fill(old, (byte) 7);
    byte[] now = old.clone();
    now[1_000_000] = 8;
    EncodedBlock.Chunked c = Chunks.encode(now, new BlockData(old, old.length));
    assertThat(c.chunks()).hasSize(1);
    assertThat(c.chunks().get(0).offset()).isEqualTo(1_000_000 / 4096 * 4096);
    assertThat(c.chunks().get(0).length()).isEqualTo(4096);
  }

  @Test
  void assemblePadsAndRejectsOverlaps() {
    BlockData d =
        Chunks.assemble(
            List.of(
                new Chunks.StoredChunk(0, "ab".getBytes()),
                new Chunks.StoredChunk(4096, "x".getBytes())),
            16384);
    assertThat(d.length()).isEqualTo(4097);
    assertThat(d.byteAt(1)).isEqualTo((byte) 'b');
    assertThat(d.byteAt(2)).isZero();
    assertThat(d.byteAt(4096)).isEqualTo((byte) 'x');
    assertThatThrownBy(
            () ->
                Chunks.assemble(
                    List.of(
                        new Chunks.StoredChunk(0, new byte[5000]),
                        new Chunks.StoredChunk(4096, "x".getBytes())),
                    16384))
        .isInstanceOf(IllegalStateException.class);
  }

  private static byte[] slice(EncodedBlock.Chunk c) {
    return Arrays.copyOfRange(c.buf(), c.from(), c.from() + c.length());
  }
}
