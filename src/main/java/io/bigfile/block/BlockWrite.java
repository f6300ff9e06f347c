package io.bigfile.block;

import io.bigfile.format.EncodedBlock;

/**
 * One block version to store.
 *
 * @param runStart for a chunked version that continues a run, the revision that started the run;
 *     for an overlay version, the revision of its base (0 for a hole)
 */
public record BlockWrite(long fileId, long blk, EncodedBlock block, long runStart) {}
