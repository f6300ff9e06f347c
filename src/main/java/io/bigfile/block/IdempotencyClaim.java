package io.bigfile.block;

import java.time.Instant;
import java.util.function.Supplier;

/**
 * The record of a request made with an idempotency key, to be stored by the commit that applies it,
 * in the same database transaction: so the key is taken if and only if the request's changes
 * landed, and a retry of a request whose answer was lost finds it. A changeset with a claim always
 * stores it, even when it changes nothing (the answer then is the file at the snapshot).
 *
 * @param principal whose key it is (keys of different principals never meet)
 * @param key the client's key
 * @param fingerprint the request's fingerprint; asked for once the request's body has been read,
 *     after the changeset's blocks
 * @param fileId the file the request's answer describes
 * @param expiresAt when the key may be forgotten and used again
 */
public record IdempotencyClaim(
    String principal, String key, Supplier<byte[]> fingerprint, long fileId, Instant expiresAt) {}
