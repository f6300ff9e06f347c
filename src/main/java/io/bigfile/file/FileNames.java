package io.bigfile.file;

/**
 * The rule for a file's {@code name}: what a client may store, checked where the value enters the
 * API so that every stored name can be saved in a PostgreSQL {@code text} column, returned in JSON
 * and shown in a listing as it is.
 *
 * <p>A name is any Unicode text of at most {@value #MAX_LENGTH} characters (code points) without
 * control characters (U+0000 to U+001F, U+007F to U+009F) and without lone surrogates, which no
 * UTF-8 encoding has. PostgreSQL refuses U+0000 in text; the other control characters would let a
 * name forge lines in logs and listings. Stateless.
 */
public final class FileNames {

  /** The longest name a file can have, in characters (Unicode code points). */
  public static final int MAX_LENGTH = 1024;

  private FileNames() {}

  /**
   * Returns {@code name} if a file can have it.
   *
   * @throws InvalidRequestException naming what is wrong, without echoing the name
   */
  public static String check(String name) {
    // a code point is at most two chars: longer strings are over the limit without counting
    if (name.length() > 2 * MAX_LENGTH || name.codePointCount(0, name.length()) > MAX_LENGTH) {
      throw new InvalidRequestException("name must be at most " + MAX_LENGTH + " characters");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isISOControl(c)) {
        throw new InvalidRequestException(
            String.format(
                "name must not hold control characters (U+%04X at character %d)", (int) c, i));
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < name.length()
          && Character.isLowSurrogate(name.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new InvalidRequestException(
            "name must be valid Unicode: a lone surrogate at character " + i);
      }
    }
    return name;
  }
}
