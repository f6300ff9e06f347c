package io.bigfile.engine;

import io.bigfile.block.IdempotencyClaim;
import io.bigfile.block.IdempotencyKeyTakenException;
import io.bigfile.block.IdempotencyRecord;
import io.bigfile.file.IdempotencyKey;
import io.bigfile.file.IdempotencyKeyInUseException;
import io.bigfile.file.IdempotencyKeyReusedException;
import io.bigfile.file.RequestContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Autocommit writes with an idempotency key (draft-ietf-httpapi-idempotency-key-header): the first
 * request with a key runs and its commit stores the key, in the same database transaction as its
 * changes; a retry with the same key and the same request (fingerprint) answers what the first one
 * did and applies nothing; the same key with another request is refused; a retry while the first
 * still runs on this replica is refused. Keys are scoped per principal and expire after the
 * retention window, after which a key may be used again.
 *
 * <p>Why the key is stored by the commit itself: a request whose answer was lost (the database
 * committed, the connection broke before it said so) took its key if and only if its changes
 * landed, so its retry finds the key exactly when it must not apply again. Two requests with one
 * key that race (on two replicas, or a retry while the first's commit is still in the database)
 * meet at the key's primary key: the second commit is refused and rolled back whole ({@link
 * IdempotencyKeyTakenException}), and answers the first one's outcome.
 *
 * <p>Thread-safe. The in-flight set is this replica's; across replicas the store's key decides.
 */
final class IdempotentRequests {

  /** Hands out the claim a keyed request's commit stores, once the answer's file is known. */
  @FunctionalInterface
  interface Claims {
    /** The claim for an answer about {@code fileId}; null when the request has no key. */
    IdempotencyClaim claim(long fileId);

    Claims NONE = fileId -> null;
  }

  private final CachedIndexStore store;
  private final Clock clock;
  private final Duration retention;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

  IdempotentRequests(CachedIndexStore store, Clock clock, Duration retention) {
    this.store = store;
    this.clock = clock;
    this.retention = retention;
  }

  /**
   * Runs {@code op}, unless the request's idempotency key was used before.
   *
   * @param replay the answer of the request that used the key first, from its stored record
   * @param op the request; it passes its commit the claim {@link Claims} gives it
   * @throws IdempotencyKeyInUseException if a request with the key is running on this replica
   * @throws IdempotencyKeyReusedException if the key was used for a different request
   */
  <R> R run(RequestContext ctx, Function<IdempotencyRecord, R> replay, Function<Claims, R> op) {
    IdempotencyKey key = ctx instanceof RequestContext.Autocommit a ? a.idempotencyKey() : null;
    if (key == null) {
      return op.apply(Claims.NONE);
    }
    String slot = key.principal() + '\n' + key.key();
    if (!inFlight.add(slot)) {
      throw new IdempotencyKeyInUseException(key.key());
    }
    try {
      Optional<IdempotencyRecord> stored = store.idempotencyRecord(key.principal(), key.key());
      if (stored.isPresent()) {
        if (expired(stored.get())) {
          // a key past its retention may be used again: forget it (and every other expired one)
          store.forgetExpiredIdempotencyKeys(clock.instant());
        } else {
          return answer(key, stored.get(), replay);
        }
      }
      Instant expiresAt = clock.instant().plus(retention);
      try {
        return op.apply(
            fileId ->
                new IdempotencyClaim(
                    key.principal(), key.key(), key.fingerprint(), fileId, expiresAt));
      } catch (IdempotencyKeyTakenException e) {
        return answer(key, e.existing(), replay);
      }
    } finally {
      inFlight.remove(slot);
    }
  }

  /** Forgets the keys whose retention ended. */
  int forgetExpired() {
    return store.forgetExpiredIdempotencyKeys(clock.instant());
  }

  private boolean expired(IdempotencyRecord r) {
    return !r.expiresAt().isAfter(clock.instant());
  }

  /** The first request's answer, if this request is the same one. */
  private static <R> R answer(
      IdempotencyKey key, IdempotencyRecord first, Function<IdempotencyRecord, R> replay) {
    if (!Arrays.equals(first.fingerprint(), key.fingerprint().get())) {
      throw new IdempotencyKeyReusedException(key.key());
    }
    return replay.apply(first);
  }
}
