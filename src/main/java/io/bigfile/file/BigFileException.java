package io.bigfile.file;

/**
 * A broken rule of the domain. Subclasses name the rule; none of them carries a protocol status.
 */
public abstract class BigFileException extends RuntimeException {

  protected BigFileException(String message) {
    super(message);
  }

  protected BigFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
