package io.bigfile.config;

import io.bigfile.security.Scope;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the service: {@code bigfile.security.*}. The OAuth2 issuer or key set are Spring's
 * own {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} and {@code jwk-set-uri}.
 *
 * @param mode how requests authenticate: {@code token} (static bearer tokens), {@code oauth2} (JWTs
 *     of an authorization server) or {@code none} (no authentication: only when set explicitly)
 * @param tokenFile in {@code token} mode with no {@code tokens}: where the generated token with
 *     every scope is kept (created on first start, owner-only, reused later)
 * @param tokens in {@code token} mode: the accepted bearer tokens, each with its subject and scopes
 * @param audiences in {@code oauth2} mode (required there): a JWT's {@code aud} must name one
 * @param clockSkew in {@code oauth2} mode: how far a JWT's {@code exp} and {@code nbf} may be off
 *     (at most 5 minutes)
 */
@ConfigurationProperties("bigfile.security")
public record SecurityProperties(
    @DefaultValue("token") Mode mode,
    @DefaultValue("data/token") Path tokenFile,
    List<Token> tokens,
    List<String> audiences,
    @DefaultValue("60s") Duration clockSkew) {

  /** The longest clock skew accepted: a token expired longer ago than this is refused. */
  static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

  /** Shortest configured token: 32 characters, such as 24 random bytes in base64. */
  static final int MIN_TOKEN_LENGTH = 32;

  public enum Mode {
    /** Static bearer tokens: configured, or one generated on first start. */
    TOKEN,
    /** JWTs of an OAuth2 authorization server, checked against its keys. */
    OAUTH2,
    /** No authentication at all: every request may do everything. */
    NONE
  }

  /**
   * One static bearer token.
   *
   * @param subject who it stands for: the principal that owns the transactions it begins
   * @param token the secret itself, at least 32 characters
   * @param scopes what it may do: {@code files.read}, {@code files.write}, {@code files.delete},
   *     {@code files.admin}
   */
  public record Token(String subject, String token, Set<String> scopes) {

    public Token {
      if (subject == null || subject.isBlank()) {
        throw new IllegalArgumentException("bigfile.security.tokens[].subject must be set");
      }
      if (token == null || token.length() < MIN_TOKEN_LENGTH) {
        throw new IllegalArgumentException(
            "bigfile.security.tokens[].token of '"
                + subject
                + "' must have at least "
                + MIN_TOKEN_LENGTH
                + " characters");
      }
      if (scopes == null || scopes.isEmpty()) {
        throw new IllegalArgumentException(
            "bigfile.security.tokens[].scopes of '" + subject + "' must name at least one scope");
      }
      for (String s : scopes) {
        if (Scope.byName(s) == null) {
          throw new IllegalArgumentException(
              "bigfile.security.tokens[].scopes of '"
                  + subject
                  + "': unknown scope '"
                  + s
                  + "'; the scopes are "
                  + Scope.names());
        }
      }
      scopes = Set.copyOf(scopes);
    }

    /** Never the secret: records print their components, and this one ends up in logs. */
    @Override
    public String toString() {
      return "Token[subject=" + subject + ", token=******, scopes=" + scopes + "]";
    }
  }

  public SecurityProperties {
    tokens = tokens == null ? List.of() : List.copyOf(tokens);
    audiences = audiences == null ? List.of() : List.copyOf(audiences);
    Set<String> subjects = new HashSet<>();
    Set<String> secrets = new HashSet<>();
    for (Token t : tokens) {
      if (!subjects.add(t.subject())) {
        throw new IllegalArgumentException(
            "bigfile.security.tokens: the subject '" + t.subject() + "' appears twice");
      }
      if (!secrets.add(t.token())) {
        throw new IllegalArgumentException("bigfile.security.tokens: two subjects share one token");
      }
    }
    if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
      throw new IllegalArgumentException(
          "bigfile.security.clock-skew must be between 0s and " + MAX_CLOCK_SKEW.toMinutes() + "m");
    }
  }
}
