package io.bigfile.security.audit;

import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Writes the audit event of every API request ({@code /v1/...}) that got past authentication, once
 * it is answered: one place for every endpoint, so a new endpoint is audited without a line of its
 * own. It must run after authentication (the principal is read from the security context) and
 * around the dispatcher (it reads what the handler mapping and the response left behind):
 *
 * <ul>
 *   <li>the action is the handler's OpenAPI operation id ({@code writeContent}, {@code
 *       commitTransaction}; {@code headContent} for a HEAD of content), so the audit log and the
 *       API description use one vocabulary;
 *   <li>the file or transaction from the path ({@code {id}}), the query ({@code txn}) or, for a
 *       creation, the response's {@code Location};
 *   <li>the revision from the response's {@code BigFile-Revision};
 *   <li>the range from the request's {@code Content-Range} (writes) or the response's {@code
 *       Content-Range}, else the request's {@code Range} (reads);
 *   <li>the bytes of content: counted as the body is read (writes), or the response's {@code
 *       Content-Length} (reads).
 * </ul>
 *
 * Requests refused before (401, 403, a signed link refused) never get here: the filter that refuses
 * them calls {@link AuditLog#refused}.
 */
public final class AuditFilter extends OncePerRequestFilter {

  /**
   * The order to register it at: after Spring Security's filter chain (-100), so that the request
   * is authenticated, and before everything that dispatches.
   */
  public static final int ORDER = -90;

  /** RFC 9110 section 9.2.1: the methods that only read. */
  private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

  private final AuditLog audit;

  public AuditFilter(AuditLog audit) {
    this.audit = audit;
  }

  /** The request attribute saying that a dispatch handled the request (and audited it). */
  private static final String HANDLED = AuditFilter.class.getName() + ".handled";

  /** The request attribute holding a write's counted body, from its first dispatch. */
  private static final String COUNTED = AuditFilter.class.getName() + ".counted";

  /**
   * A request whose body arrives slowly is handled on an ASYNC dispatch, once the body is in (see
   * {@code ReceivedBodies}): it is audited there, when it has been handled.
   */
  @Override
  protected boolean shouldNotFilterAsyncDispatch() {
    return false;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    return !path.startsWith("/v1/");
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    boolean safe = SAFE.contains(request.getMethod());
    CountingRequest counted;
    if (isAsyncDispatch(request)) {
      // the body was received (and counted) before this dispatch, which handles the request
      counted = (CountingRequest) request.getAttribute(COUNTED);
    } else {
      counted = safe ? null : new CountingRequest(request);
      request.setAttribute(COUNTED, counted);
    }
    boolean failed = true;
    try {
      chain.doFilter(counted == null || isAsyncDispatch(request) ? request : counted, response);
      failed = false;
    } finally {
      // an exception that escapes the dispatcher becomes the container's 500
      int status = failed && !response.isCommitted() ? 500 : response.getStatus();
      if (!failed && request.isAsyncStarted()) {
        // the request is handled on a later dispatch (its body is still arriving): audited then,
        // or, when the body is refused before that (too slow, cut short, too large), at the end
        auditWhenRefusedBeforeHandling(request, response);
        return;
      }
      request.setAttribute(HANDLED, Boolean.TRUE);
      if (audit.audited(safe, status)) {
        audit.completed(
            request, action(request), status, facts(request, response, counted, status));
      }
    }
  }

  /**
   * A request whose body was still arriving when its first dispatch ended: if no later dispatch
   * handled it (its body was refused as it arrived), it is audited as refused when it completes, as
   * the principal its first dispatch had.
   */
  private void auditWhenRefusedBeforeHandling(
      HttpServletRequest request, HttpServletResponse response) {
    Authentication who = SecurityContextHolder.getContext().getAuthentication();
    request
        .getAsyncContext()
        .addListener(
            new AsyncListener() {
              @Override
              public void onComplete(AsyncEvent event) {
                if (request.getAttribute(HANDLED) != null) {
                  return;
                }
                SecurityContext previous = SecurityContextHolder.getContext();
                SecurityContext context = SecurityContextHolder.createEmptyContext();
                context.setAuthentication(who);
                SecurityContextHolder.setContext(context);
                try {
                  int status = response.getStatus();
                  audit.refused(request, status, refusedBody(status));
                } finally {
                  SecurityContextHolder.setContext(previous);
                }
              }

              @Override
              public void onTimeout(AsyncEvent event) {}

              @Override
              public void onError(AsyncEvent event) {}

              @Override
              public void onStartAsync(AsyncEvent event) {}
            });
  }

  private static String refusedBody(int status) {
    return switch (status) {
      case 408 -> "the request body arrived too slowly";
      case 413 -> "the request body is longer than any file may be";
      case 503 -> "there was no room to receive the request body";
      default -> "the request body ended early or was malformed";
    };
  }

  /** The handler's operation id, or the handler method's name, or {@code request}. */
  static String action(HttpServletRequest request) {
    Object handler = request.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE);
    if (!(handler instanceof HandlerMethod m)) {
      return "request";
    }
    Operation op = m.getMethodAnnotation(Operation.class);
    String id =
        op != null && !op.operationId().isEmpty() ? op.operationId() : m.getMethod().getName();
    if ("HEAD".equals(request.getMethod()) && id.startsWith("read")) {
      // the operation id the OpenAPI description gives the HEAD twin of a GET
      return "head" + id.substring(4);
    }
    return id;
  }

  private static Map<String, Object> facts(
      HttpServletRequest request,
      HttpServletResponse response,
      CountingRequest counted,
      int status) {
    Map<String, Object> f = new LinkedHashMap<>();
    String path = request.getRequestURI().substring(request.getContextPath().length());
    boolean transactions = path.startsWith("/v1/transactions");
    @SuppressWarnings("unchecked")
    Map<String, String> vars =
        (Map<String, String>) request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
    String id = vars == null ? null : vars.get("id");
    if (id == null && status == 201) {
      // a creation: the new file or transaction is where Location points
      String location = response.getHeader("Location");
      if (location != null) {
        id = location.substring(location.lastIndexOf('/') + 1);
      }
    }
    if (transactions) {
      put(f, "bigfile.transaction", id);
    } else {
      put(f, "bigfile.file", id);
      put(f, "bigfile.transaction", queryParam(request.getQueryString(), "txn"));
    }
    put(f, "bigfile.revision", revision(response.getHeader("BigFile-Revision")));
    boolean content = path.contains("/content");
    if (content) {
      if (counted != null) {
        put(f, "bigfile.range", request.getHeader("Content-Range"));
        f.put("bigfile.bytes", counted.bytes());
      } else {
        String range = response.getHeader("Content-Range");
        put(f, "bigfile.range", range != null ? range : request.getHeader("Range"));
        if ("GET".equals(request.getMethod()) && (status == 200 || status == 206)) {
          put(f, "bigfile.bytes", longOrNull(response.getHeader("Content-Length")));
        }
      }
    }
    return f;
  }

  private static void put(Map<String, Object> f, String key, Object value) {
    if (value != null) {
      f.put(key, value);
    }
  }

  private static Long revision(String header) {
    return longOrNull(header);
  }

  private static Long longOrNull(String s) {
    if (s == null) {
      return null;
    }
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The first value of a query parameter, decoded; null when absent or undecodable. */
  static String queryParam(String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      try {
        String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        if (k.equals(name)) {
          return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  /** A request whose body is counted as it is read. */
  static final class CountingRequest extends HttpServletRequestWrapper {

    private ServletInputStream in;
    private long bytes;

    CountingRequest(HttpServletRequest request) {
      super(request);
    }

    long bytes() {
      return bytes;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (in == null) {
        ServletInputStream body = super.getInputStream();
        in =
            new ServletInputStream() {
              @Override
              public int read() throws IOException {
                int b = body.read();
                if (b >= 0) {
                  bytes++;
                }
                return b;
              }

              @Override
              public int read(byte[] buf, int off, int len) throws IOException {
                int n = body.read(buf, off, len);
                if (n > 0) {
                  bytes += n;
                }
                return n;
              }

              @Override
              public boolean isFinished() {
                return body.isFinished();
              }

              @Override
              public boolean isReady() {
                return body.isReady();
              }

              @Override
              public void setReadListener(ReadListener listener) {
                body.setReadListener(listener);
              }
            };
      }
      return in;
    }
  }
}
