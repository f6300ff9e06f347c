package io.bigfile.engine;

import io.bigfile.block.BlockRef;
import io.bigfile.block.BlockWrite;
import io.bigfile.file.WriteFormat;
import io.bigfile.format.BlockFormat;
import io.bigfile.format.Bytes;
import io.bigfile.format.EncodedBlock;
import io.bigfile.format.Encoders;

/**
 * Encodes one block write in its file's write format, against the version its snapshot saw. The
 * encoding refers to the page itself (whole: the page up to its trimmed length; chunked: slices of
 * it), so encoding copies no block data; the previous version is loaded (through the page cache)
 * only when the format needs to compare with it, and is not kept. Thread-safe; a failed load of the
 * previous version fails the encoding and changes nothing.
 */
final class BlockEncoding {

  private final BlockVersions versions;

  BlockEncoding(BlockVersions versions) {
    this.versions = versions;
  }

  /**
   * @param baseSize the file's size at the snapshot (where its tail block was)
   * @param base the version the snapshot saw of the block, or null for a hole
   */
  BlockWrite encode(
      long fileId, WriteFormat format, long baseSize, long blk, byte[] page, BlockRef base) {
    int bs = page.length;
    boolean needPrevious =
        base != null
            && (base.format() == BlockFormat.CHUNKED
                ? format != WriteFormat.WHOLE
                : format == WriteFormat.AUTO && base.format() == BlockFormat.WHOLE);
    Encoders.Previous previous =
        needPrevious
            ? new Encoders.Previous(base.format(), versions.load(fileId, bs, base))
            : base == null ? Encoders.Previous.NONE : new Encoders.Previous(base.format(), null);
    BlockFormat target =
        switch (format) {
          case WHOLE -> BlockFormat.WHOLE;
          case CHUNKED -> BlockFormat.CHUNKED;
          case AUTO -> {
            long tailBlk = baseSize == 0 ? 0 : (baseSize - 1) / bs;
            int before = previous.content() == null ? 0 : previous.content().length();
            boolean appendFilled =
                blk >= tailBlk && before < bs && Bytes.trimmedLength(page, 0, bs) == bs;
            yield Encoders.chooseAuto(page, previous, appendFilled);
          }
        };
    EncodedBlock enc = Encoders.encode(page, target, previous);
    long runStart =
        enc instanceof EncodedBlock.Chunked c && !c.newRun() && base != null ? base.runStart() : 0;
    return new BlockWrite(fileId, blk, enc, runStart);
  }
}
