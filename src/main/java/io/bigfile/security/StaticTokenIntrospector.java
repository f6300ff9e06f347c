package io.bigfile.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.core.OAuth2TokenIntrospectionClaimNames;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OAuth2IntrospectionAuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;

/**
 * The static bearer tokens of {@code token} mode, checked as opaque tokens (RFC 7662's model,
 * answered locally): Spring Security's resource server reads the {@code Authorization: Bearer}
 * header and asks this class who the token stands for.
 *
 * <p>Only the SHA-256 of each token is kept. A presented token is hashed and compared with every
 * known hash by {@link MessageDigest#isEqual} (time independent of where the bytes differ), all of
 * them each time, so that the answer's timing tells nothing about which token came close. Immutable
 * and thread-safe.
 */
public final class StaticTokenIntrospector implements OpaqueTokenIntrospector {

  /** A token as configured: who it stands for, the secret, the scopes it grants. */
  public record StaticToken(String subject, String token, Set<Scope> scopes) {

    /** Never the secret. */
    @Override
    public String toString() {
      return "StaticToken[subject=" + subject + ", scopes=" + scopes + "]";
    }
  }

  private record Known(byte[] hash, OAuth2AuthenticatedPrincipal principal) {}

  private final List<Known> known;

  public StaticTokenIntrospector(List<StaticToken> tokens) {
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("no tokens: every request would be refused");
    }
    this.known = tokens.stream().map(t -> new Known(sha256(t.token()), principal(t))).toList();
  }

  private static OAuth2AuthenticatedPrincipal principal(StaticToken t) {
    Collection<GrantedAuthority> authorities =
        t.scopes().stream()
            .sorted()
            .map(s -> (GrantedAuthority) new SimpleGrantedAuthority(s.authority()))
            .toList();
    Map<String, Object> attributes =
        Map.of(
            OAuth2TokenIntrospectionClaimNames.ACTIVE, true,
            OAuth2TokenIntrospectionClaimNames.SUB, t.subject(),
            OAuth2TokenIntrospectionClaimNames.SCOPE,
                t.scopes().stream().sorted().map(Scope::scope).toList());
    return new OAuth2IntrospectionAuthenticatedPrincipal(t.subject(), attributes, authorities);
  }

  @Override
  public OAuth2AuthenticatedPrincipal introspect(String token) {
    byte[] presented = sha256(token);
    OAuth2AuthenticatedPrincipal found = null;
    for (Known k : known) {
      // every hash is compared, whatever matched before
      if (MessageDigest.isEqual(k.hash(), presented) && found == null) {
        found = k.principal();
      }
    }
    if (found == null) {
      throw new BadOpaqueTokenException("the bearer token is not one of the service's tokens");
    }
    return found;
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
