package io.bigfile.security.links;

import io.bigfile.security.audit.AuditedAuthentication;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Arrays;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A test-only stand-in for bearer-token authentication, which the security filter chain provides in
 * the service: a request with {@code X-Test-Subject} is authenticated as that subject with the
 * scopes of {@code X-Test-Scopes} (space-separated) as {@code SCOPE_} authorities, the way a token
 * would be. A request that carries a signed link does not carry these headers.
 */
@TestConfiguration(proxyBeanMethods = false)
public class HeaderAuthentication {

  public static final String SUBJECT = "X-Test-Subject";
  public static final String SCOPES = "X-Test-Scopes";

  /** The authentication it makes: named {@code test-token} in the audit log. */
  static final class TestToken extends TestingAuthenticationToken implements AuditedAuthentication {

    private static final long serialVersionUID = 1L;

    TestToken(String subject, String[] authorities) {
      super(subject, null, authorities);
      setAuthenticated(true);
    }

    @Override
    public String authenticationMethod() {
      return "test-token";
    }
  }

  @Bean
  FilterRegistrationBean<OncePerRequestFilter> testHeaderAuthentication() {
    OncePerRequestFilter filter =
        new OncePerRequestFilter() {
          @Override
          protected void doFilterInternal(
              HttpServletRequest request, HttpServletResponse response, FilterChain chain)
              throws ServletException, IOException {
            String subject = request.getHeader(SUBJECT);
            if (subject == null) {
              chain.doFilter(request, response);
              return;
            }
            String scopes = request.getHeader(SCOPES);
            String[] authorities =
                scopes == null || scopes.isBlank()
                    ? new String[0]
                    : Arrays.stream(scopes.trim().split(" +"))
                        .map(s -> "SCOPE_" + s)
                        .toArray(String[]::new);
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(new TestToken(subject, authorities));
            SecurityContextHolder.setContext(context);
            try {
              chain.doFilter(request, response);
            } finally {
              SecurityContextHolder.clearContext();
            }
          }
        };
    FilterRegistrationBean<OncePerRequestFilter> registration =
        new FilterRegistrationBean<>(filter);
    // after the signed-link filter and any security filter chain (-100), before the audit
    // filter (-90): a chain that permits all (bigfile.security.mode=none) leaves it the last word
    registration.setOrder(-95);
    return registration;
  }
}
