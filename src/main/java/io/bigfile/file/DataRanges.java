package io.bigfile.file;

import java.util.List;

/**
 * The byte ranges of a file that hold data, or that changed between two revisions.
 *
 * @param size the file's size at the revision read
 * @param revision the revision read (the request's snapshot)
 * @param since the older revision of a diff, or null
 * @param sizeAtSince the file's size at {@code since} (0 if it did not exist), or null
 * @param ranges byte ranges, ascending and disjoint; their resolution is the block size
 * @param nextCursor where the next page starts, or null on the last page
 */
public record DataRanges(
    long size,
    int blockSize,
    long revision,
    Long since,
    Long sizeAtSince,
    List<Extent> ranges,
    String nextCursor) {

  /** {@code length} bytes from {@code offset}. */
  public record Extent(long offset, long length) {}
}
