package io.bigfile.block;

import io.bigfile.format.BlockFormat;

/**
 * The version of one block that a snapshot sees.
 *
 * @param rev the revision that wrote this version
 * @param runStart for a chunked version, the revision that started its chunk run; for an overlay
 *     version, the revision of its base (0 for a hole); else equal to {@code rev}
 * @param layer for an overlay version, its layer number; else 0
 */
public record BlockRef(long blk, long rev, BlockFormat format, long runStart, int layer) {

  /** A version that is not an overlay. */
  public BlockRef(long blk, long rev, BlockFormat format, long runStart) {
    this(blk, rev, format, runStart, 0);
  }
}
