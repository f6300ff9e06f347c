package io.bigfile.file;

import java.util.HexFormat;

/**
 * A file's identity: a positive 63-bit number, shown to clients as 16 lowercase hex digits. Ids are
 * made at random by the server, so they say nothing about order or count.
 */
public record FileId(long value) {

  public FileId {
    if (value <= 0) {
      throw new IllegalArgumentException("file id must be positive");
    }
  }

  /** Parses the text form; an id that is not of that form names no file. */
  public static FileId parse(String text) {
    if (text == null || text.length() != 16) {
      throw new UnknownFileException(String.valueOf(text));
    }
    long v;
    try {
      v = HexFormat.fromHexDigitsToLong(text);
    } catch (IllegalArgumentException e) {
      throw new UnknownFileException(text);
    }
    if (v <= 0 || !text.equals(HexFormat.of().toHexDigits(v))) {
      throw new UnknownFileException(text);
    }
    return new FileId(v);
  }

  @Override
  public String toString() {
    return HexFormat.of().toHexDigits(value);
  }
}
