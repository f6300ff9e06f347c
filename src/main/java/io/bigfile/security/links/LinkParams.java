package io.bigfile.security.links;

import io.bigfile.security.links.LinkRefusedException.Reason;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The query parameters of a signed link, as a request carries them: {@code link-op}, {@code
 * link-expires}, {@code link-key}, {@code link-sub}, {@code link-sig}, and {@code at} (signed too:
 * a pinned link must be used with its revision, an unpinned one without any).
 *
 * <p>Read from the raw query string, never with {@code getParameter}, which for a form-encoded POST
 * would consume the body.
 */
public record LinkParams(
    String op, String expires, String key, String subject, String signature, String at) {

  public static final String PREFIX = "link-";
  public static final String OP = "link-op";
  public static final String EXPIRES = "link-expires";
  public static final String KEY = "link-key";
  public static final String SUBJECT = "link-sub";
  public static final String SIGNATURE = "link-sig";
  public static final String AT = "at";
  static final String TXN = "txn";

  private static final List<String> NAMES = List.of(OP, EXPIRES, KEY, SUBJECT, SIGNATURE);

  /**
   * The link parameters of a query string, or null when it carries none (the request is not made
   * with a link).
   *
   * @throws LinkRefusedException when it carries some but not exactly one of each, an unknown
   *     {@code link-} parameter, several {@code at}, or {@code txn}
   */
  public static LinkParams of(String rawQuery) throws LinkRefusedException {
    if (rawQuery == null || !rawQuery.contains(PREFIX)) {
      return null;
    }
    Map<String, String> found = new HashMap<>();
    boolean any = false;
    int ats = 0;
    boolean txn = false;
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (name == null || value == null) {
        if (pair.startsWith(PREFIX)) {
          throw malformed("a link parameter holds a malformed percent-escape");
        }
        continue;
      }
      if (name.startsWith(PREFIX)) {
        any = true;
        if (!NAMES.contains(name)) {
          throw malformed("'" + name + "' is not a parameter of signed links");
        }
        if (found.put(name, value) != null) {
          throw malformed("the link parameter " + name + " is given more than once");
        }
      } else if (name.equals(AT)) {
        ats++;
        found.put(AT, value);
      } else if (name.equals(TXN)) {
        txn = true;
      }
    }
    if (!any) {
      return null;
    }
    for (String n : NAMES) {
      if (!found.containsKey(n)) {
        throw malformed("the signed link lacks its " + n + " parameter");
      }
    }
    if (ats > 1) {
      throw malformed("a signed link takes at most one at");
    }
    if (txn) {
      throw new LinkRefusedException(
          Reason.TRANSACTION,
          "a signed link acts outside transactions: txn cannot be used with it");
    }
    return new LinkParams(
        found.get(OP),
        found.get(EXPIRES),
        found.get(KEY),
        found.get(SUBJECT),
        found.get(SIGNATURE),
        found.get(AT));
  }

  private static LinkRefusedException malformed(String detail) {
    return new LinkRefusedException(Reason.MALFORMED, detail);
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
