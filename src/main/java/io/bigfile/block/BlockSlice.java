package io.bigfile.block;

/**
 * Some bytes of one block version, with the version they came from.
 *
 * @param ref the version, or null for a block never written (the bytes are zeros)
 * @param bytes the bytes asked for, zeros past the version's stored data
 */
public record BlockSlice(BlockRef ref, byte[] bytes) {}
