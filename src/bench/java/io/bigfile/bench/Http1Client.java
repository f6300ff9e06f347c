package io.bigfile.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark's load generator: a minimal HTTP/1.1 client over one plain {@link Socket}, so that
 * the client's own cost per request and per byte stays small next to the servers it measures.
 *
 * <p>One persistent connection ({@code TCP_NODELAY}, keep-alive), opened on first use and opened
 * again when the server has closed it: after a response with {@code Connection: close} (or one
 * delimited by the end of the connection), or, transparently, when a reused connection turns out to
 * be closed before any byte of the response arrived (the request is then sent once more on a new
 * connection). A request has a method, a target (path and query), header lines and an optional body
 * of known length ({@code Content-Length}), written as it is sent: generated bodies are streamed
 * piece by piece, never held whole. A response is read through a 64 KiB {@link
 * BufferedInputStream}: status line, headers (names case-insensitive), and a body delimited by
 * {@code Content-Length}, by {@code Transfer-Encoding: chunked} or by the end of the connection
 * (none for {@code HEAD}, 1xx, 204 and 304). The caller's {@link Handler} reads the body: counted
 * and dropped into one reused 64 KiB array ({@link Response#discard()}), read into an array, or
 * read piece by piece.
 *
 * <p>Exchanges on one client are serialized; a concurrent load uses one client per thread. No read
 * timeout unless a request sets one.
 */
final class Http1Client implements AutoCloseable {

  /** Size of the input buffer, of the output buffer and of the array bodies are dropped into. */
  static final int BUFFER = 64 * 1024;

  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final int MAX_LINE = 64 * 1024;

  private final InetSocketAddress address;
  private final String hostHeader;
  private final byte[] scratch = new byte[BUFFER];
  private Socket socket;
  private Input in;
  private OutputStream out;
  private boolean responseStarted;

  /** A client of the server at {@code base} ({@code http://host:port}); connects on first use. */
  Http1Client(URI base) {
    if (!"http".equals(base.getScheme()) || base.getHost() == null) {
      throw new IllegalArgumentException("not an http://host:port address: " + base);
    }
    int port = base.getPort() < 0 ? 80 : base.getPort();
    this.address = new InetSocketAddress(base.getHost(), port);
    this.hostHeader = base.getHost() + ":" + port;
  }

  /** What an exchange does with its response: reads the body (or part of it) into a value. */
  @FunctionalInterface
  interface Handler<T> {
    T handle(Response response) throws IOException;
  }

  /**
   * A request body of known length, written while the request is sent (once more if the request is
   * sent again on a new connection).
   */
  interface Body {
    long length();

    void writeTo(OutputStream out) throws IOException;

    /** The text, in UTF-8. */
    static Body of(String text) {
      return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code length} bytes made of {@code pieces}, each written as it is produced (the sequence
     * must be repeatable and add up to exactly {@code length} bytes).
     */
    static Body of(long length, Iterable<byte[]> pieces) {
      return new Pieces(length, pieces);
    }
  }

  private record Bytes(byte[] bytes) implements Body {
    @Override
    public long length() {
      return bytes.length;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      out.write(bytes);
    }
  }

  private record Pieces(long length, Iterable<byte[]> pieces) implements Body {
    @Override
    public void writeTo(OutputStream out) throws IOException {
      long n = 0;
      for (byte[] piece : pieces) {
        n += piece.length;
        if (n > length) {
          break;
        }
        out.write(piece);
      }
      if (n != length) {
        // a wrong Content-Length would leave the connection out of step with the server
        throw new IllegalStateException("the body's pieces do not add up to " + length + " bytes");
      }
    }
  }

  /** One request, built like {@code java.net.http.HttpRequest.Builder}. */
  static final class Request {
    private final String method;
    private final String target;
    private final StringBuilder headers = new StringBuilder();
    private Body body;
    private int timeoutMillis;

    /** {@code method} (e.g. {@code GET}) of {@code target} (the path and query). */
    Request(String method, String target) {
      this.method = method;
      this.target = target;
    }

    Request header(String name, String value) {
      headers.append(name).append(": ").append(value).append("\r\n");
      return this;
    }

    Request body(Body body) {
      this.body = body;
      return this;
    }

    /** The longest wait for the server's bytes during this exchange (none by default). */
    Request timeout(Duration timeout) {
      this.timeoutMillis = Math.toIntExact(Math.max(1, timeout.toMillis()));
      return this;
    }

    @Override
    public String toString() {
      return method + " " + target;
    }
  }

  /**
   * Sends {@code request}, reads the response's head and hands it to {@code handler}, whose value
   * it returns. A body the handler left unread is skipped (up to 64 KiB, or else the connection is
   * closed). A failure of the connection throws {@link UncheckedIOException}; after any failure, of
   * the connection or of the handler, the connection is closed.
   */
  synchronized <T> T send(Request request, Handler<T> handler) {
    boolean clean = false;
    try {
      Response response = transmit(request);
      T value = handler.handle(response);
      clean = response.skipRest() && !response.close;
      return value;
    } catch (IOException e) {
      throw new UncheckedIOException(request + ": " + e, e);
    } finally {
      if (!clean) {
        disconnect();
      }
    }
  }

  /** Writes the request and reads the response's head, on a new connection if need be. */
  private Response transmit(Request request) throws IOException {
    boolean reused = socket != null;
    if (!reused) {
      connect();
    }
    try {
      return attempt(request);
    } catch (IOException e) {
      // only a connection the server had already closed, not a slow or failing server
      if (!reused || responseStarted || e instanceof SocketTimeoutException) {
        throw e;
      }
      disconnect();
      connect();
      return attempt(request);
    }
  }

  private Response attempt(Request request) throws IOException {
    responseStarted = false;
    socket.setSoTimeout(request.timeoutMillis);
    try {
      writeRequest(request);
    } catch (IOException e) {
      // the server may have answered before reading the whole body (an error), then closed
      try {
        return readResponse(request, true);
      } catch (IOException | RuntimeException again) {
        e.addSuppressed(again);
        throw e;
      }
    }
    return readResponse(request, false);
  }

  private void writeRequest(Request request) throws IOException {
    StringBuilder head = new StringBuilder(128 + request.headers.length());
    head.append(request.method)
        .append(' ')
        .append(request.target)
        .append(" HTTP/1.1\r\nHost: ")
        .append(hostHeader)
        .append("\r\n")
        .append(request.headers);
    if (request.body != null) {
      head.append("Content-Length: ").append(request.body.length()).append("\r\n");
    } else if (hasBody(request.method)) {
      head.append("Content-Length: 0\r\n");
    }
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (request.body != null) {
      request.body.writeTo(out);
    }
    out.flush();
  }

  private static boolean hasBody(String method) {
    return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
  }

  private Response readResponse(Request request, boolean unsent) throws IOException {
    while (true) {
      if (in.peek() < 0) {
        throw new EOFException("the server closed the connection without answering");
      }
      responseStarted = true;
      String status = in.line();
      if (!status.startsWith("HTTP/1.") || status.length() < 12 || status.charAt(8) != ' ') {
        throw new IOException("not an HTTP/1.x status line: " + status);
      }
      int code;
      try {
        code = Integer.parseInt(status, 9, 12, 10);
      } catch (NumberFormatException e) {
        throw new IOException("not an HTTP/1.x status line: " + status, e);
      }
      Map<String, String> headers = new HashMap<>();
      for (String line; !(line = in.line()).isEmpty(); ) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
          throw new IOException("malformed header line: " + line);
        }
        headers.merge(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim(),
            (a, b) -> a + ", " + b);
      }
      if (code >= 100 && code < 200) {
        continue; // an interim answer (100 Continue, 103 Early Hints): the real one follows
      }
      boolean http10 = status.charAt(7) == '0';
      return new Response(request.method, code, headers, http10, unsent);
    }
  }

  private void connect() throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(address, CONNECT_TIMEOUT_MILLIS);
      in = new Input(s.getInputStream());
      out = new BufferedOutputStream(s.getOutputStream(), BUFFER);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    socket = s;
  }

  private void disconnect() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // nothing more to do with it
      }
      socket = null;
      in = null;
      out = null;
    }
  }

  @Override
  public synchronized void close() {
    disconnect();
  }

  /**
   * A response whose head has been read: status, headers, and the body, which is read from the
   * connection as the handler asks for it.
   */
  final class Response {
    private final int status;
    private final Map<String, String> headers;
    private final boolean chunked;
    private final boolean untilClose;
    private final boolean close;
    private long remaining; // of the body, or of the current chunk
    private boolean firstChunk = true;
    private boolean done;

    private Response(
        String method, int status, Map<String, String> headers, boolean http10, boolean unsent)
        throws IOException {
      this.status = status;
      this.headers = headers;
      String encoding = header("Transfer-Encoding");
      String length = header("Content-Length");
      String connection = header("Connection");
      boolean none = method.equals("HEAD") || status == 204 || status == 304;
      chunked = !none && encoding != null && lastToken(encoding).equals("chunked");
      untilClose = !none && !chunked && (encoding != null || length == null);
      if (!none && !chunked && !untilClose) {
        try {
          remaining = Long.parseLong(length);
        } catch (NumberFormatException e) {
          throw new IOException("bad Content-Length: " + length, e);
        }
        if (remaining < 0) {
          throw new IOException("bad Content-Length: " + length);
        }
      }
      done = none || (!chunked && !untilClose && remaining == 0);
      close =
          unsent
              || untilClose
              || (connection != null && hasToken(connection, "close"))
              || (http10 && (connection == null || !hasToken(connection, "keep-alive")));
    }

    int status() {
      return status;
    }

    /** The header's value (several joined by ", "), or null; the name is case-insensitive. */
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /**
     * Reads up to {@code len} bytes of the body into {@code b}; -1 at its end. Reading at least 64
     * KiB into an array while the input buffer is empty goes from the socket straight into it.
     */
    int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      if (untilClose) {
        int n = in.read(b, off, len);
        if (n < 0) {
          done = true;
        }
        return n;
      }
      if (chunked && remaining == 0 && !nextChunk()) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw new EOFException(
            "the server closed the connection with " + remaining + " bytes of the body to come");
      }
      remaining -= n;
      if (remaining == 0 && !chunked) {
        done = true;
      }
      return n;
    }

    /** Reads the body to its end into one reused 64 KiB array and returns its length. */
    long discard() throws IOException {
      long n = 0;
      for (int k; (k = read(scratch, 0, scratch.length)) >= 0; ) {
        n += k;
      }
      return n;
    }

    /** The whole body in a new array. */
    byte[] bytes() throws IOException {
      if (!chunked && !untilClose) {
        if (remaining > Integer.MAX_VALUE - 16) {
          throw new IOException("a body of " + remaining + " bytes does not fit in an array");
        }
        byte[] b = new byte[(int) remaining];
        for (int off = 0; off < b.length; ) {
          off += read(b, off, b.length - off);
        }
        return b;
      }
      ByteArrayOutputStream whole = new ByteArrayOutputStream();
      for (int k; (k = read(scratch, 0, scratch.length)) >= 0; ) {
        whole.write(scratch, 0, k);
      }
      return whole.toByteArray();
    }

    /** The whole body as UTF-8 text. */
    String string() throws IOException {
      return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** Reads what is left of a short body; false if more than 64 KiB is left (or unknown). */
    private boolean skipRest() {
      try {
        long skipped = 0;
        for (int k; skipped <= BUFFER && (k = read(scratch, 0, scratch.length)) >= 0; ) {
          skipped += k;
        }
        return done;
      } catch (IOException e) {
        return false;
      }
    }

    /** Reads the next chunk's size line (after the previous chunk's CRLF); false at the last. */
    private boolean nextChunk() throws IOException {
      if (!firstChunk && !in.line().isEmpty()) {
        throw new IOException("a chunk is not followed by CRLF");
      }
      firstChunk = false;
      String line = in.line();
      int semicolon = line.indexOf(';');
      String hex = (semicolon < 0 ? line : line.substring(0, semicolon)).trim();
      try {
        remaining = Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        throw new IOException("bad chunk size line: " + line, e);
      }
      if (remaining < 0) {
        throw new IOException("bad chunk size line: " + line);
      }
      if (remaining == 0) {
        while (!in.line().isEmpty()) {
          // a trailer field, ignored
        }
        done = true;
        return false;
      }
      return true;
    }
  }

  private static String lastToken(String list) {
    return list.substring(list.lastIndexOf(',') + 1).trim().toLowerCase(Locale.ROOT);
  }

  private static boolean hasToken(String list, String token) {
    for (String t : list.split(",")) {
      if (t.trim().equalsIgnoreCase(token)) {
        return true;
      }
    }
    return false;
  }

  /** The connection's input, buffered, with the head's lines read in place from the buffer. */
  private static final class Input extends BufferedInputStream {

    Input(InputStream in) {
      super(in, BUFFER);
    }

    /** The next byte, left in the buffer; -1 at the end of the stream. */
    synchronized int peek() throws IOException {
      int c = read();
      if (c >= 0) {
        pos--;
      }
      return c;
    }

    /** The next line, without its CRLF (or LF), as ISO-8859-1 text. */
    synchronized String line() throws IOException {
      StringBuilder longer = null;
      while (true) {
        if (peek() < 0) {
          throw new EOFException("the server closed the connection in the middle of a response");
        }
        byte[] b = buf;
        int end = pos;
        while (end < count && b[end] != '\n') {
          end++;
        }
        int n = end - pos;
        if ((longer == null ? 0 : longer.length()) + n > MAX_LINE) {
          throw new IOException("a line of the response head is longer than " + MAX_LINE);
        }
        if (end == count) {
          longer = longer == null ? new StringBuilder() : longer;
          longer.append(new String(b, pos, n, StandardCharsets.ISO_8859_1));
          pos = end;
          continue;
        }
        String part = new String(b, pos, n, StandardCharsets.ISO_8859_1);
        pos = end + 1;
        String line = longer == null ? part : longer.append(part).toString();
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
      }
    }
  }
}
