package io.bigfile.replica;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Streams a request to another replica and its answer back, as it comes, in bounded memory (one
 * buffer each way): method, target, end-to-end headers and body to the replica; status, headers and
 * body back. The credentials go with the request, for the other replica to check. Hop-by-hop
 * headers (RFC 9110 section 7.6.1) stay on their hop.
 *
 * <p>Blocking HTTP/1.1 on the request's own thread, over a pool of kept-alive connections per
 * replica: a forwarded request costs one exchange on a warm connection and no hand-off between
 * threads. Thread-safe.
 */
final class Forwarder implements AutoCloseable {

  /** Marks a forwarded request, with the id of the replica that forwarded it. */
  static final String FORWARDED_BY = "BigFile-Forwarded-By";

  private static final int BUFFER = 64 * 1024;

  /** Never passed on: hop-by-hop, or set by the client library for its own connection. */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length",
          "expect",
          "http2-settings",
          FORWARDED_BY.toLowerCase(Locale.ROOT));

  /** The other replica could not be reached at all: nothing was sent. */
  static final class UnreachableException extends IOException {
    UnreachableException(IOException cause) {
      super(cause.toString(), cause);
    }
  }

  /** The exchange failed before the other replica answered. */
  static final class NoAnswerException extends IOException {
    NoAnswerException(IOException cause) {
      super(cause.toString(), cause);
    }
  }

  private final CloseableHttpClient client;
  private final long self;
  private final Duration connectTimeout;

  Forwarder(long self, Duration connectTimeout) {
    this.self = self;
    this.connectTimeout = connectTimeout;
    PoolingHttpClientConnectionManager connections =
        PoolingHttpClientConnectionManagerBuilder.create()
            .setDefaultConnectionConfig(
                ConnectionConfig.custom()
                    .setConnectTimeout(Timeout.of(connectTimeout))
                    // a forwarded read may stream for as long as its client reads
                    .setSocketTimeout(Timeout.DISABLED)
                    .setTimeToLive(Timeout.ofMinutes(5))
                    // a connection idle for a while is checked before it is used again: its replica
                    // may have stopped meanwhile
                    .setValidateAfterInactivity(TimeValue.ofSeconds(1))
                    .build())
            .setMaxConnTotal(400)
            .setMaxConnPerRoute(200)
            .build();
    this.client =
        HttpClients.custom()
            .setConnectionManager(connections)
            .setDefaultRequestConfig(
                RequestConfig.custom()
                    .setRedirectsEnabled(false)
                    .setConnectionRequestTimeout(Timeout.of(connectTimeout))
                    .build())
            .disableAutomaticRetries()
            .disableContentCompression()
            .disableCookieManagement()
            .disableRedirectHandling()
            .disableAuthCaching()
            .disableDefaultUserAgent()
            .evictIdleConnections(Timeout.ofSeconds(30))
            .build();
  }

  /**
   * Forwards {@code request} to {@code peer} and writes its answer to {@code response}.
   *
   * @throws UnreachableException if no connection could be made (nothing was sent)
   * @throws NoAnswerException if the exchange failed before the answer's status arrived
   * @throws IOException if it failed after the answer started (the response is then committed)
   */
  void forward(HttpServletRequest request, HttpServletResponse response, Peer peer)
      throws IOException {
    BasicClassicHttpRequest outgoing = outgoing(request, peer);
    ClassicHttpResponse answer;
    try {
      answer = client.executeOpen(null, outgoing, null);
    } catch (ConnectException | ConnectTimeoutException e) {
      throw new UnreachableException(e);
    } catch (IOException e) {
      throw new NoAnswerException(e);
    }
    try (answer) {
      response.setStatus(answer.getCode());
      for (Header h : answer.getHeaders()) {
        String lower = h.getName().toLowerCase(Locale.ROOT);
        if (lower.equals("content-length")) {
          response.setContentLengthLong(Long.parseLong(h.getValue().strip()));
        } else if (!NOT_FORWARDED.contains(lower)) {
          response.addHeader(h.getName(), h.getValue());
        }
      }
      HttpEntity entity = answer.getEntity();
      if (entity != null && !request.getMethod().equals("HEAD")) {
        OutputStream out = response.getOutputStream();
        try (InputStream body = entity.getContent()) {
          byte[] buf = new byte[BUFFER];
          for (int n; (n = body.read(buf)) >= 0; ) {
            out.write(buf, 0, n);
          }
        }
      }
      response.flushBuffer();
    }
  }

  private BasicClassicHttpRequest outgoing(HttpServletRequest request, Peer peer)
      throws IOException {
    String query = request.getQueryString();
    URI target;
    try {
      target =
          URI.create(
              "http://"
                  + peer.address()
                  + request.getRequestURI()
                  + (query == null ? "" : "?" + query));
    } catch (IllegalArgumentException e) {
      throw new NoAnswerException(new IOException("the request target cannot be forwarded", e));
    }
    BasicClassicHttpRequest out = new BasicClassicHttpRequest(request.getMethod(), target);
    Set<String> connectionOptions = connectionOptions(request);
    for (String name : Collections.list(request.getHeaderNames())) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (NOT_FORWARDED.contains(lower) || connectionOptions.contains(lower)) {
        continue;
      }
      for (String v : Collections.list(request.getHeaders(name))) {
        out.addHeader(name, v);
      }
    }
    out.addHeader(FORWARDED_BY, Long.toString(self));
    long length = request.getContentLengthLong();
    boolean chunked = request.getHeader("Transfer-Encoding") != null;
    if (length > 0 || chunked) {
      // length -1: sent chunked, as it came
      out.setEntity(new InputStreamEntity(request.getInputStream(), chunked ? -1 : length, null));
    }
    return out;
  }

  /**
   * Whether {@code peer} takes a new connection now: after an exchange that failed on a pooled
   * connection, this tells a stopped replica (it refuses, or does not answer within the connect
   * timeout) from one that failed this request only.
   */
  boolean accepts(Peer peer) {
    URI uri = URI.create("http://" + peer.address());
    try (Socket s = new Socket()) {
      s.connect(
          new InetSocketAddress(uri.getHost(), uri.getPort()), (int) connectTimeout.toMillis());
      return true;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /** The headers the client's {@code Connection} header names: hop-by-hop too. */
  private static Set<String> connectionOptions(HttpServletRequest request) {
    Set<String> names = new TreeSet<>();
    for (String v : Collections.list(request.getHeaders("Connection"))) {
      for (String token : v.split(",")) {
        names.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }

  @Override
  public void close() throws IOException {
    client.close();
  }
}
