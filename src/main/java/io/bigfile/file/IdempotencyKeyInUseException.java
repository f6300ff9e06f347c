package io.bigfile.file;

/**
 * A request with an idempotency key arrived while the first request with that key was still
 * running. Nothing was changed; retry once the first one answered.
 */
public final class IdempotencyKeyInUseException extends BigFileException {

  public IdempotencyKeyInUseException(String key) {
    super(
        "a request with the Idempotency-Key '"
            + key
            + "' is still being processed; retry after it has answered");
  }
}
