package io.bigfile.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.Host;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 9457 problems for the errors no controller answers, so that every error the service sends is
 * {@code application/problem+json}, whichever layer refuses the request:
 *
 * <ul>
 *   <li>the web server (Tomcat) refuses some requests before any servlet runs, and renders them
 *       with the error report valve of its host: a target that decodes to {@code /} ({@code %2F}),
 *       {@code \} ({@code %5C}) or NUL ({@code %00}) or to bytes that are not UTF-8, a path above
 *       the root, a request line or header section over {@code server.max-http-request-header-size}
 *       (8 KB), a malformed header field, a malformed or repeated {@code Content-Length}, a
 *       transfer coding other than chunked (501), an HTTP version other than 1.x (505). {@link
 *       #replaceErrorReportValve} puts a valve that writes problems in place of Tomcat's HTML one;
 *   <li>the servlet container sends others through the error page, {@code /error}, which {@link
 *       ErrorProblemController} answers: {@code TRACE} (405, RFC 9110 section 9.3.8; the connector
 *       refuses it), a request body that ends before its {@code Content-Length} (400), an exception
 *       no handler took (500).
 * </ul>
 *
 * <p>The {@code detail} is chosen here from the status and the kind of failure; the container's own
 * message and exception are never echoed, as they name classes and internals. Thread-safe: no
 * state.
 */
public final class ErrorProblems {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ErrorProblems() {}

  /**
   * The problem for {@code status}.
   *
   * @param badTarget whether the container refused the request target (its path)
   * @param failure the exception behind the status, or null: its kind chooses the detail, its text
   *     is never quoted
   */
  static Map<String, Object> problem(int status, boolean badTarget, Throwable failure) {
    HttpStatus known = HttpStatus.resolve(status);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("title", known == null ? "Error" : known.getReasonPhrase());
    p.put("status", status);
    p.put("detail", detail(status, badTarget, failure));
    return p;
  }

  private static String detail(int status, boolean badTarget, Throwable failure) {
    return switch (status) {
      case 400 -> badRequest(badTarget, failure);
      case 404 -> "there is no resource at this path";
      case 405 ->
          "the method is not allowed on this resource (TRACE never is); Allow lists the methods it"
              + " takes";
      case 408 -> "the request was not received in time";
      case 413 -> "the request is larger than the service accepts";
      case 414 -> "the request target is longer than the service accepts";
      case 431 -> "the request's header fields are larger than the service accepts";
      case 501 ->
          "the request uses a feature the service does not implement: Transfer-Encoding takes"
              + " chunked only";
      case 503 -> "the service is not available at the moment; retry later";
      case 505 -> "the service speaks HTTP/1.1 (and HTTP/1.0) only";
      default ->
          status >= 500
              ? "the service failed to answer the request; the failure is logged"
              : "the request was refused with status " + status;
    };
  }

  /** RFC 9112 and RFC 3986 say what a well-formed request is; say which part broke the rules. */
  private static String badRequest(boolean badTarget, Throwable failure) {
    if (badTarget) {
      return "the request target is not a valid path: it may not hold a percent-encoded '/'"
          + " (%2F), '\\' (%5C) or NUL (%00), bytes that are not UTF-8 once decoded, or '..'"
          + " above the root; a file id never holds any of them";
    }
    if (bodyReadFailed(failure)) {
      return "the request body could not be read to the end: it ended before its Content-Length"
          + " (or its chunked coding is malformed)";
    }
    return "the request is not well-formed HTTP/1.1 (RFC 9112): the request line and the header"
        + " section are each limited to 8 KB and 100 header fields, a header field holds no"
        + " control characters, Content-Length is one decimal number, and HTTP/1.1 needs Host";
  }

  /**
   * Whether reading the request body failed: Tomcat reports the end of the stream or a malformed
   * chunk as an IOException (wrapped in a ClientAbortException for the application).
   */
  private static boolean bodyReadFailed(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the web server refused the request's target: it says "Invalid URI" when the path
   * decodes to '/', '\', NUL or climbs above the root, and nothing when the bytes it decodes to are
   * not UTF-8, so the raw target is checked as RFC 3986 and UTF-8 demand.
   *
   * @param containerMessage the message the container gave with the status, or null; never quoted
   * @param rawTarget the request target as received (percent-escapes undecoded), or null
   */
  static boolean badTarget(String containerMessage, String rawTarget) {
    if (containerMessage != null && containerMessage.startsWith("Invalid URI")) {
      return true;
    }
    if (rawTarget == null || rawTarget.indexOf('%') < 0) {
      return false;
    }
    try {
      // decode() keeps '+' and throws on a malformed escape; the bytes must be UTF-8
      byte[] bytes =
          java.net.URLDecoder.decode(rawTarget.replace("+", "%2B"), StandardCharsets.ISO_8859_1)
              .getBytes(StandardCharsets.ISO_8859_1);
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return false;
    } catch (IllegalArgumentException | CharacterCodingException e) {
      return true;
    }
  }

  /** The problem's JSON. */
  static byte[] json(Map<String, Object> problem) {
    return JSON.writeValueAsString(problem).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes {@code problem} as the whole body of {@code resp} (whose status is set), with an exact
   * {@code Content-Length}.
   */
  static void write(HttpServletResponse resp, Map<String, Object> problem) throws IOException {
    byte[] body = json(problem);
    resp.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }

  /**
   * Makes {@code host} render errors as problems: replaces every other error report valve of its
   * pipeline (Spring Boot adds Tomcat's own, which writes HTML) with a {@link ProblemReportValve},
   * and names that class as the host's error report valve, so that Tomcat adds none of its own when
   * the host starts. Called as the host starts, after every customizer has run.
   */
  static void replaceErrorReportValve(Host host) {
    Pipeline pipeline = host.getPipeline();
    boolean present = false;
    for (Valve v : pipeline.getValves()) {
      if (v instanceof ProblemReportValve) {
        present = true;
      } else if (v instanceof ErrorReportValve) {
        pipeline.removeValve(v);
      }
    }
    if (!present) {
      pipeline.addValve(new ProblemReportValve());
    }
    if (host instanceof StandardHost standard) {
      standard.setErrorReportValveClass(ProblemReportValve.class.getName());
    }
  }

  /** Replaces the host's error report valve just before it starts (see above). */
  public static void replaceErrorReportValveOnStart(Host host) {
    host.addLifecycleListener(
        event -> {
          if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
            replaceErrorReportValve(host);
          }
        });
  }

  /**
   * Tomcat's error report valve, writing a problem instead of an HTML page: for a response in error
   * (a status of 400 or more set by the container, or by {@code sendError} with no error page to
   * forward to) with nothing written yet. A response already started is left to Tomcat, which
   * closes the connection.
   */
  public static final class ProblemReportValve extends ErrorReportValve {

    public ProblemReportValve() {
      setShowReport(false);
      setShowServerInfo(false);
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
      int status = response.getStatus();
      if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
        return;
      }
      AtomicBoolean ioAllowed = new AtomicBoolean(true);
      response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
      if (!ioAllowed.get()) {
        return;
      }
      byte[] body =
          json(
              problem(
                  status, badTarget(response.getMessage(), request.getRequestURI()), throwable));
      try {
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.finishResponse();
      } catch (IOException | IllegalStateException e) {
        // the client went away, or the application took the writer: nothing more to do
      }
    }
  }
}
