package io.bigfile.file;

/** The transaction a request runs in. */
public sealed interface RequestContext {

  /**
   * The request is its own transaction: it reads the head at its start and a write commits before
   * it returns.
   */
  record Autocommit() implements RequestContext {}

  /** The request runs in an open transaction. */
  record InTransaction(String transactionId) implements RequestContext {}

  /** A read-only request at a past revision. */
  record AtRevision(long revision) implements RequestContext {}

  RequestContext AUTOCOMMIT = new Autocommit();

  static RequestContext of(String transactionId, Long atRevision) {
    if (transactionId != null && atRevision != null) {
      throw new InvalidRequestException("txn and at cannot be used together");
    }
    if (transactionId != null) {
      return new InTransaction(transactionId);
    }
    if (atRevision != null) {
      if (atRevision < 0) {
        throw new InvalidRequestException("at must not be negative");
      }
      return new AtRevision(atRevision);
    }
    return AUTOCOMMIT;
  }
}
