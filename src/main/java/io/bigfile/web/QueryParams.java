package io.bigfile.web;

import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.RequestContext;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Reads {@code txn} and {@code at} from the query string only. Content endpoints must not call
 * {@code getParameter}: for a form-encoded POST the servlet container would consume the body to
 * look for parameters.
 *
 * <p>A request's transaction is looked up for the principal that makes it ({@link #owner}): a
 * transaction belongs to the principal that began it, and is unknown (404) to every other.
 */
final class QueryParams {

  private QueryParams() {}

  static String get(HttpServletRequest req, String name) {
    String q = req.getQueryString();
    if (q == null) {
      return null;
    }
    for (String pair : q.split("&")) {
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      if (k.equals(name)) {
        return eq < 0 ? "" : decode(pair.substring(eq + 1));
      }
    }
    return null;
  }

  /**
   * Percent-decodes a query component (RFC 3986 section 2.1). A malformed escape ({@code %zz}, a
   * trailing {@code %}) is the client's error: 400, not the decoder's IllegalArgumentException.
   */
  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("the query string holds a malformed percent-escape");
    }
  }

  static RequestContext context(HttpServletRequest req) {
    return context(get(req, "txn"), get(req, "at"), owner(req));
  }

  /** The context of the request being handled, from {@code txn} and {@code at} bound by Spring. */
  static RequestContext context(String txn, String at) {
    return context(txn, at, owner(currentRequest()));
  }

  /**
   * Who makes the request, as the owner of the transactions it begins and names: the authenticated
   * principal's name (a token's subject), or {@link RequestContext#NO_OWNER} when the request is
   * anonymous ({@code bigfile.security.mode=none}).
   */
  static String owner(HttpServletRequest req) {
    Principal p = req.getUserPrincipal();
    return p == null ? RequestContext.NO_OWNER : p.getName();
  }

  private static HttpServletRequest currentRequest() {
    return ((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes())
        .getRequest();
  }

  private static RequestContext context(String txn, String at, String owner) {
    Long rev = null;
    if (at != null) {
      try {
        rev = Long.parseLong(at);
      } catch (NumberFormatException e) {
        throw new InvalidRequestException("at must be a revision number, not '" + at + "'");
      }
    }
    if (txn != null && txn.isEmpty()) {
      throw new InvalidRequestException("txn must name a transaction");
    }
    return RequestContext.of(txn, owner, rev);
  }
}
