package io.bigfile.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 in front of one server, that a test can {@link #cut()} (the listening
 * socket and every proxied connection are closed: new connections are refused, open ones break) and
 * {@link #reopen()} on the same port. Each connection is two daemon threads copying bytes; they end
 * when either side closes.
 */
public final class TcpProxy implements AutoCloseable {

  private final InetSocketAddress target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private ServerSocket server;
  private int port;

  private TcpProxy(InetSocketAddress target) {
    this.target = target;
  }

  /** A proxy to {@code host:port}, listening on a free port of 127.0.0.1. */
  public static TcpProxy to(String host, int port) {
    TcpProxy p = new TcpProxy(new InetSocketAddress(host, port));
    p.listen(0);
    return p;
  }

  /**
   * The same JDBC URL as {@code jdbcUrl} (a single host), pointed at a new proxy to its server.
   * Returns the proxy; {@link #jdbcUrl(String)} gives the rewritten URL.
   */
  public static TcpProxy forJdbcUrl(String jdbcUrl) {
    URI u = URI.create(jdbcUrl.substring("jdbc:".length()));
    return to(u.getHost(), u.getPort() < 0 ? 5432 : u.getPort());
  }

  /** {@code jdbcUrl} with its host and port replaced by this proxy's. */
  public String jdbcUrl(String jdbcUrl) {
    URI u = URI.create(jdbcUrl.substring("jdbc:".length()));
    return "jdbc:"
        + u.getScheme()
        + "://127.0.0.1:"
        + port
        + u.getRawPath()
        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
  }

  public synchronized int port() {
    return port;
  }

  /** Closes the listening socket and every proxied connection. */
  public synchronized void cut() {
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    sockets.forEach(TcpProxy::closeQuietly);
    sockets.clear();
  }

  /** Listens again on the same port after a {@link #cut()}. */
  public synchronized void reopen() {
    if (server != null && !server.isClosed()) {
      throw new IllegalStateException("the proxy is open");
    }
    listen(port);
  }

  @Override
  public void close() {
    cut();
  }

  private synchronized void listen(int onPort) {
    try {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
      server = s;
      port = s.getLocalPort();
      daemon("proxy-accept-" + port, () -> accept(s));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      Socket client;
      try {
        client = s.accept();
      } catch (IOException e) {
        return; // cut
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(target, 5000);
      } catch (IOException e) {
        closeQuietly(client);
        continue;
      }
      sockets.add(client);
      sockets.add(upstream);
      daemon("proxy-up-" + port, () -> pump(client, upstream));
      daemon("proxy-down-" + port, () -> pump(upstream, client));
    }
  }

  private void pump(Socket from, Socket to) {
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      byte[] buf = new byte[16384];
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // either side closed, or the proxy was cut
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      sockets.remove(from);
      sockets.remove(to);
    }
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
