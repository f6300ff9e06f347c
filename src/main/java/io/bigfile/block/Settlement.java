package io.bigfile.block;

/**
 * What the database says of a {@link PendingCommit}.
 *
 * @param outcome the revision it created, when it {@link Kind#LANDED}; null otherwise
 */
public record Settlement(Kind kind, CommitOutcome outcome) {

  public enum Kind {
    /** The commit is durable at {@code outcome}'s revision. */
    LANDED,
    /** The commit never took effect and never will: its database transaction is gone. */
    LOST,
    /** The database cannot tell yet (it does not answer, or the commit may still be running). */
    UNKNOWN
  }

  public static final Settlement LOST = new Settlement(Kind.LOST, null);
  public static final Settlement UNKNOWN = new Settlement(Kind.UNKNOWN, null);

  public static Settlement landed(CommitOutcome outcome) {
    return new Settlement(Kind.LANDED, outcome);
  }

  public Settlement {
    if ((kind == Kind.LANDED) != (outcome != null)) {
      throw new IllegalArgumentException("a landed commit, and only it, has an outcome");
    }
  }
}
