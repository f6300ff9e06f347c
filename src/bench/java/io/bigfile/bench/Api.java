package io.bigfile.bench;

import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bigfile HTTP API as the benchmark's clients use it: {@link Http1Client} over loopback, one
 * keep-alive HTTP/1.1 connection per instance, bodies streamed (uploads generated as they are sent,
 * downloads counted and dropped as they arrive), every request with {@code Authorization: Bearer}
 * when the client has a token. One instance is one client, to be used by one thread at a time;
 * {@link #newClient()} makes another, with its own connection and the same token.
 */
final class Api implements AutoCloseable {

  /** Size of the arrays an upload body is generated in. */
  static final int PIECE = 1 << 20;

  /** A response read whole, its body as text. */
  record Reply(int status, String body) {}

  private final String base;
  private final String token;
  private final Http1Client http;

  /** A client of a server that asks for no credentials (the JDK server of the baselines). */
  Api(String base) {
    this(base, null);
  }

  /** A client that sends {@code token} as a bearer token with every request, unless null. */
  Api(String base, String token) {
    this.base = base;
    this.token = token;
    this.http = new Http1Client(URI.create(base));
  }

  /** Another client of the same server, with its own connection and the same token. */
  Api newClient() {
    return new Api(base, token);
  }

  String base() {
    return base;
  }

  /** A request of {@code pathAndQuery} on this client's server, with the client's token. */
  Http1Client.Request request(String method, String pathAndQuery) {
    Http1Client.Request q = new Http1Client.Request(method, pathAndQuery);
    if (token != null) {
      q.header("Authorization", "Bearer " + token);
    }
    return q;
  }

  /** Creates a file ({@code json} as in {@code POST /v1/files}) and returns its id. */
  String createFile(String json) {
    Reply r =
        send(
            request("POST", "/v1/files")
                .header("Content-Type", "application/json")
                .body(Http1Client.Body.of(json)));
    expect(r, 201, "create file " + json);
    return field(r.body(), "id");
  }

  String begin() {
    Reply r = send(request("POST", "/v1/transactions"));
    expect(r, 201, "begin");
    return field(r.body(), "id");
  }

  void commit(String txn) {
    Reply r = send(request("POST", "/v1/transactions/" + txn + "/commit"));
    expect(r, 200, "commit " + txn);
  }

  /**
   * Writes the pattern's bytes {@code [offset, offset+length)} of {@code seed} at {@code offset} of
   * the file ({@code PUT} with {@code Content-Range}), in {@code txn} or autocommit (null).
   */
  void writeAt(String id, long offset, long length, long seed, String txn) {
    Http1Client.Request q =
        request("PUT", content(id) + (txn == null ? "" : "?txn=" + txn))
            .header("Content-Type", "application/octet-stream")
            .header("Content-Range", "bytes " + offset + "-" + (offset + length - 1) + "/*")
            .body(body(seed, offset, length));
    expect(send(q), 200, "write " + length + " bytes at " + offset);
  }

  /** {@link #writeAt(String, long, long, long, String)} as an autocommit request. */
  void writeAt(String id, long offset, long length, long seed) {
    writeAt(id, offset, length, seed, null);
  }

  /** Replaces the whole content with the pattern's first {@code length} bytes (autocommit PUT). */
  void replace(String id, long length, long seed) {
    Http1Client.Request q =
        request("PUT", content(id))
            .header("Content-Type", "application/octet-stream")
            .body(body(seed, 0, length));
    expect(send(q), 200, "replace with " + length + " bytes");
  }

  /** Appends the pattern's bytes {@code [offset, offset+length)} (autocommit POST). */
  void append(String id, long offset, long length, long seed) {
    Http1Client.Request q =
        request("POST", content(id))
            .header("Content-Type", "application/octet-stream")
            .body(body(seed, offset, length));
    expect(send(q), 200, "append " + length + " bytes");
  }

  /**
   * Truncates or extends the file to {@code size} bytes ({@code PATCH} of its size, autocommit): an
   * extension writes no data, its blocks read as zeros.
   */
  void resize(String id, long size) {
    Reply r =
        send(
            request("PATCH", "/v1/files/" + id)
                .header("Content-Type", "application/json")
                .body(Http1Client.Body.of("{\"size\":" + size + "}")));
    expect(r, 200, "resize to " + size + " bytes");
  }

  /** The pattern's bytes, generated in arrays of {@link #PIECE} bytes as they are sent. */
  private static Http1Client.Body body(long seed, long offset, long length) {
    return Http1Client.Body.of(length, Data.pieces(seed, offset, length, PIECE));
  }

  /**
   * GETs {@code path} (with a {@code Range} header unless null), drops the body as it arrives and
   * returns its length; fails on any status but 200 and 206.
   */
  long read(String path, String range) {
    return http.send(
        get(path, range),
        r -> {
          if (r.status() != 200 && r.status() != 206) {
            throw new IllegalStateException(
                "GET " + path + " answered " + r.status() + ": " + r.string());
          }
          return r.discard();
        });
  }

  /**
   * GETs {@code path} whole and compares it with {@code expected} as it arrives: the offset of the
   * first difference, or -1 if every byte and the length match.
   */
  long compare(String path, byte[] expected) {
    return http.send(
        get(path, null),
        r -> {
          if (r.status() != 200) {
            throw new IllegalStateException("GET " + path + " answered " + r.status());
          }
          byte[] buf = new byte[Http1Client.BUFFER];
          long pos = 0;
          for (int k; (k = r.read(buf, 0, buf.length)) >= 0; ) {
            if (pos + k > expected.length) {
              return (long) expected.length;
            }
            int m = Arrays.mismatch(buf, 0, k, expected, (int) pos, (int) pos + k);
            if (m >= 0) {
              return pos + m;
            }
            pos += k;
          }
          return pos == expected.length ? -1L : pos;
        });
  }

  /**
   * GETs {@code path} whole and returns the SHA-256 of its body, in hex, computed as it arrives;
   * fails on any status but 200.
   */
  String digest(String path) {
    return http.send(
        get(path, null),
        r -> {
          if (r.status() != 200) {
            throw new IllegalStateException("GET " + path + " answered " + r.status());
          }
          MessageDigest sha;
          try {
            sha = MessageDigest.getInstance("SHA-256");
          } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
          }
          byte[] buf = new byte[Http1Client.BUFFER];
          for (int k; (k = r.read(buf, 0, buf.length)) >= 0; ) {
            sha.update(buf, 0, k);
          }
          return HexFormat.of().formatHex(sha.digest());
        });
  }

  /** The file's JSON. */
  String stat(String id) {
    Reply r = send(request("GET", "/v1/files/" + id));
    expect(r, 200, "stat " + id);
    return r.body();
  }

  static long number(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(-?\\d+)").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return Long.parseLong(m.group(1));
  }

  /** GETs a (small) range into memory. */
  byte[] readBytes(String path, String range) {
    return http.send(
        get(path, range),
        r -> {
          if (r.status() != 200 && r.status() != 206) {
            throw new IllegalStateException("GET " + path + " answered " + r.status());
          }
          return r.bytes();
        });
  }

  private Http1Client.Request get(String path, String range) {
    Http1Client.Request q = request("GET", path);
    if (range != null) {
      q.header("Range", range);
    }
    return q;
  }

  static String content(String id) {
    return "/v1/files/" + id + "/content";
  }

  static String range(long offset, long length) {
    return "bytes=" + offset + "-" + (offset + length - 1);
  }

  /** Sends {@code request} and reads the response whole, as text. */
  Reply send(Http1Client.Request request) {
    return http.send(request, r -> new Reply(r.status(), r.string()));
  }

  private static void expect(Reply r, int status, String what) {
    if (r.status() != status) {
      throw new IllegalStateException(
          what + ": expected " + status + ", got " + r.status() + " " + r.body());
    }
  }

  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return m.group(1);
  }

  /** Closes this client's connection (a later request opens another). */
  @Override
  public void close() {
    http.close();
  }
}
