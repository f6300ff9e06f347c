package io.bigfile.security.audit;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The audit log: one structured event per change (create, write, append, patch, update, delete,
 * begin, commit, abort, link creation) and per refused request (any 4xx, and 401 and 403 from the
 * security filters), and per read when {@code bigfile.security.audit.reads} is true. Events go to
 * the SLF4J logger {@value #LOGGER} at INFO, with their fields as key-value pairs, so structured
 * logging ({@code logging.structured.format.console=ecs}) carries each as a JSON field; the message
 * repeats them as {@code key=value} for plain-text logs.
 *
 * <p>Fields, named after the Elastic Common Schema where it has a name for them: {@code
 * event.action} (the operation id of the OpenAPI description, such as {@code writeContent}, or
 * {@code refused} for a request refused before it reached one), {@code event.outcome} ({@code
 * success} or {@code failure}), {@code event.reason} (a refusal's detail), {@code user.name} (the
 * principal), {@code bigfile.auth} (how it authenticated), {@code http.request.method}, {@code
 * url.path} (never the query, which may carry a link's signature), {@code
 * http.response.status_code}, {@code client.address}, {@code bigfile.file}, {@code
 * bigfile.transaction}, {@code bigfile.revision}, {@code bigfile.range}, {@code bigfile.bytes}.
 * Absent facts are left out.
 *
 * <p>Thread-safe; it holds no state but its setting.
 */
public final class AuditLog {

  /** The logger every audit event goes to. */
  public static final String LOGGER = "bigfile.audit";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  /** The request attribute that holds the fields a controller adds to its request's event. */
  private static final String FIELDS = AuditLog.class.getName() + ".fields";

  /** How frameworks' own authentications are named, by class: JWTs of the resource server. */
  private static final Map<String, String> KNOWN_METHODS =
      Map.of("JwtAuthenticationToken", "oauth2", "BearerTokenAuthentication", "bearer");

  private final boolean reads;

  /**
   * @param reads whether successful reads are audited too ({@code bigfile.security.audit.reads})
   */
  public AuditLog(boolean reads) {
    this.reads = reads;
  }

  public boolean auditsReads() {
    return reads;
  }

  /**
   * Adds a fact only the controller knows (a link's pinned revision, say) to the event of the
   * request it is handling. A null value is ignored.
   */
  public static void annotate(HttpServletRequest request, String key, Object value) {
    if (value == null) {
      return;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = (Map<String, Object>) request.getAttribute(FIELDS);
    if (fields == null) {
      fields = new LinkedHashMap<>();
      request.setAttribute(FIELDS, fields);
    }
    fields.put(key, value);
  }

  /**
   * Records a request that a filter refused before it reached a controller: a signed link that does
   * not allow it, or the security chain's 401 and 403 (its authentication entry point and
   * access-denied handler call this). The principal is the one in the security context, if any.
   *
   * @param attemptedMethod how the request tried to authenticate ({@code signed-link}, {@code
   *     token}, {@code oauth2}, {@code none}), or null to take it from the security context
   */
  public void refused(
      HttpServletRequest request, int status, String detail, String attemptedMethod) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("event.action", "refused");
    f.put("event.outcome", "failure");
    f.put("event.reason", detail);
    principal(f, attemptedMethod, request);
    request(f, request);
    f.put("http.response.status_code", status);
    emit(f);
  }

  /**
   * The same, for a request whose authentication method is read from the security context, or is
   * {@code bearer} when it carried an {@code Authorization} header and {@code none} otherwise.
   */
  public void refused(HttpServletRequest request, int status, String detail) {
    refused(request, status, detail, null);
  }

  /** Whether a request that reached a controller gets an event. */
  boolean audited(boolean safeMethod, int status) {
    return !safeMethod || reads || (status >= 400 && status < 500);
  }

  /**
   * Records a request that reached the service's controllers, with what {@link AuditFilter}
   * gathered.
   */
  void completed(HttpServletRequest request, String action, int status, Map<String, Object> facts) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("event.action", action);
    f.put("event.outcome", status < 400 ? "success" : "failure");
    principal(f, null, request);
    request(f, request);
    f.put("http.response.status_code", status);
    f.putAll(facts);
    @SuppressWarnings("unchecked")
    Map<String, Object> annotated = (Map<String, Object>) request.getAttribute(FIELDS);
    if (annotated != null) {
      f.putAll(annotated);
    }
    emit(f);
  }

  private static void principal(
      Map<String, Object> f, String attemptedMethod, HttpServletRequest request) {
    Authentication a = SecurityContextHolder.getContext().getAuthentication();
    String user = "anonymous";
    String method;
    if (a == null || !a.isAuthenticated()) {
      method = request.getHeader("Authorization") != null ? "bearer" : "none";
    } else if (a instanceof AnonymousAuthenticationToken) {
      // a request let in without authentication: bigfile.security.mode=none
      method = "none";
    } else {
      user = a.getName();
      if (a instanceof AuditedAuthentication x) {
        method = x.authenticationMethod();
        f.putAll(x.auditFields());
      } else if (a.getDetails() instanceof AuditedAuthentication x) {
        method = x.authenticationMethod();
        f.putAll(x.auditFields());
      } else {
        String type = a.getClass().getSimpleName();
        method = KNOWN_METHODS.getOrDefault(type, type);
      }
    }
    f.put("user.name", user);
    f.put("bigfile.auth", attemptedMethod != null ? attemptedMethod : method);
  }

  private static void request(Map<String, Object> f, HttpServletRequest request) {
    f.put("http.request.method", request.getMethod());
    f.put("url.path", request.getRequestURI());
    f.put("client.address", request.getRemoteAddr());
  }

  private static void emit(Map<String, Object> fields) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    StringBuilder message = new StringBuilder();
    LoggingEventBuilder event = LOG.atInfo();
    fields.forEach(
        (k, v) -> {
          event.addKeyValue(k, v);
          if (!message.isEmpty()) {
            message.append(' ');
          }
          message.append(k).append('=').append(quoted(String.valueOf(v)));
        });
    event.setMessage(message.toString()).log();
  }

  /**
   * A value as the plain-text message shows it: quoted when it holds a space or a quote, and never
   * with a control character (a subject with a line break cannot forge a second log line).
   */
  static String quoted(String text) {
    StringBuilder b = new StringBuilder(text.length() + 2);
    boolean quote = text.isEmpty();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == ' ' || c == '"') {
        quote = true;
      }
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return quote ? "\"" + b + "\"" : b.toString();
  }
}
