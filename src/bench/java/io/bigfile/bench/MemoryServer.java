package io.bigfile.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The warm baseline: a plain JDK {@link HttpServer} serving one byte array from memory at {@code
 * /data}, whole ({@code 200}) or one {@code Range: bytes=a-b} ({@code 206}), with a pool of 16
 * threads and {@code TCP_NODELAY} (as Tomcat sets it; {@code sun.net.httpserver.nodelay} is set by
 * {@link Bench} before the server class loads).
 */
final class MemoryServer implements AutoCloseable {

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

  private final HttpServer server;
  private final ExecutorService pool;
  private final byte[] data;

  MemoryServer(byte[] data) {
    this.data = data;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    pool = Executors.newFixedThreadPool(16);
    server.setExecutor(pool);
    server.createContext("/data", this::serve);
    server.start();
  }

  String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void serve(HttpExchange ex) throws IOException {
    try {
      ex.getRequestBody().readAllBytes();
      String range = ex.getRequestHeaders().getFirst("Range");
      int from = 0;
      int len = data.length;
      int status = 200;
      if (range != null) {
        Matcher m = RANGE.matcher(range);
        if (m.matches()) {
          from = Integer.parseInt(m.group(1));
          int to = Math.min(data.length - 1, Integer.parseInt(m.group(2)));
          len = to - from + 1;
          status = 206;
          ex.getResponseHeaders()
              .set("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
        }
      }
      ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
      ex.sendResponseHeaders(status, len);
      OutputStream out = ex.getResponseBody();
      for (int off = from, end = from + len; off < end; ) {
        int n = Math.min(1 << 20, end - off);
        out.write(data, off, n);
        off += n;
      }
    } finally {
      ex.close();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
