/**
 * Block encodings. Each stored block version has a format with a permanent id; once a format is on
 * disk its encoding never changes, and a new encoding gets a new id. Readers decode every format.
 *
 * <ul>
 *   <li>{@link io.bigfile.format.BlockFormat#ZERO}: the block reads as zeros (written for an
 *       all-zero block and for blocks cut off by a truncation).
 *   <li>{@link io.bigfile.format.BlockFormat#WHOLE}: one value, the block's bytes with trailing
 *       zeros trimmed (wendelin's ZBlk0).
 *   <li>{@link io.bigfile.format.BlockFormat#CHUNKED}: {@value
 *       io.bigfile.format.Chunks#CHUNK_SIZE}-byte chunks at multiples of the chunk size, each
 *       trimmed of trailing zeros, all-zero chunks absent (wendelin's ZBlk1). A version stores only
 *       the chunks that differ from the previous version of its chunk run; see {@link
 *       io.bigfile.format.Chunks}.
 *   <li>{@link io.bigfile.format.BlockFormat#OVERLAY}: a base (a whole or zero version) plus
 *       layers, each the extents of whole chunks that one version changed; see {@link
 *       io.bigfile.format.Overlays}.
 * </ul>
 */
package io.bigfile.format;
