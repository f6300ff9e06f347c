package io.bigfile.file;

/** The database could not be reached or failed; nothing was changed by the failed request. */
public final class StorageUnavailableException extends BigFileException {

  public StorageUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
