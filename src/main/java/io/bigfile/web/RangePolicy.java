package io.bigfile.web;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Limits on what one Range header may ask for, against amplification (RFC 9110 section 14.2: "a
 * server MAY ignore or reject a Range header field that contains ... more than two overlapping
 * ranges or a set of many small ranges that are not listed in ascending order"). A request over a
 * limit is answered as if it had no Range: 200 with the whole body, which costs the server no more
 * than the file.
 *
 * @param maxRanges the most range-specs one header may hold
 * @param maxOverlapping the most ranges that may overlap an earlier one of the same set
 */
public record RangePolicy(int maxRanges, int maxOverlapping) {

  public RangePolicy {
    if (maxRanges < 1 || maxOverlapping < 0) {
      throw new IllegalArgumentException("maxRanges must be >= 1 and maxOverlapping >= 0");
    }
  }

  /** Whether the ranges may be served as asked; else the whole representation is served. */
  boolean allows(RangeHeader.Parsed parsed, long size) {
    List<ByteRange> ranges = parsed.satisfiable();
    if (parsed.specs() > maxRanges) {
      return false;
    }
    if (ranges.size() < 2) {
      return true;
    }
    long total = 0;
    for (ByteRange r : ranges) {
      total += r.length();
    }
    if (total > size) {
      return false;
    }
    List<ByteRange> sorted = new ArrayList<>(ranges);
    sorted.sort(Comparator.comparingLong(ByteRange::offset));
    int overlapping = 0;
    long end = -1;
    for (ByteRange r : sorted) {
      if (r.offset() <= end) {
        overlapping++;
      }
      end = Math.max(end, r.last());
    }
    return overlapping <= maxOverlapping;
  }
}
