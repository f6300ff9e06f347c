package io.bigfile.file;

import java.util.Objects;

/** The transaction a request runs in. */
public sealed interface RequestContext {

  /**
   * The request is its own transaction: it reads the head at its start and a write commits before
   * it returns.
   */
  record Autocommit() implements RequestContext {}

  /**
   * The request runs in an open transaction.
   *
   * @param owner who makes the request: a transaction is found only by the owner that began it
   *     ({@link BigFiles#begin(String)}); for anyone else it does not exist
   */
  record InTransaction(String transactionId, String owner) implements RequestContext {

    public InTransaction {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(owner, "owner");
    }

    /** In a transaction of {@link #NO_OWNER}, for callers that serve a single principal. */
    public InTransaction(String transactionId) {
      this(transactionId, NO_OWNER);
    }
  }

  /** A read-only request at a past revision. */
  record AtRevision(long revision) implements RequestContext {}

  RequestContext AUTOCOMMIT = new Autocommit();

  /**
   * The owner shared by every caller that serves a single principal (tests, embedded use, a service
   * without authentication): all of them see each other's transactions.
   */
  String NO_OWNER = "";

  /**
   * The context of a request by {@code owner} naming a transaction or a revision, or neither.
   *
   * @param owner who makes the request ({@link #NO_OWNER} when nobody is told apart)
   */
  static RequestContext of(String transactionId, String owner, Long atRevision) {
    if (transactionId != null && atRevision != null) {
      throw new InvalidRequestException("txn and at cannot be used together");
    }
    if (transactionId != null) {
      return new InTransaction(transactionId, owner);
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
