package io.bigfile.web;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
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
 * A failure after the response has started (status and headers sent, such as a read whose database
 * went away in the middle of a body) can no longer become a problem detail: the client has a {@code
 * 200} or {@code 206} and part of the body. RFC 9112 section 6.3: a message whose connection closes
 * before the Content-Length is met is incomplete, and a client must treat it so; so the connection
 * is closed at once, and nothing more is written (a problem body appended to file bytes would look
 * like content). The failure is logged once, here.
 *
 * <p>Two halves: the exception resolver, first of all, marks the request and declares the failure
 * handled (so that no {@code @ExceptionHandler} writes onto the started body and no error page is
 * included); the Tomcat valve around the application then closes the connection without a clean end
 * of the response. Thread-safe: both hold no state.
 */
public final class StartedResponses implements HandlerExceptionResolver, Ordered {

  private static final Logger LOG = LoggerFactory.getLogger(StartedResponses.class);

  /** The request attribute that asks the valve to close the connection: the failure. */
  static final String ABORT = StartedResponses.class.getName() + ".abort";

  @Override
  public ModelAndView resolveException(
      HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
    if (!response.isCommitted()) {
      return null;
    }
    request.setAttribute(ABORT, ex);
    if (clientWentAway(ex)) {
      LOG.debug(
          "{} {}: the client went away: {}", request.getMethod(), request.getRequestURI(), ex);
      return new ModelAndView();
    }
    LOG.warn(
        "{} {} failed after its response had started ({}); the connection is closed so that the"
            + " client sees an incomplete body: {}",
        request.getMethod(),
        request.getRequestURI(),
        response.getStatus(),
        ex.toString());
    return new ModelAndView();
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
      Object failure = request.getAttribute(ABORT);
      if (failure != null) {
        // what Tomcat's own ErrorReportValve does for a committed response that failed
        response.getCoyoteResponse().action(ActionCode.CLOSE_NOW, failure);
      }
    }
  }
}
