package io.bigfile.security;

import io.bigfile.security.audit.AuditedAuthentication;
import java.time.Instant;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.core.OAuth2TokenIntrospectionClaimNames;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthentication;

/**
 * A request authenticated by one of the static tokens of {@code token} mode ({@link
 * StaticTokenIntrospector}): what Spring Security's resource server makes of an introspected token,
 * named {@value #METHOD} in the audit log. Its name is the token's subject, its authorities the
 * token's scopes.
 */
public final class StaticTokenAuthentication extends BearerTokenAuthentication
    implements AuditedAuthentication {

  private static final long serialVersionUID = 1L;

  /** How the audit log names this way of authenticating. */
  public static final String METHOD = "token";

  private StaticTokenAuthentication(
      OAuth2AuthenticatedPrincipal principal, OAuth2AccessToken token) {
    super(principal, token, principal.getAuthorities());
  }

  /**
   * The authentication of a token the introspector accepted, as Spring's default converter makes it
   * (the token, its times if any, the principal's authorities); for {@code
   * OpaqueTokenConfigurer.authenticationConverter}.
   */
  public static StaticTokenAuthentication of(String token, OAuth2AuthenticatedPrincipal principal) {
    Instant issued = principal.getAttribute(OAuth2TokenIntrospectionClaimNames.IAT);
    Instant expires = principal.getAttribute(OAuth2TokenIntrospectionClaimNames.EXP);
    return new StaticTokenAuthentication(
        principal,
        new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, token, issued, expires));
  }

  @Override
  public String authenticationMethod() {
    return METHOD;
  }
}
