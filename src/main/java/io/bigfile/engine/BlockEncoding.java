package io.bigfile.engine;

import io.bigfile.block.BlockRef;
import io.bigfile.block.BlockWrite;
import io.bigfile.file.WriteFormat;
import io.bigfile.format.BlockFormat;
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
   * @param base the version the snapshot saw of the block, or null for a hole
   */
  BlockWrite encode(long fileId, WriteFormat format, long blk, byte[] page, BlockRef base) {
    int bs = page.length;
    boolean needPrevious =
        base != null
            && base.format() != BlockFormat.ZERO
            && (format == WriteFormat.AUTO
                || (format == WriteFormat.CHUNKED && base.format() == BlockFormat.CHUNKED));
    Encoders.Previous previous =
        needPrevious
            ? new Encoders.Previous(base.format(), versions.load(fileId, bs, base), base.layer())
            : base == null
                ? Encoders.Previous.NONE
                : new Encoders.Previous(base.format(), null, base.layer());
    BlockFormat target =
        switch (format) {
          case WHOLE -> BlockFormat.WHOLE;
          case CHUNKED -> BlockFormat.CHUNKED;
          case AUTO -> Encoders.chooseAuto(page, previous);
        };
    EncodedBlock enc = Encoders.encode(page, target, previous);
    long runStart;
    if (enc instanceof EncodedBlock.Chunked c) {
      runStart = !c.newRun() && base != null ? base.runStart() : 0;
    } else if (enc instanceof EncodedBlock.Overlay) {
      // over the previous version, or over the base of the overlay it continues
      runStart =
          base == null ? 0 : base.format() == BlockFormat.OVERLAY ? base.runStart() : base.rev();
    } else {
      runStart = 0;
    }
    return new BlockWrite(fileId, blk, enc, runStart);
  }
}
