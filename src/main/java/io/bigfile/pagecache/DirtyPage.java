package io.bigfile.pagecache;

import io.bigfile.block.BlockRef;

/**
 * One block changed by a transaction: the whole block's new bytes. Owned by its transaction and
 * guarded by the transaction's lock; not thread-safe.
 */
public final class DirtyPage {

  private final byte[] data;
  private final BlockRef base;
  private PageState state = PageState.DIRTY;

  /**
   * @param data the block's bytes, exactly one block long
   * @param base the committed version the transaction's snapshot saw for this block, or null for a
   *     hole or a block cut off by a truncation in the same transaction
   */
  public DirtyPage(byte[] data, BlockRef base) {
    this.data = data;
    this.base = base;
  }

  public byte[] data() {
    return data;
  }

  public BlockRef base() {
    return base;
  }

  public PageState state() {
    return state;
  }

  /** Back to dirty after a commit that failed before the database committed. */
  public void markDirty() {
    state = PageState.DIRTY;
  }

  public void markStored() {
    state = PageState.STORED;
  }

  public void markClean() {
    state = PageState.CLEAN;
  }
}
