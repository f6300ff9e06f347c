package io.bigfile.file;

/**
 * The write would hold more uncommitted data than a transaction, or the server, may hold; nothing
 * was changed.
 */
public final class DirtyBudgetExceededException extends BigFileException {

  public DirtyBudgetExceededException(String message) {
    super(message);
  }
}
