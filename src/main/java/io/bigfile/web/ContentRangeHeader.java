package io.bigfile.web;

import io.bigfile.file.InvalidRequestException;

/**
 * Parses the {@code Content-Range} of a write (RFC 9110 section 14.4): {@code bytes
 * first-last/complete-length} or {@code bytes first-last/*}. Anything else is refused (400), never
 * taken as a full overwrite.
 *
 * @param completeLength the declared size of the file after the write, or null for {@code *}
 */
record ContentRangeHeader(long first, long last, Long completeLength) {

  /**
   * The number of bytes in the range. {@code bytes 0-9223372036854775807} holds 2^63 bytes, one
   * more than a {@code long} holds: it is reported as {@link Long#MAX_VALUE}, which is past any
   * file's maximum size, so the write is refused as too large rather than overflowing to a negative
   * length.
   */
  long length() {
    long span = last - first; // 0 <= first <= last: cannot overflow
    return span == Long.MAX_VALUE ? Long.MAX_VALUE : span + 1;
  }

  static ContentRangeHeader parse(String value) {
    String v = value.trim();
    if (!v.regionMatches(true, 0, "bytes ", 0, 6)) {
      throw bad(value, "it must start with 'bytes '");
    }
    String rest = v.substring(6).trim();
    int slash = rest.indexOf('/');
    int dash = rest.indexOf('-');
    if (slash < 0 || dash < 0 || dash > slash) {
      throw bad(value, "expected 'bytes first-last/length' or 'bytes first-last/*'");
    }
    try {
      long first = Long.parseLong(rest.substring(0, dash).trim());
      long last = Long.parseLong(rest.substring(dash + 1, slash).trim());
      String len = rest.substring(slash + 1).trim();
      Long complete = len.equals("*") ? null : Long.parseLong(len);
      if (first < 0 || last < first) {
        throw bad(value, "last-pos must not be less than first-pos");
      }
      if (complete != null && complete <= last) {
        throw bad(value, "the complete length must be greater than last-pos");
      }
      return new ContentRangeHeader(first, last, complete);
    } catch (NumberFormatException e) {
      throw bad(value, "positions must be decimal numbers");
    }
  }

  private static InvalidRequestException bad(String value, String why) {
    return new InvalidRequestException("malformed Content-Range '" + value + "': " + why);
  }
}
