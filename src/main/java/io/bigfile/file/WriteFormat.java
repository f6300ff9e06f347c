package io.bigfile.file;

import java.util.Locale;

/**
 * How later writes of a file store their blocks. Readers decode every stored format whatever the
 * file's write format is, so changing it only affects blocks written afterwards.
 */
public enum WriteFormat {
  /** One row per block version, trailing zeros trimmed. */
  WHOLE(1),
  /** 4 KiB chunk rows; a change writes only the chunks that differ. */
  CHUNKED(2),
  /** The server picks per block write (see the README). */
  AUTO(3);

  private final int code;

  WriteFormat(int code) {
    this.code = code;
  }

  /** The permanent number stored in the database. */
  public int code() {
    return code;
  }

  public String externalName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static WriteFormat ofCode(int code) {
    for (WriteFormat f : values()) {
      if (f.code == code) {
        return f;
      }
    }
    throw new IllegalStateException("unknown write format code " + code);
  }

  public static WriteFormat parse(String text) {
    for (WriteFormat f : values()) {
      if (f.externalName().equals(text)) {
        return f;
      }
    }
    throw new InvalidRequestException(
        "unknown format '" + text + "': expected one of whole, chunked, auto");
  }
}
