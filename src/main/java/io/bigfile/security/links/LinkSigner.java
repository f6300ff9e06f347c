package io.bigfile.security.links;

import io.bigfile.security.links.LinkRefusedException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies links: HMAC-SHA256 (RFC 2104) of a {@link LinkGrant}'s canonical form with one
 * of several keys, named by key id. New links are signed with the signing key; any configured key
 * verifies the links it signed, so keys can be rotated: add a new key, make it the signing key, and
 * remove the old one once its links should stop working (removing a key revokes every link it
 * signed). Signatures are compared in constant time.
 *
 * <p>Thread-safe and immutable; plain Java, no HTTP: the filter and the controller give it the
 * path, the method and the link's parameters.
 */
public final class LinkSigner {

  /** The longest a link may live, whatever is configured (S3's presigned URLs: 7 days). */
  public static final Duration MAX_EXPIRES_IN = Duration.ofDays(7);

  /** The shortest key: HMAC-SHA256's own output length (RFC 2104 section 3). */
  public static final int MIN_KEY_BYTES = 32;

  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,18}");
  private static final String HMAC = "HmacSHA256";

  private final Map<String, SecretKeySpec> keys;
  private final String signingKeyId;
  private final Duration maxExpiresIn;
  private final Clock clock;

  /**
   * @param keys the keys by id, each at least {@link #MIN_KEY_BYTES} bytes
   * @param signingKeyId the key that signs new links; one of {@code keys}
   * @param maxExpiresIn the longest a new link may live, at most {@link #MAX_EXPIRES_IN}
   */
  public LinkSigner(
      Map<String, byte[]> keys, String signingKeyId, Duration maxExpiresIn, Clock clock) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("signed links need at least one key");
    }
    Map<String, SecretKeySpec> specs = new LinkedHashMap<>();
    keys.forEach(
        (id, bytes) -> {
          checkKeyId(id);
          if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException(
                "the signed-link key '" + id + "' has " + bytes.length + " bytes; at least 32");
          }
          specs.put(id, new SecretKeySpec(bytes, HMAC));
        });
    if (!specs.containsKey(signingKeyId)) {
      throw new IllegalArgumentException(
          "the signing key '" + signingKeyId + "' is not one of the keys " + specs.keySet());
    }
    checkMaxExpiresIn(maxExpiresIn);
    this.keys = Map.copyOf(specs);
    this.signingKeyId = signingKeyId;
    this.maxExpiresIn = maxExpiresIn;
    this.clock = clock;
  }

  /** Refuses a key id that could not travel in a URL as it is. */
  public static void checkKeyId(String id) {
    if (id == null || !KEY_ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "a signed-link key id is 1 to 64 letters, digits, '.', '_' or '-', not '" + id + "'");
    }
  }

  public static void checkMaxExpiresIn(Duration d) {
    if (d == null || d.isNegative() || d.isZero() || d.compareTo(MAX_EXPIRES_IN) > 0) {
      throw new IllegalArgumentException(
          "bigfile.security.links.max-expires-in must be positive and at most P7D, not " + d);
    }
  }

  /**
   * Decodes a key written in base64 (standard or URL-safe alphabet, padding optional). The message
   * of a failure names the key id only, never the value.
   */
  public static byte[] decodeKey(String keyId, String base64) {
    String v = base64 == null ? "" : base64.strip();
    try {
      byte[] key =
          v.indexOf('-') >= 0 || v.indexOf('_') >= 0
              ? Base64.getUrlDecoder().decode(v)
              : Base64.getDecoder().decode(v);
      if (key.length < MIN_KEY_BYTES) {
        throw new IllegalArgumentException(
            "the signed-link key '"
                + keyId
                + "' has "
                + key.length
                + " bytes; at least 32 are needed (openssl rand -base64 32)");
      }
      return key;
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("the signed-link key")) {
        throw e;
      }
      throw new IllegalArgumentException(
          "the signed-link key '" + keyId + "' is not base64 (openssl rand -base64 32 makes one)");
    }
  }

  public String signingKeyId() {
    return signingKeyId;
  }

  public Duration maxExpiresIn() {
    return maxExpiresIn;
  }

  public Set<String> keyIds() {
    return keys.keySet();
  }

  /** A signed link: what it grants and the query parameters that carry it. */
  public record SignedLink(LinkGrant grant, String signature) {

    /**
     * The query string to append to the content path: {@code at} when pinned, then the link
     * parameters, each value percent-encoded.
     */
    public String query() {
      StringBuilder q = new StringBuilder();
      if (grant.at() != null) {
        q.append(LinkParams.AT).append('=').append(grant.at()).append('&');
      }
      q.append(LinkParams.OP).append('=').append(LinkOperation.render(grant.operations()));
      q.append('&').append(LinkParams.EXPIRES).append('=').append(grant.expires());
      q.append('&').append(LinkParams.KEY).append('=').append(LinkGrant.encode(grant.keyId()));
      q.append('&')
          .append(LinkParams.SUBJECT)
          .append('=')
          .append(LinkGrant.encode(grant.subject()));
      q.append('&').append(LinkParams.SIGNATURE).append('=').append(signature);
      return q.toString();
    }
  }

  /**
   * Signs a link for {@code path} that expires {@code expiresIn} from now (rounded up to the
   * second).
   *
   * @throws IllegalArgumentException if {@code expiresIn} is not positive or longer than the
   *     configured maximum
   */
  public SignedLink sign(
      String path, Set<LinkOperation> operations, Long at, Duration expiresIn, String subject) {
    if (expiresIn.isNegative() || expiresIn.isZero()) {
      throw new IllegalArgumentException("expiresIn must be positive, not " + expiresIn);
    }
    if (expiresIn.compareTo(maxExpiresIn) > 0) {
      throw new IllegalArgumentException(
          "expiresIn "
              + expiresIn
              + " is longer than the longest a link may live, "
              + maxExpiresIn);
    }
    Instant end = clock.instant().plus(expiresIn);
    long expires = end.getEpochSecond() + (end.getNano() > 0 ? 1 : 0);
    LinkGrant grant = new LinkGrant(path, operations, at, expires, signingKeyId, subject);
    byte[] mac = mac(keys.get(signingKeyId), grant.canonical());
    return new SignedLink(grant, Base64.getUrlEncoder().withoutPadding().encodeToString(mac));
  }

  /**
   * Verifies that a request may use the link it carries.
   *
   * @param path the request's content path (without a trailing name), without the context path
   * @param method the request's method
   * @param params the link parameters and {@code at} as the request carries them
   * @return what the link grants
   * @throws LinkRefusedException when it does not allow the request
   */
  public LinkGrant verify(String path, String method, LinkParams params)
      throws LinkRefusedException {
    Set<LinkOperation> ops = LinkOperation.parse(params.op());
    if (ops == null) {
      throw new LinkRefusedException(
          Reason.MALFORMED, "the signed link's " + LinkParams.OP + " is not valid");
    }
    Long expires = decimal(params.expires());
    if (expires == null) {
      throw new LinkRefusedException(
          Reason.MALFORMED, "the signed link's " + LinkParams.EXPIRES + " is not valid");
    }
    Long at = null;
    if (params.at() != null) {
      at = decimal(params.at());
      if (at == null) {
        throw new LinkRefusedException(
            Reason.BAD_SIGNATURE, "the signature of the link does not match this request");
      }
    }
    SecretKeySpec key = keys.get(params.key());
    if (key == null) {
      throw new LinkRefusedException(
          Reason.UNKNOWN_KEY,
          "the link was signed with a key this service does not have (unknown or removed)");
    }
    if (params.subject() == null || params.subject().isEmpty()) {
      throw new LinkRefusedException(
          Reason.MALFORMED, "the signed link's " + LinkParams.SUBJECT + " is not valid");
    }
    LinkGrant grant = new LinkGrant(path, ops, at, expires, params.key(), params.subject());
    byte[] provided;
    try {
      provided = Base64.getUrlDecoder().decode(params.signature());
    } catch (IllegalArgumentException e) {
      provided = new byte[0];
    }
    if (!MessageDigest.isEqual(mac(key, grant.canonical()), provided)) {
      throw new LinkRefusedException(
          Reason.BAD_SIGNATURE,
          "the signature of the link does not match this request: it was changed, or is used for"
              + " another file");
    }
    if (clock.instant().getEpochSecond() >= expires) {
      throw new LinkRefusedException(Reason.EXPIRED, "the link expired at " + grant.expiresAt());
    }
    if (ops.stream().noneMatch(op -> op.allows(method))) {
      throw new LinkRefusedException(
          Reason.WRONG_OPERATION,
          "the link grants " + LinkOperation.render(ops) + ", which does not allow " + method);
    }
    return grant;
  }

  /** A decimal in its one canonical form (no sign, no leading zero), or null. */
  private static Long decimal(String s) {
    if (s == null || !DECIMAL.matcher(s).matches()) {
      return null;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static byte[] mac(SecretKeySpec key, String canonical) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      return mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      // every Java platform has HmacSHA256 (Java SE's required algorithms)
      throw new IllegalStateException(e);
    }
  }
}
