package io.bigfile.block;

import io.bigfile.format.BlockFormat;

/**
 * The version of one block that a snapshot sees.
 *
 * @param rev the revision that wrote this version
 * @param runStart for a chunked version, the revision that started its chunk run; else equal to
 *     {@code rev}
 */
public record BlockRef(long blk, long rev, BlockFormat format, long runStart) {}
