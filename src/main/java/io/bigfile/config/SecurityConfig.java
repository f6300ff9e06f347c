package io.bigfile.config;

import io.bigfile.security.AccessRules;
import io.bigfile.security.ProblemResponses;
import io.bigfile.security.Scope;
import io.bigfile.security.StaticTokenAuthentication;
import io.bigfile.security.StaticTokenIntrospector;
import io.bigfile.security.StaticTokenIntrospector.StaticToken;
import io.bigfile.security.TokenFile;
import io.bigfile.security.audit.AuditLog;
import io.bigfile.security.links.SignedLinkAuthentication;
import jakarta.servlet.Filter;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.oauth2.server.resource.OAuth2ProtectedResourceMetadata;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.firewall.StrictHttpFirewall;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Access control ({@code bigfile.security.*}): one Spring Security filter chain in every mode, so
 * that CORS, the problem bodies and the hooks before authentication behave alike; what differs is
 * how a bearer token is checked ({@code token}: {@link StaticTokenIntrospector}; {@code oauth2}: a
 * {@link JwtDecoder} on the issuer's keys) or whether anything is checked at all ({@code none}).
 * The scope each endpoint needs is {@link AccessRules}'s table.
 *
 * <p>Stateless: no session, no cookie, no CSRF token (a browser never sends a bearer token by
 * itself, so there is nothing for a forged request to ride on), no request cache, no login page.
 * Spring Security's default {@code Cache-Control: no-store} is off: content responses carry their
 * own validators ({@code ETag}, {@code Last-Modified}), and a shared cache does not store a
 * response to a request with {@code Authorization} anyway (RFC 9111 section 3.5).
 *
 * <p>A bean named {@value #SIGNED_LINK_FILTER} (the signed links' filter, {@code LinksConfig}),
 * when there is one, runs in this chain, and only here, before bearer-token authentication: a
 * request it authenticates needs no {@code Authorization} header, and one it sends along is not
 * looked at.
 *
 * <p>Every 401 and 403 of the chain is written by {@link ProblemResponses}, which also puts a
 * {@code refused} event in the audit log.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({SecurityProperties.class, CorsProperties.class})
class SecurityConfig {

  /** The bean name of the filter that authenticates signed links, before bearer tokens. */
  static final String SIGNED_LINK_FILTER = "signedLinkFilter";

  private static final Logger LOG = LoggerFactory.getLogger(SecurityConfig.class);

  private static final String MODE = "bigfile.security.mode";

  @Bean
  SecurityFilterChain bigfileSecurityFilterChain(
      HttpSecurity http,
      SecurityProperties security,
      CorsConfigurationSource corsConfigurationSource,
      ProblemResponses problems,
      ObjectProvider<StaticTokenIntrospector> staticTokens,
      ObjectProvider<JwtDecoder> jwtDecoder,
      ObjectProvider<OAuth2ResourceServerProperties> resourceServer,
      @Qualifier(SIGNED_LINK_FILTER) ObjectProvider<Filter> signedLinkFilter) {
    http.csrf(c -> c.disable())
        .cors(c -> c.configurationSource(corsConfigurationSource))
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .requestCache(c -> c.disable())
        .httpBasic(c -> c.disable())
        .formLogin(c -> c.disable())
        .logout(c -> c.disable())
        .headers(h -> h.cacheControl(c -> c.disable()))
        .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems));
    switch (security.mode()) {
      case NONE -> {
        LOG.warn(
            "{}=none: requests are not authenticated; anyone who reaches the service can read,"
                + " change and delete every file",
            MODE);
        http.authorizeHttpRequests(a -> a.anyRequest().permitAll());
      }
      case TOKEN -> {
        http.authorizeHttpRequests(AccessRules::authorize);
        http.oauth2ResourceServer(
            o ->
                o.authenticationEntryPoint(problems)
                    .accessDeniedHandler(problems)
                    .bearerTokenResolver(bearerTokensOutsideLinks())
                    .protectedResourceMetadata(
                        m -> m.protectedResourceMetadataCustomizer(b -> describe(b, null)))
                    .opaqueToken(
                        t ->
                            t.introspector(staticTokens.getObject())
                                .authenticationConverter(StaticTokenAuthentication::of)));
      }
      case OAUTH2 -> {
        String issuer = resourceServer.getObject().getJwt().getIssuerUri();
        http.authorizeHttpRequests(AccessRules::authorize);
        http.oauth2ResourceServer(
            o ->
                o.authenticationEntryPoint(problems)
                    .accessDeniedHandler(problems)
                    .bearerTokenResolver(bearerTokensOutsideLinks())
                    .protectedResourceMetadata(
                        m -> m.protectedResourceMetadataCustomizer(b -> describe(b, issuer)))
                    .jwt(j -> j.decoder(jwtDecoder.getObject())));
      }
    }
    signedLinkFilter.ifAvailable(
        f -> http.addFilterBefore(f, BearerTokenAuthenticationFilter.class));
    return http.build();
  }

  /**
   * Spring Security's firewall ({@link StrictHttpFirewall}) in front of the chain, as it is but for
   * the methods: a method it does not know ({@code FROB}) is not refused there with a 400, but goes
   * on to the rules, which close it to all but {@code files.admin} ({@link AccessRules}: a request
   * no rule names), and then to Spring MVC, which answers 405 with {@code Allow}, as for any method
   * a resource does not take (RFC 9110 section 15.5.6). {@code TRACE} never gets that far: the web
   * server refuses it.
   */
  @Bean
  WebSecurityCustomizer firewallForAnyMethod(ProblemResponses problems) {
    StrictHttpFirewall firewall = new StrictHttpFirewall();
    firewall.setUnsafeAllowAnyHttpMethod(true);
    return web ->
        web.httpFirewall(firewall)
            .requestRejectedHandler(
                (request, response, rejected) ->
                    problems.write(
                        request,
                        response,
                        HttpStatus.BAD_REQUEST,
                        URI.create("about:blank"),
                        "the request target is not a path in normal form: it may not hold '.' or"
                            + " '..' segments, '//', ';', or a percent-encoded '.', '/', '\\' or"
                            + " '%', which no file id or name needs"));
  }

  /**
   * The bearer token of a request ({@code Authorization: Bearer}, RFC 6750 section 2.1), except of
   * a request the signed-link filter has authenticated: that request is the link's, with the link's
   * creator and the link's scopes only, whatever token comes along (a browser application may send
   * one with every request). Authenticating the token too would replace the link's principal with
   * the token's (and, for an authentication class that declares {@code toBuilder}, Spring Security
   * 7 adds the current authentication's authorities to the new one's), and a stale token would make
   * a valid link fail with 401.
   */
  private static BearerTokenResolver bearerTokensOutsideLinks() {
    DefaultBearerTokenResolver header = new DefaultBearerTokenResolver();
    return request ->
        SecurityContextHolder.getContext().getAuthentication() instanceof SignedLinkAuthentication
            ? null
            : header.resolve(request);
  }

  /**
   * The resource's metadata (RFC 9728) at {@code /.well-known/oauth-protected-resource}, which a
   * 401's {@code WWW-Authenticate} points to: the scopes, and the authorization server to get a
   * token from (oauth2 mode with an issuer).
   */
  private static void describe(OAuth2ProtectedResourceMetadata.Builder b, String issuer) {
    b.resourceName("bigfile").scopes(s -> s.addAll(Scope.names()));
    if (!isBlank(issuer)) {
      b.authorizationServer(issuer);
    }
  }

  /** The 401 and 403 of the chain, each audited; a refused bearer token is named after the mode. */
  @Bean
  ProblemResponses problemResponses(JsonMapper json, AuditLog audit, SecurityProperties security) {
    return new ProblemResponses(json, audit, security.mode().name().toLowerCase(Locale.ROOT));
  }

  // ---------------------------------------------------------------- token mode

  /**
   * The configured tokens; with none, the token kept in {@code bigfile.security.token-file}
   * (generated on first start) for the subject {@code local}, with every scope.
   */
  @Bean
  @ConditionalOnProperty(name = MODE, havingValue = "token", matchIfMissing = true)
  StaticTokenIntrospector staticTokenIntrospector(SecurityProperties security) {
    List<StaticToken> tokens = new ArrayList<>();
    for (SecurityProperties.Token t : security.tokens()) {
      Set<Scope> scopes =
          t.scopes().stream()
              .map(Scope::byName)
              .collect(Collectors.toCollection(() -> EnumSet.noneOf(Scope.class)));
      tokens.add(new StaticToken(t.subject(), t.token(), scopes));
    }
    if (tokens.isEmpty()) {
      Path file = security.tokenFile().toAbsolutePath();
      TokenFile.Loaded loaded = TokenFile.readOrCreate(file);
      if (loaded.created()) {
        LOG.info(
            "generated a bearer token with every scope for the subject 'local' in {}"
                + " (readable by this user only); set bigfile.security.tokens to use your own",
            file);
      }
      if (TokenFile.readableByOthers(file)) {
        LOG.warn("the token file {} can be read by other users: chmod 600 it", file);
      }
      tokens.add(new StaticToken("local", loaded.token(), EnumSet.allOf(Scope.class)));
    } else {
      LOG.info(
          "bearer tokens accepted for: {}",
          tokens.stream()
              .map(t -> t.subject() + " " + t.scopes().stream().map(Scope::scope).sorted().toList())
              .collect(Collectors.joining(", ")));
    }
    return new StaticTokenIntrospector(tokens);
  }

  /** Says where the generated token is, and how to use it, once the port is known. */
  @Bean
  @ConditionalOnProperty(name = MODE, havingValue = "token", matchIfMissing = true)
  ApplicationListener<WebServerInitializedEvent> generatedTokenNotice(SecurityProperties security) {
    return event -> {
      if (!security.tokens().isEmpty()
          || event.getApplicationContext().getServerNamespace() != null) {
        return;
      }
      Path file = security.tokenFile().toAbsolutePath();
      LOG.info(
          "requests need the bearer token in {}; for example: curl -H \"Authorization: Bearer"
              + " $(cat {})\" http://localhost:{}/v1/files",
          file,
          file,
          event.getWebServer().getPort());
    };
  }

  // ---------------------------------------------------------------- oauth2 mode

  /**
   * JWTs signed by the authorization server's keys, fetched from {@code
   * spring.security.oauth2.resourceserver.jwt.jwk-set-uri} or found through {@code issuer-uri}
   * (OpenID Connect or RFC 8414 discovery, at the first request, so that the service starts while
   * the issuer is down), and cached by Nimbus. A token is accepted when it is signed by one of them
   * with an allowed algorithm, has an {@code exp} not past (give or take {@code
   * bigfile.security.clock-skew}), names one of {@code bigfile.security.audiences} in {@code aud},
   * has a subject ({@code sub}: the principal), and, with an {@code issuer-uri}, comes from that
   * issuer.
   */
  @Bean
  @ConditionalOnProperty(name = MODE, havingValue = "oauth2")
  JwtDecoder jwtDecoder(
      SecurityProperties security, OAuth2ResourceServerProperties resourceServer) {
    OAuth2ResourceServerProperties.Jwt jwt = resourceServer.getJwt();
    String issuer = jwt.getIssuerUri();
    String jwkSetUri = jwt.getJwkSetUri();
    if (isBlank(issuer) && isBlank(jwkSetUri)) {
      throw new IllegalStateException(
          MODE
              + "=oauth2 needs spring.security.oauth2.resourceserver.jwt.issuer-uri (or jwk-set-uri):"
              + " where the authorization server publishes its keys");
    }
    if (security.audiences().isEmpty()) {
      throw new IllegalStateException(
          MODE
              + "=oauth2 needs bigfile.security.audiences: the aud values of tokens meant for this"
              + " service (a token for another service must not work here)");
    }
    List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
    JwtTimestampValidator timestamps = new JwtTimestampValidator(security.clockSkew());
    // a token without an expiry would be valid forever
    timestamps.setAllowEmptyExpiryClaim(false);
    validators.add(timestamps);
    List<String> audiences = security.audiences();
    validators.add(
        new JwtClaimValidator<List<String>>(
            "aud", aud -> aud != null && aud.stream().anyMatch(audiences::contains)));
    // the subject owns the transactions it begins: a token must say who it stands for
    validators.add(
        new JwtClaimValidator<String>(JwtClaimNames.SUB, sub -> sub != null && !sub.isBlank()));
    if (!isBlank(issuer)) {
      validators.add(new JwtIssuerValidator(issuer));
    }
    // with the defaults: the JOSE type (JWT or none) and a certificate-bound token's thumbprint
    OAuth2TokenValidator<Jwt> validator = JwtValidators.createDefaultWithValidators(validators);
    List<SignatureAlgorithm> algorithms =
        jwt.getJwsAlgorithms().stream().map(SignatureAlgorithm::from).toList();
    return new SupplierJwtDecoder(
        () -> {
          NimbusJwtDecoder.JwkSetUriJwtDecoderBuilder builder =
              isBlank(jwkSetUri)
                  ? NimbusJwtDecoder.withIssuerLocation(issuer)
                  : NimbusJwtDecoder.withJwkSetUri(jwkSetUri);
          NimbusJwtDecoder decoder = builder.jwsAlgorithms(a -> a.addAll(algorithms)).build();
          decoder.setJwtValidator(validator);
          return decoder;
        });
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  // ---------------------------------------------------------------- CORS

  /**
   * Cross-origin requests from the configured origins only, to the API ({@code /v1/**}): the
   * headers a range client and a writer send may be sent, the headers a reader needs may be read,
   * and a preflight is cached for {@code bigfile.security.cors.max-age}. A request from any other
   * origin is served as if CORS were off, without CORS headers, so the browser does not let the
   * page read it. Bearer tokens travel in a header, never in cookies: no credentials mode.
   */
  @Bean
  CorsConfigurationSource corsConfigurationSource(CorsProperties cors) {
    if (cors.allowedOrigins().isEmpty()) {
      return request -> null;
    }
    CorsConfiguration c = new CorsConfiguration();
    c.setAllowedOrigins(cors.allowedOrigins());
    c.setAllowedMethods(
        List.of(
            HttpMethod.GET.name(),
            HttpMethod.HEAD.name(),
            HttpMethod.PUT.name(),
            HttpMethod.POST.name(),
            HttpMethod.PATCH.name(),
            HttpMethod.DELETE.name(),
            HttpMethod.OPTIONS.name()));
    c.setAllowedHeaders(
        List.of(
            HttpHeaders.AUTHORIZATION,
            HttpHeaders.RANGE,
            HttpHeaders.IF_RANGE,
            HttpHeaders.IF_MATCH,
            HttpHeaders.IF_NONE_MATCH,
            HttpHeaders.IF_MODIFIED_SINCE,
            HttpHeaders.IF_UNMODIFIED_SINCE,
            HttpHeaders.CONTENT_TYPE,
            HttpHeaders.CONTENT_RANGE,
            "Idempotency-Key"));
    c.setExposedHeaders(
        List.of(
            HttpHeaders.CONTENT_RANGE,
            HttpHeaders.ACCEPT_RANGES,
            HttpHeaders.ETAG,
            HttpHeaders.LAST_MODIFIED,
            OpenApiVocabulary.REVISION,
            HttpHeaders.CONTENT_DISPOSITION,
            HttpHeaders.CONTENT_LENGTH,
            HttpHeaders.LOCATION,
            HttpHeaders.RETRY_AFTER,
            HttpHeaders.WWW_AUTHENTICATE));
    c.setMaxAge(cors.maxAge());
    c.setAllowCredentials(false);
    UrlBasedCorsConfigurationSource api = new UrlBasedCorsConfigurationSource();
    api.registerCorsConfiguration("/v1/**", c);
    return request -> {
      String origin = request.getHeader(HttpHeaders.ORIGIN);
      return origin != null && c.checkOrigin(origin) != null
          ? api.getCorsConfiguration(request)
          : null;
    };
  }
}
