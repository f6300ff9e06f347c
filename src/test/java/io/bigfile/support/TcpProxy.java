package io.bigfile.support;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on 127.0.0.1 in front of one PostgreSQL server, that a test can {@link #cut()} (the
 * listening socket and every proxied connection are closed: new connections are refused, open ones
 * break), {@link #reopen()} on the same port, {@link #freeze()} (connections stay open and nothing
 * passes: a database that stopped answering) and arm to act on the next COMMIT ({@link
 * #onNextCommit}): cut everything right after the server committed, before its answer reaches the
 * client (the answer is lost, the commit landed), or instead of forwarding the COMMIT (the commit
 * never reaches the server). Each connection is two daemon threads; they end when either side
 * closes.
 *
 * <p>To see the COMMIT, the client-to-server direction is read message by message (PostgreSQL
 * frontend protocol 3.0, chapter 55 of its manual): a simple query {@code COMMIT}, or the Bind of a
 * statement parsed as {@code COMMIT} (pgjdbc prepares it once per connection, then binds it by
 * name). A connection that asks for TLS or GSS encryption is copied blindly and never triggers; the
 * {@link #jdbcUrl} of this proxy disables both.
 */
public final class TcpProxy implements AutoCloseable {

  /** What the proxy does at the next COMMIT any client sends. */
  public enum CommitAction {
    /**
     * Forward the COMMIT; when the server's answer arrives, drop it and cut everything: the commit
     * landed and its client never learns it.
     */
    CUT_AFTER_COMMIT,
    /** Drop the COMMIT and cut everything: the server rolls the transaction back. */
    CUT_BEFORE_COMMIT
  }

  private final InetSocketAddress target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicReference<CommitAction> armed = new AtomicReference<>();
  private volatile boolean frozen;
  private volatile int commitsActedOn;
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

  /**
   * {@code jdbcUrl} with its host and port replaced by this proxy's, and TLS and GSS encryption off
   * (the proxy reads the protocol to find COMMITs; the proxy is on the loopback).
   */
  public String jdbcUrl(String jdbcUrl) {
    URI u = URI.create(jdbcUrl.substring("jdbc:".length()));
    String query = u.getRawQuery() == null ? "" : u.getRawQuery() + "&";
    return "jdbc:"
        + u.getScheme()
        + "://127.0.0.1:"
        + port
        + u.getRawPath()
        + "?"
        + query
        + "sslmode=disable&gssEncMode=disable";
  }

  public synchronized int port() {
    return port;
  }

  /** Whether the proxy takes new connections (it has not been cut, or was reopened since). */
  public synchronized boolean listening() {
    return server != null && !server.isClosed();
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

  /** Listens again on the same port after a {@link #cut()}; nothing is frozen or armed any more. */
  public synchronized void reopen() {
    if (server != null && !server.isClosed()) {
      throw new IllegalStateException("the proxy is open");
    }
    frozen = false;
    armed.set(null);
    listen(port);
  }

  /**
   * From now on no byte passes in either direction, on open connections and new ones alike, until
   * {@link #cut()}: a database that stopped answering without closing anything.
   */
  public void freeze() {
    frozen = true;
  }

  /** Arms the proxy: the next COMMIT any client sends is handled by {@code action}, once. */
  public void onNextCommit(CommitAction action) {
    armed.set(action);
  }

  /** Whether an armed action has not found its COMMIT yet. */
  public boolean armed() {
    return armed.get() != null;
  }

  /** How many COMMITs an armed action has acted on so far. */
  public int commitsActedOn() {
    return commitsActedOn;
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
      Connection c = new Connection(client, upstream);
      daemon("proxy-up-" + port, c::clientToServer);
      daemon("proxy-down-" + port, c::serverToClient);
    }
  }

  /** One proxied connection. */
  private final class Connection {
    private final Socket client;
    private final Socket upstream;

    /** Set before the COMMIT is forwarded: the server's next bytes are its answer, to drop. */
    private volatile boolean dropAnswer;

    /** Statements (by name) parsed as COMMIT on this connection; "" is the unnamed one. */
    private final Set<String> commitStatements = new HashSet<>();

    Connection(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void clientToServer() {
      try (DataInputStream in =
              new DataInputStream(new BufferedInputStream(client.getInputStream()));
          DataOutputStream out =
              new DataOutputStream(new BufferedOutputStream(upstream.getOutputStream()))) {
        if (!startup(in, out)) {
          copy(in, out);
          return;
        }
        while (true) {
          int type = in.read();
          if (type < 0) {
            return;
          }
          int len = in.readInt();
          byte[] body = new byte[len - 4];
          in.readFully(body);
          CommitAction action = isCommit((char) type, body) ? armed.getAndSet(null) : null;
          if (action == CommitAction.CUT_BEFORE_COMMIT) {
            commitsActedOn++;
            cut();
            return;
          }
          if (action == CommitAction.CUT_AFTER_COMMIT) {
            commitsActedOn++;
            dropAnswer = true;
          }
          awaitThaw();
          out.write(type);
          out.writeInt(len);
          out.write(body);
          if (in.available() == 0) {
            out.flush();
          }
        }
      } catch (IOException e) {
        // either side closed, or the proxy was cut
      } finally {
        closeBoth();
      }
    }

    /**
     * Forwards the untyped message that opens a connection; true if it is the StartupMessage of
     * protocol 3.0 (typed messages follow), false for an SSLRequest, a GSSENCRequest or a
     * CancelRequest, after which the connection is copied blindly.
     */
    private boolean startup(DataInputStream in, DataOutputStream out) throws IOException {
      int len = in.readInt();
      byte[] body = new byte[len - 4];
      in.readFully(body);
      out.writeInt(len);
      out.write(body);
      out.flush();
      int code =
          ((body[0] & 0xff) << 24)
              | ((body[1] & 0xff) << 16)
              | ((body[2] & 0xff) << 8)
              | (body[3] & 0xff);
      return code == 196608;
    }

    /** Whether the message executes a COMMIT; remembers statements parsed as one. */
    private boolean isCommit(char type, byte[] body) {
      switch (type) {
        case 'Q':
          return isCommitSql(cstring(body, 0));
        case 'P':
          {
            String name = cstring(body, 0);
            String sql = cstring(body, name.getBytes(StandardCharsets.UTF_8).length + 1);
            if (isCommitSql(sql)) {
              commitStatements.add(name);
            } else {
              commitStatements.remove(name);
            }
            return false;
          }
        case 'B':
          {
            String portal = cstring(body, 0);
            String statement = cstring(body, portal.getBytes(StandardCharsets.UTF_8).length + 1);
            return commitStatements.contains(statement);
          }
        default:
          return false;
      }
    }

    void serverToClient() {
      try (InputStream in = upstream.getInputStream();
          OutputStream out = client.getOutputStream()) {
        byte[] buf = new byte[16384];
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (dropAnswer) {
            cut();
            return;
          }
          awaitThaw();
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // either side closed, or the proxy was cut
      } finally {
        closeBoth();
      }
    }

    private void copy(InputStream in, OutputStream out) throws IOException {
      byte[] buf = new byte[16384];
      for (int n; (n = in.read(buf)) >= 0; ) {
        awaitThaw();
        out.write(buf, 0, n);
        out.flush();
      }
    }

    /** While frozen, holds the bytes back (bounded: a cut ends the wait). */
    private void awaitThaw() throws IOException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (frozen) {
        if (client.isClosed() || upstream.isClosed() || System.nanoTime() - deadline > 0) {
          throw new EOFException("cut while frozen");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }

    private void closeBoth() {
      closeQuietly(client);
      closeQuietly(upstream);
      sockets.remove(client);
      sockets.remove(upstream);
    }
  }

  private static boolean isCommitSql(String sql) {
    String s = sql.strip().toUpperCase(Locale.ROOT);
    return s.equals("COMMIT") || s.equals("COMMIT;") || s.equals("END") || s.equals("END;");
  }

  /** The NUL-terminated string at {@code from}. */
  private static String cstring(byte[] b, int from) {
    int end = from;
    while (end < b.length && b[end] != 0) {
      end++;
    }
    return new String(b, from, Math.max(0, end - from), StandardCharsets.UTF_8);
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
