package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ProxiedService;
import io.bigfile.support.ServiceProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Hostile and malformed requests (issue 12), one row each, sent over a raw socket so that no client
 * library refuses or repairs them. Every row asserts the status, an RFC 9457 problem body (title,
 * status, detail) without internal text and framed by its own length, and that the file did not
 * change: content digest, size, ETag and head revision are the same before and after (and after
 * committing the transaction the request named, for rows sent inside one). Rows are refused by
 * every layer in turn: the handlers, Spring MVC, the servlet container's error page and the web
 * server before any servlet runs. The one case that needs the database to break, a read failing
 * before its first byte (item 6), is {@link #aReadThatFailsBeforeItsFirstByteIsACleanProblem}, with
 * the same assertions.
 */
class HostileRequestsIT extends HttpTestBase {

  /** Words that only internal text (SQL, stack traces, driver messages) would put in a body. */
  private static final String[] INTERNAL = {
    "psql", "sql", "exception", "$1", "org.", "java.", "tomcat", "catalina", "coyote", "<html"
  };

  /**
   * One hostile request. {@code {id}} in the request is the file's id, {@code {txn}} a transaction
   * begun for the row (committed afterwards, to show nothing was staged). With {@code halfClose}
   * the client shuts its sending side down after the request, as a client whose body ends before
   * its Content-Length does, and then reads the answer.
   */
  record Row(String name, int status, String request, boolean halfClose) {

    Row(String name, int status, String request) {
      this(name, status, request, false);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Row> rows() {
    String max = Long.toString(Long.MAX_VALUE);
    String content = "/v1/files/{id}/content";
    return Stream.of(
        // item 1: offsets near 2^63 must not overflow past bigfile.files.max-size
        new Row(
            "PUT Content-Range ending at 2^63-1",
            413,
            put(content, "bytes 9223372036854775806-" + max + "/*", "xy")),
        new Row(
            "PUT Content-Range ending at 2^63-1 in a transaction",
            413,
            put(content + "?txn={txn}", "bytes 9223372036854775806-" + max + "/*", "xy")),
        new Row(
            "PUT Content-Range 0-(2^63-1), a length of 2^63, and Content-Length 2",
            400,
            put(content, "bytes 0-" + max + "/*", "xy")),
        new Row(
            "PUT Content-Range 0-(2^63-1), a length of 2^63, chunked",
            413,
            "PUT "
                + content
                + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Range: bytes 0-"
                + max
                + "/*\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"),
        new Row(
            "PATCH message/byterange open range at 2^63-1",
            413,
            raw(
                "PATCH",
                content,
                "message/byterange",
                "Content-Range: bytes " + max + "-*/*\r\nContent-Length: 2\r\n\r\nxy")),
        new Row(
            "PATCH message/byterange open range at 2^63-1 in a transaction",
            413,
            raw(
                "PATCH",
                content + "?txn={txn}",
                "message/byterange",
                "Content-Range: bytes " + max + "-*/*\r\nContent-Length: 2\r\n\r\nxy")),
        new Row(
            "PATCH message/byterange open range at 2^63-1, empty",
            413,
            raw(
                "PATCH",
                content,
                "message/byterange",
                "Content-Range: bytes " + max + "-*/*\r\nContent-Length: 0\r\n\r\n")),
        new Row(
            "PATCH message/byterange open range at a negative offset",
            400,
            raw(
                "PATCH",
                content,
                "message/byterange",
                "Content-Range: bytes -5-*/*\r\nContent-Length: 2\r\n\r\nxy")),
        new Row(
            "PATCH multipart: a normal part and one at 2^63-2",
            413,
            raw(
                "PATCH",
                content,
                "multipart/byteranges; boundary=B",
                "--B\r\nContent-Range: bytes 0-1/*\r\n\r\nab\r\n"
                    + "--B\r\nContent-Range: bytes 9223372036854775806-"
                    + max
                    + "/*\r\n\r\nxy\r\n--B--\r\n")),
        new Row(
            "PATCH multipart: a normal part and one at 2^63-2 in a transaction",
            413,
            raw(
                "PATCH",
                content + "?txn={txn}",
                "multipart/byteranges; boundary=B",
                "--B\r\nContent-Range: bytes 0-1/*\r\n\r\nab\r\n"
                    + "--B\r\nContent-Range: bytes 9223372036854775806-"
                    + max
                    + "/*\r\n\r\nxy\r\n--B--\r\n")),
        // item 4: malformed query escapes and content types are the client's error, not a 500
        new Row("GET content ?txn=%zz", 400, raw("GET", content + "?txn=%zz", null, "")),
        new Row("GET content ?at=%", 400, raw("GET", content + "?at=%", null, "")),
        new Row("PUT content ?txn=%zz", 400, put(content + "?txn=%zz", "bytes 0-1/*", "xy")),
        new Row("PUT content ?at=%", 400, put(content + "?at=%", "bytes 0-1/*", "xy")),
        new Row(
            "POST content ?txn=%zz",
            400, raw("POST", content + "?txn=%zz", "application/octet-stream", "xy")),
        new Row("GET file ?txn=%zz", 400, raw("GET", "/v1/files/{id}?txn=%zz", null, "")),
        new Row("GET file ?at=%", 400, raw("GET", "/v1/files/{id}?at=%", null, "")),
        new Row(
            "PATCH file ?txn=%zz",
            400, raw("PATCH", "/v1/files/{id}?txn=%zz", "application/json", "{\"size\":1}")),
        new Row(
            "POST files ?txn=%zz", 400, raw("POST", "/v1/files?txn=%zz", "application/json", "{}")),
        new Row(
            "PATCH content with Content-Type ;;;",
            400,
            raw("PATCH", content, ";;;", "Content-Range: bytes 0-1/*\r\n\r\nxy")),
        // item 2: the obsolete date forms of RFC 9110 section 5.6.7 are preconditions too
        new Row(
            "PUT If-Unmodified-Since in RFC 850 form",
            412,
            with(put(content, "bytes 0-1/*", "xy"), "If-Unmodified-Since: " + RFC_850)),
        new Row(
            "PUT If-Unmodified-Since in asctime form",
            412,
            with(put(content, "bytes 0-1/*", "xy"), "If-Unmodified-Since: " + ASCTIME)),
        new Row(
            "POST If-Unmodified-Since in RFC 850 form",
            412,
            with(
                raw("POST", content, "application/octet-stream", "xy"),
                "If-Unmodified-Since: " + RFC_850)),
        new Row(
            "PATCH file If-Unmodified-Since in asctime form",
            412,
            with(
                raw("PATCH", "/v1/files/{id}", "application/json", "{\"size\":1}"),
                "If-Unmodified-Since: " + ASCTIME)),
        new Row(
            "GET file If-Unmodified-Since in RFC 850 form",
            412,
            with(raw("GET", "/v1/files/{id}", null, ""), "If-Unmodified-Since: " + RFC_850)),
        new Row(
            "GET content If-Unmodified-Since in asctime form",
            412,
            with(raw("GET", content, null, ""), "If-Unmodified-Since: " + ASCTIME)),
        // item 3: names are checked at the edge, so the database never sees a NUL
        new Row(
            "POST files with a NUL in the name",
            400,
            raw("POST", "/v1/files", "application/json", "{\"name\":\"a\\u0000b\"}")),
        new Row(
            "PATCH file with a NUL in the name",
            400,
            raw("PATCH", "/v1/files/{id}", "application/json", "{\"name\":\"a\\u0000b\"}")),
        new Row(
            "PATCH file with a NUL in the name in a transaction, which still commits",
            400,
            raw(
                "PATCH",
                "/v1/files/{id}?txn={txn}",
                "application/json",
                "{\"name\":\"a\\u0000b\"}")),
        new Row(
            "PATCH file with a line break in the name",
            400,
            raw("PATCH", "/v1/files/{id}", "application/json", "{\"name\":\"a\\nb\"}")),
        new Row(
            "PATCH file with a lone surrogate in the name",
            400,
            raw("PATCH", "/v1/files/{id}", "application/json", "{\"name\":\"a\\ud800b\"}")),
        new Row(
            "PATCH file with a name that is not UTF-8",
            400,
            raw("PATCH", "/v1/files/{id}", "application/json", "{\"name\":\"a\u00ffb\"}")),
        new Row(
            "PATCH file with a name over 1024 characters",
            400,
            raw(
                "PATCH",
                "/v1/files/{id}",
                "application/json",
                "{\"name\":\"" + "n".repeat(1025) + "\"}")),
        // item 5: whatever layer refuses a request, the answer is a problem. The web server
        // refuses these before any servlet runs: a target that decodes to '/', '\\', NUL or
        // bytes that are not UTF-8, an oversized request line or header section, malformed
        // header fields and framing.
        new Row(
            "GET content with %2f in the id",
            400, raw("GET", "/v1/files/{id}%2fx/content", null, "")),
        new Row(
            "GET content with %2F in the id",
            400, raw("GET", "/v1/files/{id}%2Fx/content", null, "")),
        new Row(
            "PUT content with %2f in the id",
            400, put("/v1/files/{id}%2f/content", "bytes 0-1/*", "xy")),
        new Row(
            "GET content with %5C in the id",
            400, raw("GET", "/v1/files/{id}%5Cx/content", null, "")),
        new Row(
            "GET content with %00 in the id",
            400, raw("GET", "/v1/files/{id}%00/content", null, "")),
        new Row(
            "GET content with %ff in the id",
            400, raw("GET", "/v1/files/{id}%ff/content", null, "")),
        new Row("GET content with %ff as the name", 400, raw("GET", content + "/%ff", null, "")),
        new Row(
            "PATCH file with %00 in the id",
            400, raw("PATCH", "/v1/files/{id}%00", "application/json", "{\"size\":1}")),
        new Row(
            "GET content with /.. above the root",
            400,
            raw("GET", "/../../v1/files/{id}/content", null, "")),
        new Row(
            "GET content with a request line over 8 KB",
            400,
            raw("GET", content + "?pad=" + "p".repeat(9000), null, "")),
        new Row(
            "PUT content with a header over 8 KB",
            400,
            with(put(content, "bytes 0-1/*", "xy"), "X-Pad: " + "p".repeat(9000))),
        new Row(
            "PUT content with 200 header fields",
            400,
            with(put(content, "bytes 0-1/*", "xy"), "X-Pad: p\r\n".repeat(199) + "X-Pad: p")),
        new Row(
            "PUT content with a control character in a header value",
            400,
            with(put(content, "bytes 0-1/*", "xy"), "X-Bad: a\u0001b")),
        new Row(
            "PUT content with a control character in a header name",
            400,
            with(put(content, "bytes 0-1/*", "xy"), "X\u0001Bad: ab")),
        new Row(
            "PUT content with a header line without a colon",
            400,
            with(put(content, "bytes 0-1/*", "xy"), "NoColonHere")),
        new Row(
            "PUT content with Content-Length abc",
            400,
            put(content, "bytes 0-1/*", "xy").replace("Content-Length: 2", "Content-Length: abc")),
        new Row(
            "PUT content with Content-Length -2",
            400,
            put(content, "bytes 0-1/*", "xy").replace("Content-Length: 2", "Content-Length: -2")),
        new Row(
            "PUT content with two different Content-Length",
            400,
            with(put(content, "bytes 0-1/*", "xy"), "Content-Length: 3")),
        new Row(
            "PUT content with Transfer-Encoding gzip",
            501,
            with(put(content, "bytes 0-1/*", "xy"), "Transfer-Encoding: gzip")),
        new Row(
            "PUT content without Host in HTTP/1.1",
            400,
            put(content, "bytes 0-1/*", "xy").replace("Host: localhost\r\n", "")),
        new Row(
            "GET content in HTTP/2.5",
            505,
            raw("GET", content, null, "").replace("HTTP/1.1", "HTTP/2.5")),
        new Row(
            "GET content with a space in the target", 400, raw("GET", content + " x", null, "")),
        // ... and Spring MVC or the servlet container answers these in the application
        new Row("TRACE content", 405, raw("TRACE", content, null, "")),
        new Row("TRACE file", 405, raw("TRACE", "/v1/files/{id}", null, "")),
        new Row("FROB content, a method nobody knows", 405, raw("FROB", content, null, "")),
        new Row(
            "DELETE content, a method the path does not allow",
            405,
            raw("DELETE", content, null, "")),
        new Row("GET an unknown path", 404, raw("GET", "/v1/nothing/here", null, "")),
        new Row("GET the error page itself", 404, raw("GET", "/error", null, "")),
        new Row("TRACE the error page itself", 405, raw("TRACE", "/error", null, "")),
        new Row(
            "GET content asking for text/html only",
            404,
            with(raw("GET", "/v1/files/0123456789abcdef/content", null, ""), "Accept: text/html")),
        new Row(
            "PUT content with a malformed chunk size",
            400,
            "PUT "
                + content
                + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\nxy\r\n0\r\n\r\n"),
        new Row(
            "PUT content whose chunked body ends before its last chunk",
            400,
            "PUT "
                + content
                + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n",
            true),
        new Row(
            "PUT content whose body ends before its Content-Length",
            400,
            put(content, "bytes 0-19/*", "0123456789")
                .replace("Content-Length: 10", "Content-Length: 20"),
            true),
        new Row(
            "POST content whose body ends before its Content-Length",
            400,
            raw("POST", content, "application/octet-stream", "xy")
                .replace("Content-Length: 2", "Content-Length: 9"),
            true),
        new Row(
            "PATCH file whose JSON body ends before its Content-Length",
            400,
            raw("PATCH", "/v1/files/{id}", "application/json", "{\"size\":1}")
                .replace("Content-Length: 10", "Content-Length: 30"),
            true),
        new Row(
            "PUT content in a transaction whose body ends before its Content-Length",
            400,
            put(content + "?txn={txn}", "bytes 0-19/*", "0123456789")
                .replace("Content-Length: 10", "Content-Length: 20"),
            true));
  }

  private static final String RFC_850 = "Sunday, 06-Nov-94 08:49:37 GMT";
  private static final String ASCTIME = "Sun Nov  6 08:49:37 1994";

  /** {@code request} with one more header line. */
  static String with(String request, String header) {
    int eol = request.indexOf("\r\n");
    return request.substring(0, eol + 2) + header + "\r\n" + request.substring(eol + 2);
  }

  static String put(String target, String contentRange, String body) {
    return "PUT "
        + target
        + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        + "Content-Type: application/octet-stream\r\nContent-Range: "
        + contentRange
        + "\r\nContent-Length: "
        + body.length()
        + "\r\n\r\n"
        + body;
  }

  static String raw(String method, String target, String contentType, String body) {
    return method
        + " "
        + target
        + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
        + "Content-Length: "
        + body.getBytes(StandardCharsets.ISO_8859_1).length
        + "\r\n\r\n"
        + body;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void refusedAndNothingChanges(Row row) throws IOException {
    String id = fileWith(random(3 * BLOCK + 17, row.name().hashCode()));
    String txn = row.request().contains("{txn}") ? begin() : null;
    Map<String, Object> before = state(id);

    Response r =
        send(
            port,
            row.request().replace("{id}", id).replace("{txn}", String.valueOf(txn)),
            row.halfClose());

    assertProblem(r, row.status());
    if (txn != null) {
      assertStatus(postEmpty("/v1/transactions/" + txn + "/commit"), 200);
    }
    assertThat(state(id)).as("the file after " + row.name()).isEqualTo(before);
  }

  /**
   * A path Spring Security's firewall refuses (not in normal form) is a 400 problem that says what
   * is wrong with the path, not the container's text about malformed HTTP.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/v1/files/{id}/content;x=1", "/v1/files/{id}/./content", "/v1//files"})
  void aPathNotInNormalFormIsAProblemAboutThePath(String target) throws IOException {
    String id = fileWith(random(BLOCK, target.hashCode()));
    Map<String, Object> before = state(id);

    Response r = send(port, raw("GET", target.replace("{id}", id), null, ""), false);

    assertProblem(r, 400);
    assertThat(text(JSON.readTree(r.body), "detail")).as(r.toString()).contains("normal form");
    assertThat(state(id)).isEqualTo(before);
  }

  /**
   * Item 6, the row that needs a database to break: a read that fails before its first byte is sent
   * answers a clean problem, not a problem under the status line and headers of the {@code 206} it
   * was about to send. A second service reaches the database through a TCP proxy (as {@code
   * ReadinessIT} does). In a transaction, so that the snapshot and the file's record are known
   * without asking the database, a first read caches block 0 of a 32 KiB file of 4 KiB blocks; the
   * proxy is cut; {@code bytes=4000-8191} then needs the index of block 1, which the database
   * cannot give.
   */
  @Test
  void aReadThatFailsBeforeItsFirstByteIsACleanProblem() throws IOException {
    byte[] data = random(32 * 1024, 6);
    String id = fileWith(data);
    Map<String, Object> before = state(id);
    Response r;
    try (ProxiedService cuttable =
        ProxiedService.start("hostile-read", List.of("-XX:TieredStopAtLevel=1"))) {
      ServiceProcess service = cuttable.service();
      String txn = service.begin();
      String target = contentPath(id) + "?txn=" + txn;
      HttpResponse<byte[]> first =
          service.send(service.request(target).header("Range", "bytes=0-4095").GET());
      assertThat(first.statusCode()).as(describe(first)).isEqualTo(206);
      assertBytes(first.body(), slice(data, 0, 4096));

      cuttable.proxy().cut();
      r =
          send(
              service.port(),
              "GET "
                  + target
                  + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  + "Range: bytes=4000-8191\r\n\r\n",
              false);
    }

    assertProblem(r, 503);
    assertThat(r.headers).as(r.toString()).doesNotContainKey("content-range");
    assertThat(r.headers).as(r.toString()).containsKey("retry-after");
    assertThat(state(id)).as("the file after the failed read").isEqualTo(before);
  }

  /**
   * An RFC 9457 problem: the status, {@code Content-Type: application/problem+json}, {@code
   * status}, {@code title} and {@code detail}, and no internal text.
   */
  private static void assertProblem(Response r, int status) {
    assertThat(r.status).as(r.toString()).isEqualTo(status);
    assertThat(r.headers.get("content-type")).as(r.toString()).startsWith(PROBLEM_JSON);
    JsonNode problem = JSON.readTree(r.body);
    assertThat(problem.path("status").asInt()).as(r.toString()).isEqualTo(status);
    assertThat(text(problem, "title")).as(r.toString()).isNotBlank();
    assertThat(text(problem, "detail")).as(r.toString()).isNotBlank();
    String lower = new String(r.body, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
    for (String word : INTERNAL) {
      assertThat(lower).as(r.toString()).doesNotContain(word);
    }
    // framed by its own length: an exact Content-Length, or chunked (as Spring MVC sends JSON)
    if (r.headers.containsKey("content-length")) {
      assertThat(r.headers.get("content-length"))
          .as(r.toString())
          .isEqualTo(Integer.toString(r.body.length));
    } else {
      assertThat(r.headers.get("transfer-encoding")).as(r.toString()).isEqualTo("chunked");
    }
  }

  /** What must not change: content digest, size, ETag and head revision. */
  private Map<String, Object> state(String id) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("sha256", sha256(read(id)));
    JsonNode stat = stat(id);
    s.put("size", stat.path("size").asLong());
    s.put("name", text(stat, "name"));
    s.put("etag", etag(id));
    JsonNode revisions = json(get("/v1/files/" + id + "/revisions?limit=1"), 200);
    s.put("head", revisions.path("items").path(0).path("revision").asLong());
    return s;
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  // ------------------------------------------------------------------ raw HTTP/1.1

  record Response(int status, Map<String, String> headers, byte[] body) {
    @Override
    public String toString() {
      return status + " " + headers + " " + new String(body, StandardCharsets.UTF_8);
    }
  }

  /**
   * Sends {@code request} as is (ISO-8859-1 bytes) to the service on {@code port} and reads the
   * answer up to the close; with {@code halfClose}, shuts the sending side down first.
   */
  private static Response send(int port, String request, boolean halfClose) throws IOException {
    try (Socket s = new Socket("localhost", port)) {
      s.setSoTimeout(90_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      if (halfClose) {
        s.shutdownOutput();
      }
      return parse(s.getInputStream().readAllBytes());
    }
  }

  private static Response parse(byte[] all) {
    String text = new String(all, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    assertThat(end).as("a response head in: " + text).isPositive();
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    }
    return new Response(status, headers, body);
  }

  private static byte[] dechunk(byte[] chunked) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = new java.io.ByteArrayInputStream(chunked);
    try {
      while (true) {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n' && c >= 0; c = in.read()) {
          if (c != '\r') {
            line.append((char) c);
          }
        }
        int semi = line.indexOf(";");
        int n = Integer.parseInt((semi < 0 ? line : line.substring(0, semi)).toString().trim(), 16);
        if (n == 0) {
          return out.toByteArray();
        }
        out.write(in.readNBytes(n));
        in.readNBytes(2);
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
