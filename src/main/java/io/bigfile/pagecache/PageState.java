package io.bigfile.pagecache;

/** The life of a dirty page. */
public enum PageState {
  /** Changed by its transaction; held only in that transaction's memory. */
  DIRTY,
  /**
   * Written to the database by a commit that has not returned yet; still owned by the transaction.
   */
  STORED,
  /**
   * The commit returned: the page is published to the shared cache and dropped from the
   * transaction.
   */
  CLEAN
}
