package io.bigfile.file;

import java.util.function.Supplier;

/**
 * An idempotency key sent with an autocommit write (draft-ietf-httpapi-idempotency-key-header): a
 * retry of the request with the same key and the same fingerprint returns the first request's
 * outcome and applies nothing; the same key with another fingerprint is refused.
 *
 * @param principal whose key it is: keys are scoped per principal
 * @param key the client's key, 1 to {@value #MAX_LENGTH} visible ASCII characters
 * @param fingerprint the request's fingerprint (method, target, the headers that change its
 *     meaning, the body's digest). Asking for it reads whatever is left of the request's body, so
 *     the engine asks only once the body is consumed, or when it must compare with a stored request
 *     instead of running this one.
 */
public record IdempotencyKey(String principal, String key, Supplier<byte[]> fingerprint) {

  public static final int MAX_LENGTH = 255;

  /** The principal of every request until access control names one. */
  public static final String ANONYMOUS = "anonymous";

  public IdempotencyKey {
    if (principal == null || principal.isEmpty()) {
      throw new IllegalArgumentException("an idempotency key belongs to a principal");
    }
    if (!valid(key)) {
      throw new InvalidRequestException(
          "an Idempotency-Key is 1 to " + MAX_LENGTH + " visible ASCII characters");
    }
  }

  /** Whether {@code key} is 1 to {@value #MAX_LENGTH} visible ASCII characters. */
  public static boolean valid(String key) {
    if (key == null || key.isEmpty() || key.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "IdempotencyKey[" + principal + ", " + key + "]";
  }
}
