package io.bigfile.web;

import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.RangePart;
import io.bigfile.file.RangeParts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Streaming readers of byte-range patch bodies (draft-ietf-httpapi-patch-byterange): {@code
 * message/byterange}, one range as a header section and its bytes, and {@code multipart/byteranges}
 * (RFC 9110 section 14.6 framing), several ranges. Part bytes are handed to the engine as a stream
 * that ends where the part ends; nothing buffers a whole part. Not thread-safe.
 */
final class PatchBodies {

  /**
   * A part without a usable Content-Range (RFC 9110 section 15.5.21: 422 Unprocessable Content).
   */
  static final class UnusableRangeException extends RuntimeException {
    UnusableRangeException(String message) {
      super(message);
    }
  }

  /** A part whose length is not declared where it must be (411 Length Required). */
  static final class LengthRequiredException extends RuntimeException {
    LengthRequiredException(String message) {
      super(message);
    }
  }

  private static final int MAX_HEADER_BYTES = 16 * 1024;

  private PatchBodies() {}

  /**
   * {@code message/byterange}: a header section with Content-Range, an empty line, then the range's
   * bytes.
   */
  static RangeParts messageByterange(InputStream in) {
    Reader r = new Reader(in, null);
    boolean[] done = {false};
    return () -> {
      if (done[0]) {
        return null;
      }
      done[0] = true;
      Map<String, String> headers = r.readHeaders();
      return part(headers, r.rest());
    };
  }

