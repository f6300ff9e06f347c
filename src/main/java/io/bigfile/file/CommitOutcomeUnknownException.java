package io.bigfile.file;

/**
 * The database was asked to commit and its answer was lost: the changes may have landed or not. The
 * service settles it as soon as the database answers again, and the transaction named here then
 * reads {@link TransactionState#COMMITTED} with its revision, or {@link TransactionState#ABORTED}.
 * Repeating the request without an idempotency key could apply it twice.
 */
public final class CommitOutcomeUnknownException extends BigFileException {

  private final String transactionId;

  public CommitOutcomeUnknownException(String transactionId, Throwable cause) {
    super(
        "the database did not confirm the commit, which may or may not have been applied; "
            + "transaction '"
            + transactionId
            + "' says which once the database answers again",
        cause);
    this.transactionId = transactionId;
  }

  /** The transaction whose state settles the outcome. */
  public String transactionId() {
    return transactionId;
  }
}
