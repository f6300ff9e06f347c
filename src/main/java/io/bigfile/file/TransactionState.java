package io.bigfile.file;

import java.util.Locale;

public enum TransactionState {
  /** Accepts reads and writes. */
  OPEN,
  /**
   * Its commit was sent to the database, whose answer was lost: it becomes COMMITTED (with its
   * revision) or ABORTED as soon as the database answers again, and accepts nothing meanwhile.
   */
  COMMITTING,
  /** Its changes are durable, at its commit revision. */
  COMMITTED,
  /** Its changes were discarded: by abort, a conflict, a failed commit or expiry. */
  ABORTED;

  public String externalName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
