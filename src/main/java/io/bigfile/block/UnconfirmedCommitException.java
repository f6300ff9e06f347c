package io.bigfile.block;

/**
 * The store asked the database to commit, and the answer was lost: the commit may or may not have
 * landed, and the database could not be asked yet. {@link #pending()} settles it later. Nothing
 * about the commit may be assumed until then: neither that it is visible (publishing its pages) nor
 * that it is not (retrying it could apply it twice).
 */
public final class UnconfirmedCommitException extends RuntimeException {

  private final transient PendingCommit pending;

  public UnconfirmedCommitException(PendingCommit pending, Throwable cause) {
    super("the outcome of the commit of revision " + pending.revision() + " is unknown", cause);
    this.pending = pending;
  }

  public PendingCommit pending() {
    return pending;
  }
}
