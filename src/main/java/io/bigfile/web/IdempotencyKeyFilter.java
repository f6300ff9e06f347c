package io.bigfile.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request that carries an {@code Idempotency-Key} its {@link RequestFingerprint}: the
 * request's body, however the handler reads it (streamed, or bound from JSON before the handler
 * runs), is digested on the way. Requests without the header pass untouched.
 *
 * <p>It comes after {@link ReceivedBodies}, on the dispatch that handles the request: a body that
 * arrives slowly is received first, without a thread, and digested when it is read from where it
 * was kept; so this filter also runs on an ASYNC dispatch (once per request all the same: only the
 * dispatch that handles the request gets this far).
 */
public final class IdempotencyKeyFilter extends OncePerRequestFilter {

  @Override
  protected boolean shouldNotFilterAsyncDispatch() {
    return false;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return request.getHeader(IdempotencyKeyHeader.NAME) == null;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    RequestFingerprint fingerprint = new RequestFingerprint(request);
    HttpServletRequest digested =
        new HttpServletRequestWrapper(request) {
          @Override
          public ServletInputStream getInputStream() throws IOException {
            return fingerprint.body(super.getInputStream());
          }

          @Override
          public BufferedReader getReader() throws IOException {
            String enc = getCharacterEncoding();
            Charset cs = enc == null ? StandardCharsets.ISO_8859_1 : Charset.forName(enc);
            return new BufferedReader(new InputStreamReader(getInputStream(), cs));
          }
        };
    digested.setAttribute(IdempotencyKeyHeader.FINGERPRINT, fingerprint);
    chain.doFilter(digested, response);
  }
}
