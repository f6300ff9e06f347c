package io.bigfile.file;

/**
 * No transaction with this id is known (never begun, or finished long enough ago to be forgotten).
 */
public final class UnknownTransactionException extends BigFileException {

  public UnknownTransactionException(String id) {
    super("no transaction '" + id + "'");
  }
}
