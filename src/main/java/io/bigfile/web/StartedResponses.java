package io.bigfile.web;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.ClientAbortException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * What a failure does to a response, depending on whether it has started.
 *
 * <p>Before the first byte is sent, the failure becomes a clean error response: the body buffered
 * so far, the status and the header fields of the content the response was going to send (the
 * {@code Content-Range} and {@code Content-Length} of a {@code 206}, say) are dropped, and the
 * problem written next is framed by its own length (a read whose database went away after its
 * headers were set, before its first byte).
 *
 * <p>After it has started (status and headers sent, such as a read whose database went away in the
 * middle of a body) the failure can no longer become a problem detail: the client has a {@code 200}
 * or {@code 206} and part of the body. RFC 9112 section 6.3: a message whose connection closes
 * before the Content-Length is met is incomplete, and a client must treat it so; so the connection
 * is closed at once, and nothing more is written (a problem body appended to file bytes would look
 * like content). The failure is logged once, here.
 *
 * <p>Two halves: the exception resolver, first of all, clears a response that has not started and
 * lets the next resolver answer; for one the servlet API calls committed, it marks the request and
 * declares the failure handled (so that no {@code @ExceptionHandler} writes onto the started body).
 * The Tomcat valve around the application then closes the connection without a clean end of the
 * response if bytes went out; if none did (the container suspended the response with an error
 * status, as Tomcat does when it cannot read the request body to the end), it leaves the answer to
 * the container's error page, which is a problem too ({@link ErrorProblems}). Thread-safe: both
 * hold no state.
 */
public final class StartedResponses implements HandlerExceptionResolver, Ordered {

  private static final Logger LOG = LoggerFactory.getLogger(StartedResponses.class);

  /** The request attribute that asks the valve to close the connection: the failure. */
  static final String ABORT = StartedResponses.class.getName() + ".abort";

  @Override
  public ModelAndView resolveException(
      HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
    if (!response.isCommitted()) {
      // not a byte sent yet: the error response that the next resolver writes starts clean
      dropContentHeaders(response);
      return null;
    }
    request.setAttribute(ABORT, ex);
    return new ModelAndView();
  }

  /**
   * The header fields that describe the content a response was going to send (RFC 9110 sections 8
   * and 14.4), such as the {@code Content-Range} and {@code Content-Length} of a {@code 206}.
   */
  private static final Set<String> CONTENT_HEADERS =
      Set.of(
          "content-type",
          "content-length",
          "content-range",
          "content-disposition",
          "content-encoding",
          "content-language",
          "content-location",
          "transfer-encoding");

  /**
   * Makes a response that has not started ready for an error: clears its buffered body, its status
   * and the header fields of the content it was going to send, so that a problem written next does
   * not go out under the headers of a {@code 206} (a read whose database went away after the
   * headers were set, before the first byte). The other header fields stay: the validators and
   * {@code BigFile-Revision} of the file as the request saw it (as on a {@code 412}), {@code
   * X-Content-Type-Options}, and whatever a filter set. Does nothing to a response already started.
   */
  static void dropContentHeaders(HttpServletResponse response) {
    if (response.isCommitted()) {
      return;
    }
    Map<String, List<String>> kept = new LinkedHashMap<>();
    for (String name : response.getHeaderNames()) {
      if (!CONTENT_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        kept.putIfAbsent(name, List.copyOf(response.getHeaders(name)));
      }
    }
    response.reset();
    kept.forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
  }

  /**
   * Whether writing to the client failed because it closed the connection: nothing to report. Not
   * Spring's DisconnectedClientHelper, which also takes any EOFException in the causes for the
   * client's, such as the one the JDBC driver throws when the database connection breaks.
   */
  private static boolean clientWentAway(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof ClientAbortException || t instanceof AsyncRequestNotUsableException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  /** The valve that closes the connection of a request the resolver marked. */
  public static Valve valve() {
    return new AbortValve();
  }

  private static final class AbortValve extends ValveBase {

    AbortValve() {
      super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
      getNext().invoke(request, response);
      if (!(request.getAttribute(ABORT) instanceof Throwable failure)) {
        return;
      }
      if (!response.getCoyoteResponse().isCommitted()) {
        // Nothing went out: the servlet API calls a response committed as soon as the container
        // suspends it with an error status, as Tomcat does (400, or 408 on a timeout) when the
        // request body cannot be read to the end. The container's error page answers it.
        LOG.debug(
            "{} {} failed before its response started: {}",
            request.getMethod(),
            request.getRequestURI(),
            failure.toString());
        return;
      }
      if (clientWentAway(failure)) {
        LOG.debug(
            "{} {}: the client went away: {}",
            request.getMethod(),
            request.getRequestURI(),
            failure.toString());
      } else {
        LOG.warn(
            "{} {} failed after its response had started ({}); the connection is closed so that"
                + " the client sees an incomplete body: {}",
            request.getMethod(),
            request.getRequestURI(),
            response.getStatus(),
            failure.toString());
      }
      // what Tomcat's own ErrorReportValve does for a committed response that failed
      response.getCoyoteResponse().action(ActionCode.CLOSE_NOW, failure);
    }
  }
}
