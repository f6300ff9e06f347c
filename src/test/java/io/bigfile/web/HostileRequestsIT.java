package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Hostile and malformed requests (issue 12), one row each, sent over a raw socket so that no client
 * library refuses or repairs them. Every row asserts the status, an RFC 9457 problem body without
 * internal text, and that the file did not change: content digest, size, ETag and head revision are
 * the same before and after (and after committing the transaction the request named, for rows sent
 * inside one).
 */
class HostileRequestsIT extends HttpTestBase {

  /** Words that only internal text (SQL, stack traces, driver messages) would put in a body. */
  private static final String[] INTERNAL = {"psql", "sql", "exception", "$1", "org.", "java."};

  /**
   * One hostile request. {@code {id}} in the request is the file's id, {@code {txn}} a transaction
   * begun for the row (committed afterwards, to show nothing was staged).
   */
  record Row(String name, int status, String request) {
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
                "{\"name\":\"" + "n".repeat(1025) + "\"}")));
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

    Response r = send(row.request().replace("{id}", id).replace("{txn}", String.valueOf(txn)));

    assertThat(r.status).as(r.toString()).isEqualTo(row.status());
    assertThat(r.headers.get("content-type")).as(r.toString()).startsWith(PROBLEM_JSON);
    JsonNode problem = JSON.readTree(r.body);
    assertThat(problem.path("status").asInt()).as(r.toString()).isEqualTo(row.status());
    assertThat(text(problem, "detail")).as(r.toString()).isNotBlank();
    String lower = new String(r.body, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
    for (String word : INTERNAL) {
      assertThat(lower).as(r.toString()).doesNotContain(word);
    }
    if (txn != null) {
      assertStatus(postEmpty("/v1/transactions/" + txn + "/commit"), 200);
    }
    assertThat(state(id)).as("the file after " + row.name()).isEqualTo(before);
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

  /** Sends {@code request} as is (ISO-8859-1 bytes) and reads the answer up to the close. */
  private Response send(String request) throws IOException {
    try (Socket s = new Socket("localhost", port)) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
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
