package io.bigfile.security.links;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;

/**
 * What one signed link grants: the operations on one content path, until an instant, optionally
 * pinned to a revision, on behalf of its creator, signed with one key.
 *
 * <p>The signature covers exactly {@link #canonical()}: a version tag, then one field per line,
 * each percent-encoded (UTF-8, as in a query string) so that no field can contain the line
 * separator and no two grants share a canonical form:
 *
 * <pre>
 * bigfile-link-v1
 * read                       the operations, as {@link LinkOperation#render} writes them
 * %2Fv1%2Ffiles%2F3f1c0a9b2e7d4c11%2Fcontent
 * 42                         the pinned revision, or an empty line
 * 1767229200                 the expiry, in seconds since the epoch
 * k2026                      the key id
 * alice                      the creator's subject
 * </pre>
 *
 * Request headers (Range, If-*, Authorization) are not part of it: a link works with any range and
 * any HTTP client, and a proxy that rewrites headers cannot break it. Neither are the host and the
 * port: the link survives a proxy or a load balancer in front of the service.
 *
 * @param path the content path the link is for, without the application's context path
 * @param operations what it allows; never empty
 * @param at the revision reads are pinned to, or null for the head revision at each request
 * @param expires the first second (since the epoch) at which the link no longer works
 * @param keyId the key that signs it
 * @param subject the principal that created it; requests made with it act as this principal
 */
public record LinkGrant(
    String path,
    Set<LinkOperation> operations,
    Long at,
    long expires,
    String keyId,
    String subject) {

  /** The first line of every canonical form: a new form gets a new tag. */
  static final String VERSION = "bigfile-link-v1";

  public LinkGrant {
    if (path == null || path.isEmpty() || operations == null || operations.isEmpty()) {
      throw new IllegalArgumentException("a link needs a path and at least one operation");
    }
    if (keyId == null || keyId.isEmpty() || subject == null || subject.isEmpty()) {
      throw new IllegalArgumentException("a link needs a key id and a subject");
    }
    operations = Set.copyOf(operations);
  }

  public Instant expiresAt() {
    return Instant.ofEpochSecond(expires);
  }

  /** The text the signature is computed over (see the class comment). */
  public String canonical() {
    return String.join(
        "\n",
        VERSION,
        LinkOperation.render(operations),
        encode(path),
        at == null ? "" : Long.toString(at),
        Long.toString(expires),
        encode(keyId),
        encode(subject));
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
