package io.bigfile.web;

import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.RequestContext;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Reads {@code txn} and {@code at} from the query string only. Content endpoints must not call
 * {@code getParameter}: for a form-encoded POST the servlet container would consume the body to
 * look for parameters.
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
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (k.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  static RequestContext context(HttpServletRequest req) {
    return context(get(req, "txn"), get(req, "at"));
  }

  static RequestContext context(String txn, String at) {
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
    return RequestContext.of(txn, rev);
  }
}
