package io.bigfile.format;

import java.util.List;

/**
 * One block version ready to be stored. Array slices refer to the caller's page; they are not
 * copies.
 */
public sealed interface EncodedBlock {

  BlockFormat format();

  /** The block reads as zeros. */
  record Zero() implements EncodedBlock {
    @Override
    public BlockFormat format() {
      return BlockFormat.ZERO;
    }
  }

  /** The block's bytes {@code buf[0, length)}, trailing zeros already trimmed. */
  record Whole(byte[] buf, int length) implements EncodedBlock {
    @Override
    public BlockFormat format() {
      return BlockFormat.WHOLE;
    }
  }

  /**
   * Chunk changes against the previous version of the chunk run, or all non-zero chunks when {@code
   * newRun}.
   *
   * @param newRun this version starts a new chunk run: chunks of earlier versions are not part of
   *     it
   */
  record Chunked(boolean newRun, List<Chunk> chunks) implements EncodedBlock {
    @Override
    public BlockFormat format() {
      return BlockFormat.CHUNKED;
    }
  }

  /**
   * The extents of a block that differ from its previous version, over a base; see {@link
   * Overlays}.
   *
   * @param layer this version's place in its overlay (1 for the first change over a base)
   * @param extents non-overlapping, ascending, each a whole number of chunks
   */
  record Overlay(int layer, List<Chunk> extents) implements EncodedBlock {
    @Override
    public BlockFormat format() {
      return BlockFormat.OVERLAY;
    }
  }

  /**
   * One chunk value (or, in an overlay, one extent of whole chunks): {@code buf[from, from+length)}
   * stored at offset {@code offset} of the block; {@code length} zero means the chunk is now all
   * zeros.
   */
  record Chunk(int offset, byte[] buf, int from, int length) {}

  EncodedBlock ZERO = new Zero();
}
