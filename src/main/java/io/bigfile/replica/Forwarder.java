package io.bigfile.replica;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Streams a request to another replica and its answer back, as it comes, in bounded memory (one
 * buffer each way): method, target, end-to-end headers and body to the replica; status, headers and
 * body back. The credentials go with the request, for the other replica to check. Hop-by-hop
 * headers (RFC 9110 section 7.6.1) stay on their hop.
 *
 * <p>Thread-safe; one HTTP/1.1 client with its own connection pool serves every forwarded request.
 */
final class Forwarder {

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

  private final HttpClient client;
  private final long self;

  Forwarder(long self, Duration connectTimeout) {
    this.self = self;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
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
    HttpRequest outgoing = outgoing(request, peer);
    HttpResponse<InputStream> answer;
    try {
      answer = client.send(outgoing, HttpResponse.BodyHandlers.ofInputStream());
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw new UnreachableException(e);
    } catch (IOException e) {
      if (e.getCause() instanceof ConnectException c) {
        throw new UnreachableException(c);
      }
      throw new NoAnswerException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NoAnswerException(new IOException("interrupted", e));
    }
    try (InputStream body = answer.body()) {
      response.setStatus(answer.statusCode());
      for (Map.Entry<String, List<String>> h : answer.headers().map().entrySet()) {
        String name = h.getKey();
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("content-length")) {
          response.setContentLengthLong(Long.parseLong(h.getValue().get(0)));
        } else if (!NOT_FORWARDED.contains(lower) && !lower.startsWith(":")) {
          for (String v : h.getValue()) {
            response.addHeader(name, v);
          }
        }
      }
      if (!request.getMethod().equals("HEAD")) {
        OutputStream out = response.getOutputStream();
        byte[] buf = new byte[BUFFER];
        for (int n; (n = body.read(buf)) >= 0; ) {
          out.write(buf, 0, n);
        }
      }
      response.flushBuffer();
    }
  }

  private HttpRequest outgoing(HttpServletRequest request, Peer peer) throws IOException {
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
    HttpRequest.Builder b =
        HttpRequest.newBuilder(target)
            .method(request.getMethod(), body(request))
            .header(FORWARDED_BY, Long.toString(self));
    Set<String> connectionOptions = connectionOptions(request);
    for (String name : Collections.list(request.getHeaderNames())) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (NOT_FORWARDED.contains(lower) || connectionOptions.contains(lower)) {
        continue;
      }
      for (String v : Collections.list(request.getHeaders(name))) {
        b.header(name, v);
      }
    }
    return b.build();
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

  private static HttpRequest.BodyPublisher body(HttpServletRequest request) throws IOException {
    long length = request.getContentLengthLong();
    boolean chunked = request.getHeader("Transfer-Encoding") != null;
    if (length <= 0 && !chunked) {
      return HttpRequest.BodyPublishers.noBody();
    }
    InputStream in = request.getInputStream();
    HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(() -> in);
    return chunked ? stream : HttpRequest.BodyPublishers.fromPublisher(stream, length);
  }
}
