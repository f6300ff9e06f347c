package io.bigfile.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The overlay format.
 *
 * <p>An overlay version of a block is a <b>base</b>, the version the overlay started from (a whole
 * version, a zero version or a hole, which read as zeros), plus <b>layers</b>: every overlay
 * version since the base, up to and including this one, stores the extents of the block that it
 * changed, each extent a run of whole {@value Chunks#CHUNK_SIZE}-byte chunks, untrimmed. The
 * content of a version is, for every chunk, the newest layer that holds it, else the base. A change
 * therefore stores only the chunks that differ from the previous version, whatever the format of
 * the base, and a read fetches each byte once: the visible part of each layer and the parts of the
 * base no layer covers.
 *
 * <p>Example, block size 16 KiB: version 5 is whole, "ab..." over all 16 KiB. Version 7 changes
 * byte 5000 and stores layer 1 over base 5: one extent [4096, 8192). Version 9 changes bytes 5000
 * to 9000 and stores layer 2: one extent [4096, 12288). Reading version 9 takes [0, 4096) and
 * [12288, 16384) from version 5 and [4096, 12288) from layer 2; version 7 is still readable too.
 *
 * <p>When an overlay grows too many layers, the next change stores the block whole again
 * (compaction); pack also rewrites an overlay version whole once the versions it was built from are
 * no longer retained.
 */
public final class Overlays {

  private Overlays() {}

  /**
   * The most layers an overlay of a block of {@code blockSize} bytes grows before the next change
   * stores the block whole: a read costs about one fetch per layer, and one fetch costs about as
   * much as reading 16 KiB, so at this many layers an overlay reads about as slowly as two whole
   * blocks.
   */
  public static int maxLayers(int blockSize) {
    return Math.max(2, blockSize / (16 * 1024));
  }

  /**
   * Encodes {@code page} as the next layer over {@code previous}: the chunks that differ from it,
   * merged into extents.
   *
   * @param previous the content of the version this one replaces (null: zeros)
   * @param layer the new layer's number
   */
  public static EncodedBlock.Overlay encode(byte[] page, BlockData previous, int layer) {
    List<EncodedBlock.Chunk> extents = new ArrayList<>();
    int start = -1;
    for (int off = 0; off < page.length; off += Chunks.CHUNK_SIZE) {
      int end = Math.min(page.length, off + Chunks.CHUNK_SIZE);
      boolean changed =
          previous == null
              ? Bytes.trimmedLength(page, off, end) > 0
              : Chunks.differs(page, off, end, previous);
      if (changed && start < 0) {
        start = off;
      } else if (!changed && start >= 0) {
        extents.add(new EncodedBlock.Chunk(start, page, start, off - start));
        start = -1;
      }
    }
    if (start >= 0) {
      extents.add(new EncodedBlock.Chunk(start, page, start, page.length - start));
    }
    return new EncodedBlock.Overlay(layer, extents);
  }

  /** One stored extent of a layer, as the index knows it: no data. */
  public record Extent(long rev, int offset, int length) {}

  /**
   * Where one piece of a read comes from: bytes {@code [start, start+length)} of the block, taken
   * from {@code extent} (null: from the base).
   */
  public record Piece(Extent extent, int start, int length) {}

  /**
   * The pieces that make up bytes {@code [from, to)} of an overlay version: every chunk from the
   * newest extent holding it, the rest from the base. Pieces are chunk-aligned (they may reach past
   * the range to whole chunks) and come in ascending order.
   *
   * @param extents every extent of the version's layers
   * @throws IllegalStateException if an extent is not made of whole chunks of the block
   */
  public static List<Piece> pieces(List<Extent> extents, int blockSize, int from, int to) {
    int first = from / Chunks.CHUNK_SIZE;
    int last = Math.min(blockSize, to + Chunks.CHUNK_SIZE - 1) / Chunks.CHUNK_SIZE;
    int n = last - first;
    Extent[] owner = new Extent[n];
    List<Extent> newestFirst = new ArrayList<>(extents);
    newestFirst.sort(Comparator.comparingLong(Extent::rev).reversed());
    for (Extent e : newestFirst) {
      if (e.offset() % Chunks.CHUNK_SIZE != 0
          || e.length() <= 0
          || e.offset() + e.length() > blockSize
          || (e.length() % Chunks.CHUNK_SIZE != 0 && e.offset() + e.length() != blockSize)) {
        throw new IllegalStateException(
            "corrupt overlay: extent at " + e.offset() + " of " + e.length() + " bytes");
      }
      int lo = Math.max(first, e.offset() / Chunks.CHUNK_SIZE);
      int hi =
          Math.min(last, (e.offset() + e.length() + Chunks.CHUNK_SIZE - 1) / Chunks.CHUNK_SIZE);
      for (int i = lo; i < hi; i++) {
        if (owner[i - first] == null) {
          owner[i - first] = e;
        }
      }
    }
    List<Piece> out = new ArrayList<>();
    int i = 0;
    while (i < n) {
      Extent e = owner[i];
      int j = i + 1;
      while (j < n && owner[j] == e) {
        j++;
      }
      int start = (first + i) * Chunks.CHUNK_SIZE;
      int end = Math.min(blockSize, (first + j) * Chunks.CHUNK_SIZE);
      out.add(new Piece(e, start, end - start));
      i = j;
    }
    return out;
  }

  /**
   * Copies the bytes of one piece, {@code data} (shorter when the base ends early: zeros follow),
   * into {@code out}, which holds bytes {@code [from, from+out.length)} of the block.
   */
  public static void place(Piece piece, byte[] data, int from, byte[] out) {
    int start = Math.max(piece.start(), from);
    int end = Math.min(piece.start() + piece.length(), from + out.length);
    if (start >= end) {
      return;
    }
    int avail = data == null ? 0 : Math.max(0, Math.min(end, piece.start() + data.length) - start);
    if (avail > 0) {
      System.arraycopy(data, start - piece.start(), out, start - from, avail);
    }
    Arrays.fill(out, start - from + avail, end - from, (byte) 0);
  }
}
