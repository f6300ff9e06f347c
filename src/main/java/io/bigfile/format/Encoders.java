package io.bigfile.format;

/**
 * Chooses and produces the encoding of one block write. Stateless and thread-safe.
 *
 * <p>The {@code auto} rule, per block write, with {@code changed} the number of {@value
 * Chunks#CHUNK_SIZE}-byte chunks that differ from the block's previous version (all non-zero chunks
 * for a block that was a hole) and {@code chunks} the block's number of chunks:
 *
 * <ol>
 *   <li>an all-zero block is stored as {@link BlockFormat#ZERO} whatever the format;
 *   <li>a block of a single chunk (4 KiB blocks) is stored whole;
 *   <li>a block whose previous version is {@link BlockFormat#CHUNKED} (written while the file's
 *       format was {@code chunked}) continues its chunk run if {@code changed <= chunks / 4}, else
 *       is stored whole;
 *   <li>a large change, {@code changed > chunks / 2}, is stored whole;
 *   <li>an overlay that has {@link Overlays#maxLayers} layers already is compacted: stored whole;
 *   <li>otherwise the change is stored as the next {@link BlockFormat#OVERLAY} layer: only the
 *       chunks that differ, over the previous version (a whole or zero version, or a hole) or over
 *       the previous overlay's base.
 * </ol>
 */
public final class Encoders {

  private Encoders() {}

  /**
   * The stored format of the previous version matters to the chunked and overlay encodings; these
   * are its facts.
   *
   * @param layer for an overlay version, its layer number; else 0
   */
  public record Previous(BlockFormat format, BlockData content, int layer) {

    /** A hole or a block that reads as zeros. */
    public static final Previous NONE = new Previous(BlockFormat.ZERO, BlockData.EMPTY, 0);

    public Previous(BlockFormat format, BlockData content) {
      this(format, content, 0);
    }
  }

  /** The format {@code auto} picks; see the class comment. */
  public static BlockFormat chooseAuto(byte[] page, Previous previous) {
    int chunks = (page.length + Chunks.CHUNK_SIZE - 1) / Chunks.CHUNK_SIZE;
    if (chunks <= 1) {
      return BlockFormat.WHOLE;
    }
    BlockData base = previous.format() == BlockFormat.ZERO ? null : previous.content();
    int changed = Chunks.changedChunks(page, base);
    if (previous.format() == BlockFormat.CHUNKED) {
      return changed * 4 <= chunks ? BlockFormat.CHUNKED : BlockFormat.WHOLE;
    }
    if (changed * 2 > chunks) {
      return BlockFormat.WHOLE;
    }
    if (previous.format() == BlockFormat.OVERLAY
        && previous.layer() >= Overlays.maxLayers(page.length)) {
      return BlockFormat.WHOLE;
    }
    return BlockFormat.OVERLAY;
  }

  /**
   * Encodes {@code page} (a whole block) in {@code format}, which is {@link BlockFormat#WHOLE},
   * {@link BlockFormat#CHUNKED} or {@link BlockFormat#OVERLAY}; an all-zero page is always {@link
   * BlockFormat#ZERO}.
   */
  public static EncodedBlock encode(byte[] page, BlockFormat format, Previous previous) {
    int len = Bytes.trimmedLength(page, 0, page.length);
    if (len == 0) {
      return EncodedBlock.ZERO;
    }
    return switch (format) {
      case WHOLE -> new EncodedBlock.Whole(page, len);
      case CHUNKED ->
          Chunks.encode(page, previous.format() == BlockFormat.CHUNKED ? previous.content() : null);
      case OVERLAY ->
          Overlays.encode(
              page,
              previous.format() == BlockFormat.ZERO ? null : previous.content(),
              previous.format() == BlockFormat.OVERLAY ? previous.layer() + 1 : 1);
      case ZERO -> throw new IllegalArgumentException("a non-zero page cannot be stored as zero");
    };
  }
}
