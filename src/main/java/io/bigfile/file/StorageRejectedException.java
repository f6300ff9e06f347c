package io.bigfile.file;

/**
 * The database refused the request (a data or integrity error): retrying the same request fails the
 * same way, so unlike {@link StorageUnavailableException} it is not worth a retry. Values are
 * validated where they enter the API, so this is a defect of the service, not of the request.
 * Nothing was changed by the failed request. The message never holds the database's own text.
 */
public final class StorageRejectedException extends BigFileException {

  public StorageRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
