package io.bigfile.web;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.List;

/**
 * The fingerprint of a request sent with an {@code Idempotency-Key}: what makes two requests the
 * same request (draft-ietf-httpapi-idempotency-key-header section 2.4 leaves it to the resource).
 * It is the SHA-256 of the method, the target (path and query, as sent), the header fields that
 * change what a write does ({@link #HEADERS}) and the SHA-256 of the body. Header fields that do
 * not ({@code User-Agent}, {@code Date}, tracing, {@code Authorization}: the principal scopes the
 * key instead) are left out, so a client's retry matches however its library decorates it.
 *
 * <p>The body is digested as it is read ({@link #body}), so a streamed body of any size costs no
 * memory; {@link #get} reads whatever is left of it first. Not thread-safe: one request's thread
 * uses it.
 */
final class RequestFingerprint {

  /** The header fields that are part of the request, in the order they are digested. */
  static final List<String> HEADERS =
      List.of(
          "Content-Type",
          "Content-Range",
          "Content-Encoding",
          "If-Match",
          "If-None-Match",
          "If-Unmodified-Since",
          "If-Modified-Since");

  private final HttpServletRequest request;
  private final byte[] head;
  private final MessageDigest body = sha256();
  private DigestingStream stream;
  private byte[] value;

  RequestFingerprint(HttpServletRequest request) {
    this.request = request;
    MessageDigest d = sha256();
    field(d, request.getMethod());
    field(d, request.getRequestURI());
    field(d, request.getQueryString());
    for (String name : HEADERS) {
      List<String> values = Collections.list(request.getHeaders(name));
      field(d, values.isEmpty() ? null : String.join(", ", values));
    }
    this.head = d.digest();
  }

  /** The request's body as it is read, digested on the way. */
  ServletInputStream body(ServletInputStream in) {
    if (stream == null) {
      stream = new DigestingStream(in, body);
    }
    return stream;
  }

  /**
   * The fingerprint, once the whole body has been read: whatever is left of it is read (and
   * discarded) first.
   *
   * @throws UncheckedIOException if the rest of the body cannot be read
   */
  byte[] get() {
    if (value == null) {
      try {
        InputStream rest = stream != null ? stream : body(request.getInputStream());
        rest.transferTo(OutputStreamSink.INSTANCE);
      } catch (IOException e) {
        throw new UncheckedIOException("could not read the request body", e);
      }
      MessageDigest d = sha256();
      d.update(head);
      d.update(body.digest());
      value = d.digest();
    }
    return value.clone();
  }

  /** A field, length-prefixed so that no two lists of fields digest the same; null is -1. */
  private static void field(MessageDigest d, String value) {
    if (value == null) {
      d.update(ByteBuffer.allocate(4).putInt(-1).array());
      return;
    }
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    d.update(ByteBuffer.allocate(4).putInt(b.length).array());
    d.update(b);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Discards what is written to it. */
  private static final class OutputStreamSink extends java.io.OutputStream {
    static final OutputStreamSink INSTANCE = new OutputStreamSink();

    @Override
    public void write(int b) {
      // discarded
    }

    @Override
    public void write(byte[] b, int off, int len) {
      // discarded
    }
  }

  /** The servlet's input stream, every byte read also going into the digest. */
  private static final class DigestingStream extends ServletInputStream {
    private final ServletInputStream in;
    private final MessageDigest digest;

    DigestingStream(ServletInputStream in, MessageDigest digest) {
      this.in = in;
      this.digest = digest;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        digest.update((byte) b);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        digest.update(b, off, n);
      }
      return n;
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
