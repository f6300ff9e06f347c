package io.bigfile.file;

/** The transaction was committed or aborted and accepts no more requests. */
public final class TransactionNotOpenException extends BigFileException {

  private final TransactionState state;

  public TransactionNotOpenException(String id, TransactionState state, String reason) {
    super(
        "transaction '"
            + id
            + "' is "
            + state.externalName()
            + (reason == null ? "" : " (" + reason + ")"));
    this.state = state;
  }

  public TransactionState state() {
    return state;
  }
}
