package io.bigfile.web;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a {@code Range} header (RFC 9110 section 14.1.1 and 14.2) and resolves it against a
 * representation size.
 *
 * <p>{@code ranges-specifier = range-unit "=" range-set}; {@code range-set = 1#range-spec}; a
 * range-spec is an int-range ({@code first-pos "-" [ last-pos ]}) or a suffix-range ({@code "-"
 * suffix-length}). "A server MUST ignore a Range header field received with a request method that
 * is unrecognized or for which range handling is not defined" and a server MAY ignore a Range it
 * cannot parse: a malformed header or an unknown unit yields {@link Parsed#ignored()} and the whole
 * representation is served.
 */
final class RangeHeader {

  /** An unresolved range-spec: {@code first} -1 marks a suffix range of {@code last} bytes. */
  record Spec(long first, long last) {}

  /** The outcome of resolving a Range header. */
  record Parsed(boolean ignored, List<ByteRange> satisfiable, int specs) {
    static Parsed ignore() {
      return new Parsed(true, List.of(), 0);
    }

    /** True when the header was valid but no range overlaps the representation (416). */
    boolean unsatisfiable() {
      return !ignored && satisfiable.isEmpty();
    }
  }

  private RangeHeader() {}

  static Parsed resolve(String header, long size) {
    List<Spec> specs = parse(header);
    if (specs == null || size == 0) {
      // An empty representation has no byte to range over: any Range on it is ignored and the
      // empty body is served as 200 (section 14.2: a server "MAY ignore the Range header field").
      // Clients that open a file with "bytes=0-" (ffprobe) take a 416 for a failure; Go's
      // http.ServeContent answers 200 for the same reason.
      return Parsed.ignore();
    }
    List<ByteRange> out = new ArrayList<>();
    for (Spec s : specs) {
      if (s.first() < 0) {
        // suffix-range: the last N bytes; "if the selected representation is shorter than the
        // specified
        // suffix-length, the entire representation is used" (14.1.3)
        long n = Math.min(s.last(), size);
        if (n > 0) {
          out.add(new ByteRange(size - n, n));
        }
      } else if (s.first() < size) {
        // "if the last-pos value is absent, or if the value is greater than or equal to the current
        // length of
        // the representation data, the byte range is interpreted as the remainder of the
        // representation"
        long last = s.last() < 0 || s.last() >= size ? size - 1 : s.last();
        out.add(new ByteRange(s.first(), last - s.first() + 1));
      }
    }
    return new Parsed(false, out, specs.size());
  }

  /**
   * The specs of a syntactically valid bytes range set, or null when the header must be ignored.
   */
  static List<Spec> parse(String header) {
    if (header == null) {
      return null;
    }
    String h = header.trim();
    int eq = h.indexOf('=');
    if (eq < 0 || !h.substring(0, eq).trim().equalsIgnoreCase("bytes")) {
      return null;
    }
    List<Spec> specs = new ArrayList<>();
    for (String part : h.substring(eq + 1).split(",", -1)) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue; // 1#element allows empty list elements (RFC 9110 section 5.6.1)
      }
      int dash = p.indexOf('-');
      if (dash < 0) {
        return null;
      }
      String a = p.substring(0, dash).trim();
      String b = p.substring(dash + 1).trim();
      try {
        if (a.isEmpty()) {
          if (b.isEmpty() || !digits(b)) {
            return null;
          }
          long n = Long.parseLong(b);
          specs.add(new Spec(-1, n));
        } else {
          if (!digits(a) || (!b.isEmpty() && !digits(b))) {
            return null;
          }
          long first = Long.parseLong(a);
          long last = b.isEmpty() ? -1 : Long.parseLong(b);
          if (last >= 0 && last < first) {
            return null; // "invalid if the last-pos value is present and less than the first-pos"
          }
          specs.add(new Spec(first, last));
        }
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return specs.isEmpty() ? null : specs;
  }

  private static boolean digits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return !s.isEmpty();
  }
}
