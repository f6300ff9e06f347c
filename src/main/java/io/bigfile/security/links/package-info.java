/**
 * Signed links: URLs to a file's content that carry their own authorization, for clients that
 * cannot send an {@code Authorization} header (S3's presigned URLs, Azure's SAS, GCS's signed
 * URLs).
 *
 * <p>A link is the content URL plus query parameters: the operations it grants ({@code read},
 * {@code write}), its expiry, the revision its reads are pinned to (if any), the id of the key that
 * signed it, its creator's subject, and an HMAC-SHA256 signature over those and the path ({@link
 * io.bigfile.security.links.LinkGrant} gives the canonical form). Verification needs no state: the
 * keys are configuration, so any replica configured with the same keys accepts a link, and removing
 * a key revokes every link it signed.
 *
 * <p>Alternatives rejected: links stored in the database (revocable one by one, but a lookup per
 * request and a table to pack; key rotation covers revocation in bulk, and short expiries the rest,
 * as S3 does); signing request headers as well (S3's SigV4 signs {@code host} and optionally {@code
 * range}, which broke range clients that send their own ranges; a link here is valid for any range
 * and any header); JWTs in the query (larger URLs, and the same HMAC underneath).
 */
package io.bigfile.security.links;
