package io.bigfile.web;

import java.nio.charset.StandardCharsets;

/**
 * {@code Content-Disposition: inline} with a file's name, RFC 6266.
 *
 * <p>Section 4.3: "filename*" (RFC 8187, {@code UTF-8''} and percent-encoded octets) carries any
 * name exactly; a plain {@code filename} comes first as the fallback for recipients that do not
 * know {@code filename*} (appendix D: "Include a 'filename' parameter that only uses US-ASCII
 * characters"), with every character that is not visible ASCII, a quote or a backslash replaced by
 * {@code _}. A name that is visible ASCII without those gets {@code filename} only. Nothing of the
 * name reaches the header unencoded, so a name with control characters cannot break the header.
 */
final class ContentDispositionHeader {

  private ContentDispositionHeader() {}

  /** The header value for a file named {@code name}. */
  static String inline(String name) {
    StringBuilder fallback = new StringBuilder(name.length());
    boolean exact = true;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        fallback.append(c);
      } else {
        exact = false;
        fallback.append('_');
        if (Character.isHighSurrogate(c)
            && i + 1 < name.length()
            && Character.isLowSurrogate(name.charAt(i + 1))) {
          i++;
        }
      }
    }
    String v = "inline; filename=\"" + fallback + "\"";
    return exact ? v : v + "; filename*=UTF-8''" + percentEncoded(name);
  }

  /** RFC 8187 section 3.2.1: octets outside {@code attr-char} as {@code %XX}. */
  private static String percentEncoded(String s) {
    StringBuilder b = new StringBuilder();
    for (byte octet : s.getBytes(StandardCharsets.UTF_8)) {
      int c = octet & 0xff;
      if (attrChar(c)) {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        b.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return b.toString();
  }

  private static boolean attrChar(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$&+-.^_`|~".indexOf(c) >= 0;
  }
}