  /**
   * The {@code type/subtype} of a {@code Content-Type} value, lower case, without parameters; ""
   * for none (or a blank value).
   *
   * @throws InvalidRequestException if the value does not start with {@code type "/" subtype}, two
   *     tokens (RFC 9110 section 8.3.1), as {@code ;;;} does not
   */
  static String mediaType(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return "";
    }
    int semi = contentType.indexOf(';');
    String media =
        (semi < 0 ? contentType : contentType.substring(0, semi))
            .trim()
            .toLowerCase(java.util.Locale.ROOT);
    if (!MEDIA_TYPE.matcher(media).matches()) {
      throw new InvalidRequestException("malformed Content-Type: it must start with type/subtype");
    }
    return media;
  }

  /** type "/" subtype, each a token (RFC 9110 section 5.6.2). */
  private static final java.util.regex.Pattern MEDIA_TYPE =
      java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9a-z-]+/[!#$%&'*+.^_`|~0-9a-z-]+");

  /** {@code multipart/byteranges; boundary=...}: parts each with a Content-Range. */
  static RangeParts multipart(InputStream in, String boundary) {
    if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {
      throw new InvalidRequestException(
          "multipart/byteranges needs a boundary parameter of 1 to 70 characters");
    }
    Reader r = new Reader(in, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1));
    boolean[] state = {false, false}; // started, finished
    return () -> {
      if (state[1]) {
        return null;
      }
      if (!state[0]) {
        state[0] = true;
        r.skipPreamble();
      } else {
        r.drainPart();
      }
      if (r.afterDelimiterIsClose()) {
        state[1] = true;
        return null;
      }
      Map<String, String> headers = r.readHeaders();
      return part(headers, r.partStream());
    };
  }

  private static RangePart part(Map<String, String> headers, InputStream body) {
    String cr = headers.get("content-range");
    if (cr == null) {
      throw new UnusableRangeException("a byte-range patch part has no Content-Range");
    }
    String declaredLength = headers.get("content-length");
    Long partLength = null;
    if (declaredLength != null) {
      try {
        partLength = Long.parseLong(declaredLength.trim());
        if (partLength < 0) {
          throw new NumberFormatException("negative");
        }
      } catch (NumberFormatException e) {
        throw new InvalidRequestException("malformed Content-Length '" + declaredLength + "'");
      }
    }
    String v = cr.trim();
    if (v.regionMatches(true, 0, "bytes ", 0, 6) && v.contains("-*/")) {
      // an open range, "bytes first-*/*": its extent is the part's declared length
      String first = v.substring(6, v.indexOf("-*/")).trim();
      if (partLength == null) {
        throw new LengthRequiredException(
            "the open range '"
                + cr
                + "' needs the part's Content-Length: without it a cut-off body could not be told"
                + " from a complete one");
      }
      long offset;
      try {
        offset = Long.parseLong(first);
        if (offset < 0 || !Character.isDigit(first.charAt(0))) {
          // RFC 9110 section 14.4: first-pos is 1*DIGIT; no sign
          throw new NumberFormatException(first);
        }
      } catch (NumberFormatException e) {
        throw new InvalidRequestException("malformed Content-Range '" + cr + "'");
      }
      return new RangePart(offset, partLength, null, body);
    }
    ContentRangeHeader range = ContentRangeHeader.parse(cr);
    if (partLength != null && partLength != range.length()) {
      throw new InvalidRequestException(
          "Content-Length "
              + partLength
              + " differs from the "
              + range.length()
              + " bytes of "
              + cr);
    }
    return new RangePart(range.first(), range.length(), range.completeLength(), body);
  }

  /** Extracts a media type parameter, e.g. the boundary. */
  static String parameter(String contentType, String name) {
    for (String p : contentType.split(";")) {
      String t = p.trim();
      int eq = t.indexOf('=');
      if (eq > 0 && t.substring(0, eq).trim().equalsIgnoreCase(name)) {
        String v = t.substring(eq + 1).trim();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
          v = v.substring(1, v.length() - 1);
        }
        return v;
      }
    }
    return null;
  }

  /** A buffered reader of the request body that finds header lines and part delimiters. */
  private static final class Reader {
    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private boolean eof;

    /** The current part's data ended at a delimiter, which has been consumed. */
    private boolean atDelimiter;

    Reader(InputStream in, byte[] delimiter) {
      this.in = in;
      this.delimiter = delimiter;
    }

    private boolean fill(int want) throws IOException {
      if (lim - pos >= want) {
        return true;
      }
      if (pos > 0) {
        System.arraycopy(buf, pos, buf, 0, lim - pos);
        lim -= pos;
        pos = 0;
      }
      while (lim - pos < want && !eof) {
        int n = in.read(buf, lim, buf.length - lim);
        if (n < 0) {
          eof = true;
        } else {
          lim += n;
        }
      }
      return lim - pos >= want;
    }

    /** Header lines up to an empty line, names lowercased. */
    Map<String, String> readHeaders() throws IOException {
      Map<String, String> headers = new LinkedHashMap<>();
      int total = 0;
      while (true) {
        String line = readLine();
        if (line == null) {
          throw new InvalidRequestException("the patch body ends inside a header section");
        }
        total += line.length() + 2;
        if (total > MAX_HEADER_BYTES) {
          throw new InvalidRequestException("a part's header section is larger than 16 KiB");
        }
        if (line.isEmpty()) {
          return headers;
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
          throw new InvalidRequestException(
              "malformed header line in the patch body: '" + line + "'");
        }
        headers.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }

    /** A line ending in CRLF (or LF), without it; null at the end of the body. */
    String readLine() throws IOException {
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (!fill(1)) {
          return sb.length() == 0 ? null : sb.toString();
        }
        byte b = buf[pos++];
        if (b == '\n') {
          int n = sb.length();
          if (n > 0 && sb.charAt(n - 1) == '\r') {
            sb.setLength(n - 1);
          }
          return sb.toString();
        }
        if (sb.length() > MAX_HEADER_BYTES) {
          throw new InvalidRequestException("a header line of the patch body is too long");
        }
        sb.append((char) (b & 0xff));
      }
    }

    /** The rest of the body (message/byterange). */
    InputStream rest() {
      return new PartStream() {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (len == 0) {
            return 0;
          }
          if (!fill(1)) {
            return -1;
          }
          int n = Math.min(len, lim - pos);
          System.arraycopy(buf, pos, b, off, n);
          pos += n;
          return n;
        }
      };
    }

    /** Skips to just after the first boundary line ("--boundary", without the leading CRLF). */
    void skipPreamble() throws IOException {
      // the first delimiter may open the body, without the CRLF that precedes later ones
      byte[] first = java.util.Arrays.copyOfRange(delimiter, 2, delimiter.length);
      if (fill(first.length)
          && java.util.Arrays.equals(buf, pos, pos + first.length, first, 0, first.length)) {
        pos += first.length;
        atDelimiter = true;
        return;
      }
      atDelimiter = false;
      drainPart();
    }

    /** After a delimiter: "--" closes the body, otherwise the rest of the line is skipped. */
    boolean afterDelimiterIsClose() throws IOException {
      if (!atDelimiter) {
        throw new InvalidRequestException("the multipart body ends without its closing delimiter");
      }
      atDelimiter = false;
      if (fill(2) && buf[pos] == '-' && buf[pos + 1] == '-') {
        pos += 2;
        return true;
      }
      String rest = readLine();
      if (rest == null) {
        throw new InvalidRequestException("the multipart body ends without its closing delimiter");
      }
      if (!rest.isBlank()) {
        throw new InvalidRequestException("unexpected text after a multipart delimiter");
      }
      return false;
    }

    /** Reads and discards what is left of the current part's data. */
    void drainPart() throws IOException {
      InputStream s = partStream();
      byte[] skip = new byte[8192];
      while (s.read(skip, 0, skip.length) >= 0) {
        // discard
      }
    }

    /** The current part's data, ending at the next delimiter (which it consumes). */
    InputStream partStream() {
      return new PartStream() {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (atDelimiter) {
            return -1;
          }
          if (len == 0) {
            return 0;
          }
          fill(delimiter.length + 1);
          int avail = lim - pos;
          if (avail == 0) {
            throw new InvalidRequestException("the multipart body ends inside a part");
          }
          int match = indexOf(buf, pos, lim, delimiter);
          if (match == pos) {
            pos += delimiter.length;
            atDelimiter = true;
            return -1;
          }
          // bytes that cannot start a delimiter are safe to hand out
          int safe = match >= 0 ? match - pos : Math.max(1, avail - (delimiter.length - 1));
          if (match < 0 && eof) {
            safe = avail;
          }
          int n = Math.min(len, safe);
          System.arraycopy(buf, pos, b, off, n);
          pos += n;
          return n;
        }
      };
    }

    private static int indexOf(byte[] hay, int from, int to, byte[] needle) {
      outer:
      for (int i = from; i <= to - needle.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (hay[i + j] != needle[j]) {
            continue outer;
          }
        }
        return i;
      }
      // a partial match at the very end is not a match yet
      return -1;
    }
  }

  /** A stream whose single-byte read goes through its array read. */
  private abstract static class PartStream extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }
  }
}
