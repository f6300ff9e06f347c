package io.bigfile.block;

import java.time.Instant;

/**
 * A stored idempotency key: the request that used it first (its fingerprint) and what it answered.
 *
 * @param revision the revision the request created, or the snapshot it read when it changed nothing
 * @param answer the file its answer described, as that revision left it (kept with the key, so the
 *     answer can be given again however the file's history is packed meanwhile)
 */
public record IdempotencyRecord(
    String principal,
    String key,
    byte[] fingerprint,
    long revision,
    FileRecord answer,
    Instant createdAt,
    Instant expiresAt) {}
