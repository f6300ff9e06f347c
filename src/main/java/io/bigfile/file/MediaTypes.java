package io.bigfile.file;

/**
 * The rule for a file's media type: what a client may store as {@code contentType}, served back as
 * the {@code Content-Type} of the file's content. Checked where the value enters the API, so every
 * stored value is one that can go into a header field as it is.
 *
 * <p>The grammar is RFC 9110 section 8.3.1, restricted to visible ASCII:
 *
 * <pre>
 * media-type = type "/" subtype parameters
 * parameters = *( OWS ";" OWS [ parameter ] )
 * parameter  = parameter-name "=" parameter-value
 * parameter-value = token / quoted-string
 * </pre>
 *
 * For example {@code video/mp4}, {@code text/csv; charset=utf-8; header=present}, {@code
 * application/x-thing; note="a;b"}. At most {@value #MAX_LENGTH} characters. Stateless.
 */
public final class MediaTypes {

  /** The longest media type a file can have, in characters. */
  public static final int MAX_LENGTH = 255;

  /** Served for a file without a media type. */
  public static final String DEFAULT = "application/octet-stream";

  private MediaTypes() {}

  /**
   * Returns {@code value} if it is a media type a file can have.
   *
   * @throws InvalidRequestException naming what is wrong
   */
  public static String check(String value) {
    if (value.length() > MAX_LENGTH) {
      throw new InvalidRequestException(
          "contentType must be at most " + MAX_LENGTH + " characters, not " + value.length());
    }
    int i = token(value, 0);
    if (i == 0 || i == value.length() || value.charAt(i) != '/') {
      throw invalid(value, "it must start with type/subtype");
    }
    int j = token(value, i + 1);
    if (j == i + 1) {
      throw invalid(value, "it must start with type/subtype");
    }
    i = j;
    while (i < value.length()) {
      i = ows(value, i);
      if (i == value.length() || value.charAt(i) != ';') {
        throw invalid(value, "parameters must follow ';'");
      }
      i = ows(value, i + 1);
      if (i == value.length() || value.charAt(i) == ';') {
        continue;
      }
      j = token(value, i);
      if (j == i || j == value.length() || value.charAt(j) != '=') {
        throw invalid(value, "a parameter must be name=value");
      }
      i = j + 1;
      if (i < value.length() && value.charAt(i) == '"') {
        i = quoted(value, i);
      } else {
        j = token(value, i);
        if (j == i) {
          throw invalid(value, "a parameter value must be a token or a quoted string");
        }
        i = j;
      }
    }
    return value;
  }

  private static InvalidRequestException invalid(String value, String why) {
    return new InvalidRequestException(
        "contentType '"
            + printable(value)
            + "' is not a media type (RFC 9110 section 8.3.1): "
            + why);
  }

  /** The value with anything outside visible ASCII escaped, for a message. */
  private static String printable(String value) {
    StringBuilder b = new StringBuilder();
    value
        .codePoints()
        .forEach(
            c -> b.append(c >= 0x20 && c < 0x7f ? Character.toString(c) : "\\u%04x".formatted(c)));
    return b.toString();
  }

  /** The end of the token at {@code from} (RFC 9110 section 5.6.2); {@code from} if none. */
  private static int token(String s, int from) {
    int i = from;
    while (i < s.length() && tchar(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean tchar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  private static int ows(String s, int from) {
    int i = from;
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  /** The end of the quoted string at {@code from} (RFC 9110 section 5.6.4), past its quote. */
  private static int quoted(String s, int from) {
    int i = from + 1;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\') {
        i++;
        if (i == s.length() || !visibleOrSpace(s.charAt(i))) {
          break;
        }
      } else if (!visibleOrSpace(c)) {
        break;
      }
      i++;
    }
    throw invalid(s, "a quoted string must end with '\"' and hold visible ASCII");
  }

  private static boolean visibleOrSpace(char c) {
    return c == '\t' || (c >= 0x20 && c < 0x7f);
  }
}
