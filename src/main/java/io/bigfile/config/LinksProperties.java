package io.bigfile.config;

import io.bigfile.security.links.LinkSigner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Signed links: {@code bigfile.security.links.*}. Checked at start: a key that is not base64 of at
 * least 32 bytes, a signing key that is not configured, or several keys and none chosen to sign,
 * refuse the start (the message names the key id, never the key).
 *
 * @param keys signing keys by key id, each base64 of at least 32 random bytes ({@code openssl rand
 *     -base64 32}); several at once for rotation; removing one revokes the links it signed; none: a
 *     key is generated into {@code keyFile}
 * @param signingKey the key id that signs new links; default: the only key, when there is one
 * @param maxExpiresIn the longest a link may live (at most {@code P7D})
 * @param keyFile where the generated key is kept (owner-only) when no key is configured
 */
@ConfigurationProperties("bigfile.security.links")
public record LinksProperties(
    Map<String, String> keys,
    String signingKey,
    @DefaultValue("P7D") Duration maxExpiresIn,
    @DefaultValue("data/link-key") Path keyFile) {

  public LinksProperties {
    keys = keys == null ? Map.of() : Map.copyOf(keys);
    LinkSigner.checkMaxExpiresIn(maxExpiresIn);
    keys.forEach(
        (id, value) -> {
          LinkSigner.checkKeyId(id);
          LinkSigner.decodeKey(id, value);
        });
    if (signingKey != null && !keys.containsKey(signingKey)) {
      throw new IllegalArgumentException(
          "bigfile.security.links.signing-key '"
              + signingKey
              + "' is not one of bigfile.security.links.keys "
              + keys.keySet());
    }
    if (signingKey == null && keys.size() > 1) {
      throw new IllegalArgumentException(
          "bigfile.security.links.keys holds "
              + keys.size()
              + " keys "
              + keys.keySet()
              + ": set bigfile.security.links.signing-key to the one that signs new links");
    }
  }

  /** Whether keys are configured (otherwise the generated key in {@code keyFile} signs). */
  boolean configured() {
    return !keys.isEmpty();
  }

  /** The key that signs new links: the configured one, or the only key. */
  String signingKeyId() {
    return signingKey != null ? signingKey : keys.keySet().iterator().next();
  }
}
