package io.bigfile.file;

import java.util.Objects;

/** The transaction a request runs in. */
public sealed interface RequestContext {

  /**
   * The request is its own transaction: it reads the head at its start and a write commits before
   * it returns.
   *
   * @param owner who makes the request: a write whose commit's outcome is unknown is looked up as a
   *     transaction of this owner
   * @param idempotencyKey the write's idempotency key, or null
   */
  record Autocommit(String owner, IdempotencyKey idempotencyKey) implements RequestContext {

    public Autocommit {
      Objects.requireNonNull(owner, "owner");
    }
  }

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

  /** An autocommit request of {@link #NO_OWNER}, without an idempotency key. */
  RequestContext AUTOCOMMIT = new Autocommit("", null);

  /** An autocommit request of {@code owner} with this idempotency key (null: none). */
  static RequestContext autocommit(String owner, IdempotencyKey key) {
    return owner.equals(NO_OWNER) && key == null ? AUTOCOMMIT : new Autocommit(owner, key);
  }

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
    return autocommit(owner == null ? NO_OWNER : owner, null);
  }
}
