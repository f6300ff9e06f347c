package io.bigfile.file;

/** The request's parameters or body are not valid; nothing was changed. */
public final class InvalidRequestException extends BigFileException {

  public InvalidRequestException(String message) {
    super(message);
  }

  public InvalidRequestException(String message, Throwable cause) {
    super(message, cause);
  }
}
