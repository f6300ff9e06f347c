package io.bigfile.file;

/** The request's precondition does not hold on the file; nothing was changed. */
public final class PreconditionFailedException extends BigFileException {

  public PreconditionFailedException(String message) {
    super(message);
  }
}
