package io.bigfile.format;

/**
 * How one stored block version is encoded. The ids are permanent: they are what the database holds.
 */
public enum BlockFormat {
  /** Reads as zeros; stores no data. */
  ZERO(0),
  /** One value with the block's bytes, trailing zeros trimmed. */
  WHOLE(1),
  /** Chunk values; see {@link Chunks}. */
  CHUNKED(2),
  /** A whole base version plus the extents changed since; see {@link Overlays}. */
  OVERLAY(3);

  private final int id;

  BlockFormat(int id) {
    this.id = id;
  }

  public int id() {
    return id;
  }

  public static BlockFormat ofId(int id) {
    for (BlockFormat f : values()) {
      if (f.id == id) {
        return f;
      }
    }
    throw new IllegalStateException("unknown block format id " + id);
  }
}
