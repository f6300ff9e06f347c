package io.bigfile.block;

/**
 * The store refused a commit because its {@link IdempotencyClaim}'s key is already stored: an
 * earlier request with that key landed first. Nothing of the refused commit was written.
 */
public final class IdempotencyKeyTakenException extends RuntimeException {

  private final transient IdempotencyRecord existing;

  public IdempotencyKeyTakenException(IdempotencyRecord existing) {
    super("the idempotency key is taken", null, false, false);
    this.existing = existing;
  }

  /** The stored record of the request that took the key. */
  public IdempotencyRecord existing() {
    return existing;
  }
}
