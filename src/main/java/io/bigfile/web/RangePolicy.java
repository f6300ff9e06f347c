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
 * <p>A set whose ranges are in ascending order, none overlapping another, and together no longer
 * than the file cannot make the server send more than the file, whatever their number: it is served
 * up to {@code maxAscendingRanges} ranges. Real clients send such sets: GDAL asks for up to 250
 * tiles of a raster in one request ({@code GDAL_HTTP_MULTIRANGE=SINGLE_GET}). Any other set is held
 * to {@code maxRanges} ranges and {@code maxOverlapping} overlaps. Every set must add up to no more
 * than the file.
 *
 * @param maxRanges the most range-specs one header may hold, unless the set is ascending and
 *     without overlaps
 * @param maxOverlapping the most ranges that may overlap an earlier one of the same set
 * @param maxAscendingRanges the most range-specs of a header whose ranges ascend without
 *     overlapping
 */
public record RangePolicy(int maxRanges, int maxOverlapping, int maxAscendingRanges) {

  public RangePolicy {
    if (maxRanges < 1 || maxOverlapping < 0 || maxAscendingRanges < 1) {
      throw new IllegalArgumentException(
          "maxRanges and maxAscendingRanges must be >= 1 and maxOverlapping >= 0");
    }
  }

  /** Whether the ranges may be served as asked; else the whole representation is served. */
  boolean allows(RangeHeader.Parsed parsed, long size) {
    List<ByteRange> ranges = parsed.satisfiable();
    if (parsed.specs() > Math.max(maxRanges, maxAscendingRanges)) {
      return false;
    }
    if (ranges.size() < 2) {
      return true; // one range, or none (416), costs at most the file
    }
    long total = 0;
    for (ByteRange r : ranges) {
      total += r.length();
    }
    if (total > size) {
      return false;
    }
    if (parsed.specs() > maxRanges) {
      return ascendingWithoutOverlap(ranges);
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

  /** Each range starts after the last byte of the one before it, in request order. */
  private static boolean ascendingWithoutOverlap(List<ByteRange> ranges) {
    long end = -1;
    for (ByteRange r : ranges) {
      if (r.offset() <= end) {
        return false;
      }
      end = r.last();
    }
    return true;
  }
}
