package io.bigfile.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bigfile HTTP API as the benchmark's clients use it: {@link HttpClient} over loopback,
 * HTTP/1.1, bodies streamed (uploads generated as they are sent, downloads counted and dropped as
 * they arrive). One instance is one client with its own connections.
 */
final class Api {

  /** Size of the arrays an upload body is generated in. */
  static final int PIECE = 1 << 20;

  private static final Duration TIMEOUT = Duration.ofHours(2);

  private final String base;
  private final HttpClient http;

  Api(String base) {
    this.base = base;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  /** Another client of the same server, with its own connections. */
  Api newClient() {
    return new Api(base);
  }

  String base() {
    return base;
  }

  HttpClient http() {
    return http;
  }

  HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(TIMEOUT);
  }

  /** Creates a file ({@code json} as in {@code POST /v1/files}) and returns its id. */
  String createFile(String json) {
    HttpResponse<String> r =
        send(
            request("/v1/files")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    expect(r, 201, "create file " + json);
    return field(r.body(), "id");
  }

  String begin() {
    HttpResponse<String> r =
        send(request("/v1/transactions").POST(HttpRequest.BodyPublishers.noBody()));
    expect(r, 201, "begin");
    return field(r.body(), "id");
  }

  void commit(String txn) {
    HttpResponse<String> r =
        send(
            request("/v1/transactions/" + txn + "/commit")
                .POST(HttpRequest.BodyPublishers.noBody()));
    expect(r, 200, "commit " + txn);
  }

  /**
   * Writes the pattern's bytes {@code [offset, offset+length)} of {@code seed} at {@code offset} of
   * the file ({@code PUT} with {@code Content-Range}), in {@code txn} or autocommit (null).
   */
  void writeAt(String id, long offset, long length, long seed, String txn) {
    HttpRequest.Builder b =
        request("/v1/files/" + id + "/content" + (txn == null ? "" : "?txn=" + txn))
            .header("Content-Type", "application/octet-stream")
            .header("Content-Range", "bytes " + offset + "-" + (offset + length - 1) + "/*")
            .PUT(body(seed, offset, length));
    expect(send(b), 200, "write " + length + " bytes at " + offset);
  }

  /** {@link #writeAt(String, long, long, long, String)} as an autocommit request. */
  void writeAt(String id, long offset, long length, long seed) {
    writeAt(id, offset, length, seed, null);
  }

  /** Replaces the whole content with the pattern's first {@code length} bytes (autocommit PUT). */
  void replace(String id, long length, long seed) {
    HttpRequest.Builder b =
        request("/v1/files/" + id + "/content")
            .header("Content-Type", "application/octet-stream")
            .PUT(body(seed, 0, length));
    expect(send(b), 200, "replace with " + length + " bytes");
  }

  /** Appends the pattern's bytes {@code [offset, offset+length)} (autocommit POST). */
  void append(String id, long offset, long length, long seed) {
    HttpRequest.Builder b =
        request("/v1/files/" + id + "/content")
            .header("Content-Type", "application/octet-stream")
            .POST(body(seed, offset, length));
    expect(send(b), 200, "append " + length + " bytes");
  }

  private static HttpRequest.BodyPublisher body(long seed, long offset, long length) {
    return HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofByteArrays(Data.pieces(seed, offset, length, PIECE)), length);
  }

  /**
   * GETs {@code path} (with a {@code Range} header unless null), drops the body as it arrives and
   * returns its length; fails on any status but 200 and 206.
   */
  long read(String path, String range) {
    HttpRequest.Builder b = request(path).GET();
    if (range != null) {
      b.header("Range", range);
    }
    HttpResponse<InputStream> r = send(b, HttpResponse.BodyHandlers.ofInputStream());
    long n = 0;
    try (InputStream in = r.body()) {
      if (r.statusCode() != 200 && r.statusCode() != 206) {
        throw new IllegalStateException(
            "GET " + path + " answered " + r.statusCode() + ": " + new String(in.readAllBytes()));
      }
      byte[] buf = new byte[1 << 20];
      for (int k; (k = in.read(buf)) > 0; ) {
        n += k;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " broke after " + n + " bytes", e);
    }
    return n;
  }

  /**
   * GETs {@code path} whole and compares it with {@code expected} as it arrives: the offset of the
   * first difference, or -1 if every byte and the length match.
   */
  long compare(String path, byte[] expected) {
    HttpResponse<InputStream> r =
        send(request(path).GET(), HttpResponse.BodyHandlers.ofInputStream());
    long pos = 0;
    try (InputStream in = r.body()) {
      if (r.statusCode() != 200) {
        throw new IllegalStateException("GET " + path + " answered " + r.statusCode());
      }
      byte[] buf = new byte[1 << 20];
      for (int k; (k = in.read(buf)) > 0; ) {
        if (pos + k > expected.length) {
          return expected.length;
        }
        int m = java.util.Arrays.mismatch(buf, 0, k, expected, (int) pos, (int) pos + k);
        if (m >= 0) {
          return pos + m;
        }
        pos += k;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " broke after " + pos + " bytes", e);
    }
    return pos == expected.length ? -1 : pos;
  }

  /** The file's JSON. */
  String stat(String id) {
    HttpResponse<String> r = send(request("/v1/files/" + id).GET());
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
    HttpRequest.Builder b = request(path).GET();
    if (range != null) {
      b.header("Range", range);
    }
    HttpResponse<byte[]> r = send(b, HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200 && r.statusCode() != 206) {
      throw new IllegalStateException("GET " + path + " answered " + r.statusCode());
    }
    return r.body();
  }

  static String content(String id) {
    return "/v1/files/" + id + "/content";
  }

  static String range(long offset, long length) {
    return "bytes=" + offset + "-" + (offset + length - 1);
  }

  HttpResponse<String> send(HttpRequest.Builder b) {
    return send(b, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(b.build(), handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void expect(HttpResponse<String> r, int status, String what) {
    if (r.statusCode() != status) {
      throw new IllegalStateException(
          what + ": expected " + status + ", got " + r.statusCode() + " " + r.body());
    }
  }

  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return m.group(1);
  }
}
