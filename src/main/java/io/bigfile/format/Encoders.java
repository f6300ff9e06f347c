package io.bigfile.format;

/**
 * Chooses and produces the encoding of one block write. Stateless and thread-safe.
 *
 * <p>The {@code auto} rule, per block write, with {@code changed} the number of {@value
 * Chunks#CHUNK_SIZE}-byte chunks that differ from the block's previous version (all non-zero chunks
 * for a block that was a hole):
 *
 * <ol>
 *   <li>an all-zero block is stored as {@link BlockFormat#ZERO} whatever the format;
 *   <li>a block of a single chunk (4 KiB blocks) is stored whole;
 *   <li>a tail block that a write has just filled up (its last byte was zero and is not any more)
 *       is stored whole, so that blocks finished by appends read in one row;
 *   <li>otherwise a small change, {@code changed <= chunks / 4}, is stored chunked (only those
 *       chunks are written);
 *   <li>otherwise the block is stored whole.
 * </ol>
 */
public final class Encoders {

  private Encoders() {}

  /**
   * The stored format of the previous version matters to the chunked encoding; these are its facts.
   */
  public record Previous(BlockFormat format, BlockData content) {

    /** A hole or a block that reads as zeros. */
    public static final Previous NONE = new Previous(BlockFormat.ZERO, BlockData.EMPTY);
  }

  /** The format {@code auto} picks; see the class comment. */
  public static BlockFormat chooseAuto(byte[] page, Previous previous, boolean appendFilled) {
    int chunks = (page.length + Chunks.CHUNK_SIZE - 1) / Chunks.CHUNK_SIZE;
    if (chunks <= 1 || appendFilled) {
      return BlockFormat.WHOLE;
    }
    BlockData base = previous.format() == BlockFormat.ZERO ? null : previous.content();
    int changed = Chunks.changedChunks(page, base);
    return changed * 4 <= chunks ? BlockFormat.CHUNKED : BlockFormat.WHOLE;
  }

  /**
   * Encodes {@code page} (a whole block) in {@code format}, which is {@link BlockFormat#WHOLE} or
   * {@link BlockFormat#CHUNKED}; an all-zero page is always {@link BlockFormat#ZERO}.
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
      case ZERO -> throw new IllegalArgumentException("a non-zero page cannot be stored as zero");
    };
  }
}
