package io.bigfile.file;

/**
 * An idempotency key was sent again with a different request than the one that used it first: the
 * key names that first request only. Nothing was changed.
 */
public final class IdempotencyKeyReusedException extends BigFileException {

  public IdempotencyKeyReusedException(String key) {
    super(
        "the Idempotency-Key '"
            + key
            + "' was already used for a different request (method, target, headers or body"
            + " differ); use a new key for a new request");
  }
}
