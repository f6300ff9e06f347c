package io.bigfile.security;

import io.bigfile.security.audit.AuditLog;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * The answers to requests the security chain refuses, as every other error of the service: RFC 9457
 * problem details ({@code application/problem+json}, with {@code type}, {@code title}, {@code
 * status}, {@code detail} and {@code instance}, as the MVC edge writes them), never a stack trace.
 *
 * <ul>
 *   <li>401, no token or a bad one: {@code WWW-Authenticate: Bearer} (RFC 6750 section 3; with
 *       {@code error="invalid_token"} and a description for a bad one), problem type {@link
 *       #UNAUTHENTICATED};
 *   <li>403, a valid token without the scope the request needs: {@code WWW-Authenticate: Bearer
 *       error="insufficient_scope"}, problem type {@link #FORBIDDEN}, and the detail names the
 *       scope.
 * </ul>
 *
 * The headers are written by Spring Security's own {@link BearerTokenAuthenticationEntryPoint} and
 * {@link BearerTokenAccessDeniedHandler}; this class adds the body, and a {@code refused} event in
 * the audit log ({@link AuditLog#refused}): such a request never reaches the filter that audits the
 * others. Thread-safe.
 */
public final class ProblemResponses implements AuthenticationEntryPoint, AccessDeniedHandler {

  /** The problem type of a 401. */
  public static final URI UNAUTHENTICATED =
      URI.create("https://bigfile.io/problems/unauthenticated");

  /** The problem type of a 403. */
  public static final URI FORBIDDEN = URI.create("https://bigfile.io/problems/forbidden");

  private static final String REALM = "bigfile";

  private final BearerTokenAuthenticationEntryPoint entryPoint =
      new BearerTokenAuthenticationEntryPoint();
  private final BearerTokenAccessDeniedHandler deniedHandler = new BearerTokenAccessDeniedHandler();
  private final JsonMapper json;
  private final AuditLog audit;
  private final String bearerMethod;

  /**
   * @param audit where refusals are recorded
   * @param bearerMethod how the audit log names a bearer token that was refused before it said who
   *     sent it: the mode that checks it ({@code token}, {@code oauth2})
   */
  public ProblemResponses(JsonMapper json, AuditLog audit, String bearerMethod) {
    this.json = json;
    this.audit = audit;
    this.bearerMethod = bearerMethod;
    entryPoint.setRealmName(REALM);
    deniedHandler.setRealmName(REALM);
  }

  @Override
  public void commence(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    entryPoint.commence(request, response, e);
    String detail =
        e instanceof OAuth2AuthenticationException
            ? "the bearer token was refused: " + firstLine(e.getMessage())
            : "this request needs a bearer token (Authorization: Bearer <token>)";
    audit.refused(request, HttpStatus.UNAUTHORIZED.value(), detail, attemptedMethod(request));
    write(request, response, HttpStatus.UNAUTHORIZED, UNAUTHENTICATED, detail);
  }

  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    deniedHandler.handle(request, response, e);
    AccessRules.Rule rule = AccessRules.required(request);
    String detail =
        rule.scope() == null
            ? "the token does not allow this request"
            : request.getMethod()
                + " "
                + request.getRequestURI()
                + " needs the scope "
                + rule.scope().scope()
                + (rule.scope() == Scope.ADMIN ? "" : " (or files.admin)")
                + ", which the token does not have";
    // the principal and how it authenticated: the security context's
    audit.refused(request, HttpStatus.FORBIDDEN.value(), detail);
    write(request, response, HttpStatus.FORBIDDEN, FORBIDDEN, detail);
  }

  /** A 401's way of authenticating: a bearer token (of this mode), or none at all. */
  private String attemptedMethod(HttpServletRequest request) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        ? bearerMethod
        : "none";
  }

  /**
   * Writes a problem as the body of {@code response}, whose status it sets; the headers set before
   * stay. For other refusals of the security chain (a signed link that is expired or tampered with,
   * for one).
   */
  public void write(
      HttpServletRequest request,
      HttpServletResponse response,
      HttpStatus status,
      URI type,
      String detail)
      throws IOException {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(type);
    try {
      problem.setInstance(URI.create(request.getRequestURI()));
    } catch (IllegalArgumentException e) {
      // a path the container let through but java.net.URI refuses: the problem goes without it
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", problem.getType().toString());
    body.put("title", problem.getTitle());
    body.put("status", problem.getStatus());
    body.put("detail", problem.getDetail());
    if (problem.getInstance() != null) {
      body.put("instance", problem.getInstance().toString());
    }
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.setCharacterEncoding("UTF-8");
    json.writeValue(response.getOutputStream(), body);
  }

  private static String firstLine(String s) {
    if (s == null || s.isBlank()) {
      return "it is not valid";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
