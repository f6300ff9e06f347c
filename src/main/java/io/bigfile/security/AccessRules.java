package io.bigfile.security;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.context.support.WebApplicationContextUtils;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The scope each endpoint needs, as one table: the security chain enforces it ({@link #authorize}),
 * a 403 names the scope that was missing ({@link #required}), and the OpenAPI description lists it
 * per operation ({@link #forOperation}). The first rule that matches a request decides; a request
 * that no rule matches needs {@code files.admin}, so an endpoint added without a rule is closed
 * rather than open ({@code EndpointScopesIT} walks every request mapping against its own table).
 *
 * <p>Open to anyone: the health probes ({@code /actuator/health/**}, which say UP or DOWN and
 * nothing more), the OpenAPI description and its UI, the error dispatch, and every request that
 * reaches a separate management port ({@code management.server.port}: a port that only the cluster
 * reaches, where Prometheus scrapes; the chart keeps it off the Service). CORS preflights never get
 * this far: the CORS filter answers them before authentication.
 */
public final class AccessRules {

  /** The namespace Spring Boot gives the web server of a separate management port. */
  private static final String MANAGEMENT_NAMESPACE = "management";

  /**
   * Requests of {@code method} (any when null) whose path matches {@code pattern} (a Spring {@link
   * PathPattern}) are open to anyone, or need an authenticated principal, or need {@code scope}.
   */
  public record Rule(HttpMethod method, String pattern, Access access, Scope scope) {

    public enum Access {
      OPEN,
      /** Any valid token; the endpoint itself checks what it needs (signed links). */
      AUTHENTICATED,
      SCOPE
    }

    static Rule open(String pattern) {
      return new Rule(null, pattern, Access.OPEN, null);
    }

    static Rule needs(HttpMethod method, String pattern, Scope scope) {
      return new Rule(method, pattern, Access.SCOPE, scope);
    }

    RequestMatcher matcher() {
      PathPatternRequestMatcher.Builder b = PathPatternRequestMatcher.withDefaults();
      return method == null ? b.matcher(pattern) : b.matcher(method, pattern);
    }

    boolean matches(HttpMethod m, PathContainer path) {
      return (method == null || method.equals(m))
          && PathPatternParser.defaultInstance.parse(pattern).matches(path);
    }
  }

  /** What a request that no rule matches needs. */
  public static final Rule OTHERWISE = new Rule(null, "/**", Rule.Access.SCOPE, Scope.ADMIN);

  /** The table, first match wins. */
  public static final List<Rule> RULES =
      List.of(
          Rule.open("/actuator/health/**"),
          Rule.open("/v3/api-docs"),
          Rule.open("/v3/api-docs.yaml"),
          Rule.open("/v3/api-docs/**"),
          Rule.open("/swagger-ui.html"),
          Rule.open("/swagger-ui/**"),
          Rule.open("/error"),
          // reads: file JSON, listings, content and its ranges, data ranges, revisions
          Rule.needs(HttpMethod.GET, "/v1/files/**", Scope.READ),
          Rule.needs(HttpMethod.HEAD, "/v1/files/**", Scope.READ),
          Rule.needs(HttpMethod.OPTIONS, "/v1/files/**", Scope.READ),
          Rule.needs(HttpMethod.DELETE, "/v1/files/*", Scope.DELETE),
          // a signed link grants what its creator holds: the endpoint checks each operation's scope
          new Rule(HttpMethod.POST, "/v1/files/*/links", Rule.Access.AUTHENTICATED, null),
          // changes: create, write, append, patch content, resize, rename, change the format
          Rule.needs(HttpMethod.POST, "/v1/files/**", Scope.WRITE),
          Rule.needs(HttpMethod.PUT, "/v1/files/**", Scope.WRITE),
          Rule.needs(HttpMethod.PATCH, "/v1/files/**", Scope.WRITE),
          // every operation of a transaction, looking one up included
          new Rule(null, "/v1/transactions/**", Rule.Access.SCOPE, Scope.WRITE));

  private AccessRules() {}

  /**
   * Requests that reached the web server of a separate management port ({@code
   * management.server.port}); Spring Boot applies the same security chain there.
   */
  public static final RequestMatcher MANAGEMENT_SERVER =
      request -> {
        WebApplicationContext context =
            WebApplicationContextUtils.getWebApplicationContext(request.getServletContext());
        return context != null
            && WebServerApplicationContext.hasServerNamespace(context, MANAGEMENT_NAMESPACE);
      };

  /** Applies the table to the security chain. */
  public static void authorize(
      AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry
          registry) {
    // the error page of a request that was already let in (or already refused)
    registry.dispatcherTypeMatchers(DispatcherType.ERROR).permitAll();
    registry.requestMatchers(MANAGEMENT_SERVER).permitAll();
    for (Rule rule : RULES) {
      var matched = registry.requestMatchers(rule.matcher());
      switch (rule.access()) {
        case OPEN -> matched.permitAll();
        case AUTHENTICATED -> matched.authenticated();
        case SCOPE -> matched.hasAnyAuthority(rule.scope().grantedBy());
      }
    }
    registry.anyRequest().hasAnyAuthority(OTHERWISE.scope().grantedBy());
  }

  /** The rule that decides a request. */
  public static Rule required(HttpServletRequest request) {
    for (Rule rule : RULES) {
      if (rule.matcher().matches(request)) {
        return rule;
      }
    }
    return OTHERWISE;
  }

  /**
   * The rule that decides an operation of the OpenAPI description: {@code method} on {@code path}
   * with its variables ({@code /v1/files/{id}/content}).
   */
  public static Rule forOperation(HttpMethod method, String path) {
    PathContainer concrete = PathContainer.parsePath(path.replaceAll("\\{[^}/]+}", "x"));
    for (Rule rule : RULES) {
      if (rule.matches(method, concrete)) {
        return rule;
      }
    }
    return OTHERWISE;
  }
}
