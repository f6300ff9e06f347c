package io.bigfile.file;

import java.io.InputStream;
import java.util.List;

/**
 * The bigfile engine's API: files cut into blocks, read at snapshots, changed inside transactions
 * that become durable at commit. Every method is thread-safe. Requests of one transaction are
 * applied one at a time.
 */
public interface BigFiles {

  /**
   * Begins a transaction that belongs to {@code owner}: every later operation on it must name the
   * same owner ({@link RequestContext.InTransaction#owner()} and the {@code owner} parameters
   * below); for any other owner it does not exist, exactly as an unknown id ({@link
   * UnknownTransactionException}), so that ids cannot be probed.
   *
   * @param owner who begins it, such as an authenticated principal's name; {@link
   *     RequestContext#NO_OWNER} when the caller tells nobody apart
   */
  TransactionInfo begin(String owner);

  /**
   * @throws UnknownTransactionException for an unknown id, or a transaction of another owner
   */
  TransactionInfo transaction(String id, String owner);

  /**
   * Commits the transaction: all its changes become visible together at one new revision, or none
   * do.
   *
   * @throws TransactionConflictException if another commit changed what this one changed; the
   *     transaction is aborted
   * @throws UnknownTransactionException for an unknown id, or a transaction of another owner
   */
  TransactionInfo commit(String id, String owner);

  /**
   * @throws UnknownTransactionException for an unknown id, or a transaction of another owner
   */
  TransactionInfo abort(String id, String owner);

  /**
   * {@link #begin(String)} for a caller that serves a single principal ({@link
   * RequestContext#NO_OWNER}).
   */
  default TransactionInfo begin() {
    return begin(RequestContext.NO_OWNER);
  }

  /** {@link #transaction(String, String)} of {@link RequestContext#NO_OWNER}. */
  default TransactionInfo transaction(String id) {
    return transaction(id, RequestContext.NO_OWNER);
  }

  /** {@link #commit(String, String)} of {@link RequestContext#NO_OWNER}. */
  default TransactionInfo commit(String id) {
    return commit(id, RequestContext.NO_OWNER);
  }

  /** {@link #abort(String, String)} of {@link RequestContext#NO_OWNER}. */
  default TransactionInfo abort(String id) {
    return abort(id, RequestContext.NO_OWNER);
  }

  FileInfo create(RequestContext ctx, NewFile spec);

  FileInfo stat(RequestContext ctx, FileId id);

  Page<FileInfo> list(RequestContext ctx, String cursor, int limit);

  FileInfo update(RequestContext ctx, FileId id, FileUpdate update, Precondition precondition);

  void delete(RequestContext ctx, FileId id, Precondition precondition);

  /** Opens the file's content for reading. The caller must close it. */
  FileContent open(RequestContext ctx, FileId id);

  /**
   * Writes {@code length} bytes of {@code body} at {@code offset}, growing the file if needed, then
   * sets its size to {@code sizeAfter} when that is not null.
   *
   * @param length the exact body length; a body that is shorter or longer is refused and nothing
   *     changes
   */
  FileInfo write(
      RequestContext ctx,
      FileId id,
      long offset,
      long length,
      InputStream body,
      Long sizeAfter,
      Precondition precondition);

  /**
   * Replaces the whole content with the body.
   *
   * @param length the body length, or -1 to read to the end of the body
   */
  FileInfo replace(
      RequestContext ctx, FileId id, long length, InputStream body, Precondition precondition);

  /**
   * Appends the body at the end of the file.
   *
   * @param length the body length, or -1 to read to the end of the body
   */
  FileInfo append(
      RequestContext ctx, FileId id, long length, InputStream body, Precondition precondition);

  /**
   * Applies every range of a byte-range patch, atomically: all ranges or, if any part is malformed
   * or fails, none. Outside a transaction the ranges are staged like a transaction's writes, so
   * their total is limited by the per-transaction dirty budget.
   */
  FileInfo patch(RequestContext ctx, FileId id, RangeParts parts, Precondition precondition);

  /**
   * The byte ranges of the file that hold data as the request sees it, or, with {@code since}, the
   * ranges that changed after revision {@code since}, a page at a time from {@code cursor} (a byte
   * offset).
   */
  DataRanges ranges(RequestContext ctx, FileId id, Long since, String cursor, int limit);

  /** Revisions that changed the file, newest first, as the request's snapshot sees them. */
  Page<RevisionInfo> revisions(RequestContext ctx, FileId id, String cursor, int limit);

  /** Revision numbers, for cursors and validation. */
  long headRevision();

  List<TransactionInfo> openTransactions();
}
