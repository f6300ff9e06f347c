package io.bigfile.pagecache;

import io.bigfile.block.BlockRef;

/**
 * One block changed by a transaction: the whole block's new bytes. Owned by its transaction and
 * guarded by the transaction's lock; not thread-safe.
 *
 * <p>Its state moves only along {@link PageState}'s sequence, and only the commit moves it: DIRTY
 * to STORED when the commit hands the page to the database, then CLEAN once the database committed
 * (or back to DIRTY if it did not). A page may be written only while it is DIRTY; a move out of
 * sequence is a bug and throws {@link IllegalStateException}.
 *
 * <p>A read inside the transaction streams without the transaction's lock: it shares the pages it
 * may read ({@link #share()}), whose bytes then never change; a later write of such a block
 * replaces the page with a {@link #copy()} (copy-on-write), so the reader sees the transaction as
 * it was when the read began.
 */
public final class DirtyPage {

  private final byte[] data;
  private final BlockRef base;
  private PageState state = PageState.DIRTY;
  private boolean shared;

  /**
   * @param data the block's bytes, exactly one block long
   * @param base the committed version the transaction's snapshot saw for this block, or null for a
   *     hole or a block cut off by a truncation in the same transaction
   */
  public DirtyPage(byte[] data, BlockRef base) {
    this.data = data;
    this.base = base;
  }

  /** The block's bytes, to read. */
  public byte[] data() {
    return data;
  }

  /** The block's bytes, to change: only while the page is dirty and no reader shares it. */
  public byte[] writable() {
    expect(PageState.DIRTY, "written");
    if (shared) {
      throw new IllegalStateException("a page shared with a reader cannot be written; copy it");
    }
    return data;
  }

  public BlockRef base() {
    return base;
  }

  /**
   * Marks the page as read by a reader that streams without the transaction's lock: from now on its
   * bytes never change, and a write of its block goes to a {@link #copy()} instead.
   */
  public void share() {
    shared = true;
  }

  /** Whether a reader may be reading the page's bytes (see {@link #share()}). */
  public boolean shared() {
    return shared;
  }

  /** A dirty, unshared page with a copy of this page's bytes and the same base. */
  public DirtyPage copy() {
    return new DirtyPage(data.clone(), base);
  }

  public PageState state() {
    return state;
  }

  /** Handed to the database by a commit that has not returned yet. */
  public void markStored() {
    expect(PageState.DIRTY, "stored");
    state = PageState.STORED;
  }

  /** Back to dirty: the commit that stored the page did not reach the database's commit. */
  public void markDirty() {
    expect(PageState.STORED, "made dirty again");
    state = PageState.DIRTY;
  }

  /** The database committed the page's commit. */
  public void markClean() {
    expect(PageState.STORED, "made clean");
    state = PageState.CLEAN;
  }

  private void expect(PageState expected, String what) {
    if (state != expected) {
      throw new IllegalStateException("a " + state + " page cannot be " + what);
    }
  }
}
