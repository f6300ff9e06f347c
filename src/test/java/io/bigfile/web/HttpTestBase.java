package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceTestBase;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;

/**
 * Helpers shared by the HTTP contract tests (DESIGN.md section 3): requests over HTTP/1.1 with
 * headers, JSON and problem-detail assertions, and byte helpers. Every assertion on content
 * compares real bytes.
 */
abstract class HttpTestBase extends ServiceTestBase {

  static final String PROBLEM_JSON = "application/problem+json";
  static final String OCTETS = "application/octet-stream";
  static final int BLOCK = 4096;

  // ------------------------------------------------------------------ requests

  HttpRequest.Builder req(String path, String... headers) {
    HttpRequest.Builder b = request(path);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  /** {@code headers} (name, value, name, value...) and one more. */
  static String[] withHeader(String[] headers, String name, String value) {
    String[] out = Arrays.copyOf(headers, headers.length + 2);
    out[headers.length] = name;
    out[headers.length + 1] = value;
    return out;
  }

  HttpResponse<byte[]> get(String path, String... headers) {
    return send(req(path, headers).GET());
  }

  HttpResponse<byte[]> head(String path, String... headers) {
    return send(req(path, headers).method("HEAD", HttpRequest.BodyPublishers.noBody()));
  }

  HttpResponse<byte[]> put(String path, byte[] body, String... headers) {
    return send(
        req(path, headers)
            .header("Content-Type", OCTETS)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** A PUT whose body is sent with chunked transfer coding, so without a Content-Length. */
  HttpResponse<byte[]> putChunked(String path, byte[] body, String... headers) {
    return send(
        req(path, headers)
            .header("Content-Type", OCTETS)
            .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
  }

  HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
    return send(
        req(path, headers)
            .header("Content-Type", OCTETS)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  HttpResponse<byte[]> postJson(String path, String json, String... headers) {
    return send(
        req(path, headers)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  HttpResponse<byte[]> postEmpty(String path, String... headers) {
    return send(req(path, headers).POST(HttpRequest.BodyPublishers.noBody()));
  }

  HttpResponse<byte[]> patch(String path, String json, String... headers) {
    return send(
        req(path, headers)
            .header("Content-Type", "application/json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
  }

  HttpResponse<byte[]> delete(String path, String... headers) {
    return send(req(path, headers).DELETE());
  }

  // ------------------------------------------------------------------ responses

  /**
   * Asserts an RFC 9457 problem: the status, {@code Content-Type: application/problem+json}, a
   * matching {@code status} member and a non-blank {@code detail}.
   */
  static JsonNode assertProblem(HttpResponse<byte[]> r, int status) {
    assertStatus(r, status);
    assertThat(header(r, "Content-Type")).as(describe(r)).startsWith(PROBLEM_JSON);
    JsonNode p = JSON.readTree(r.body());
    assertThat(p.path("status").asInt()).as(describe(r)).isEqualTo(status);
    assertThat(text(p, "detail")).as(describe(r)).isNotBlank();
    return p;
  }

  // ------------------------------------------------------------------ files

  String newFile(int blockSize) {
    return createFile("{\"blockSize\":" + blockSize + "}");
  }

  String newFile(int blockSize, String format) {
    return createFile("{\"blockSize\":" + blockSize + ",\"format\":\"" + format + "\"}");
  }

  /** A new file of {@link #BLOCK}-byte blocks holding {@code content}. */
  String fileWith(byte[] content) {
    String id = newFile(BLOCK);
    replace(id, content);
    return id;
  }

  /** The ids of every file listed, page after page; {@code query} is empty or starts with '?'. */
  List<String> listAll(String query) {
    List<String> ids = new ArrayList<>();
    String cursor = null;
    do {
      String sep = query.isEmpty() ? "?" : "&";
      JsonNode page =
          json(
              get(
                  "/v1/files"
                      + query
                      + sep
                      + "limit=1000"
                      + (cursor == null ? "" : "&cursor=" + cursor)),
              200);
      for (JsonNode item : page.path("items")) {
        ids.add(text(item, "id"));
      }
      cursor = text(page, "nextCursor");
    } while (cursor != null);
    return ids;
  }

  JsonNode stat(String id) {
    return json(get("/v1/files/" + id), 200);
  }

  String etag(String id) {
    HttpResponse<byte[]> r = assertStatus(get("/v1/files/" + id), 200);
    String tag = header(r, "ETag");
    assertThat(tag).as(describe(r)).isNotNull();
    return tag;
  }

  /** Asserts the committed content and that no commit changed the file (same ETag). */
  void assertUnchanged(String id, byte[] content, String etag) {
    assertBytes(read(id), content);
    assertThat(etag(id)).as("ETag of an unchanged file").isEqualTo(etag);
  }

  // ------------------------------------------------------------------ transactions

  JsonNode txn(String txn) {
    return json(get("/v1/transactions/" + txn), 200);
  }

  // ------------------------------------------------------------------ JSON

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      out.add(n.asString());
    }
    return out;
  }

  // ------------------------------------------------------------------ bytes

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] slice(byte[] b, long from, long to) {
    byte[] s = new byte[(int) (to - from)];
    System.arraycopy(b, (int) from, s, 0, s.length);
    return s;
  }

  /** {@code base} with {@code data} written at {@code offset}, grown with zeros if needed. */
  static byte[] overlay(byte[] base, long offset, byte[] data) {
    byte[] out = new byte[(int) Math.max(base.length, offset + data.length)];
    System.arraycopy(base, 0, out, 0, base.length);
    System.arraycopy(data, 0, out, (int) offset, data.length);
    return out;
  }

  /** Byte-for-byte equality with a short message (AssertJ would print whole arrays). */
  static void assertBytes(byte[] actual, byte[] expected) {
    assertThat(actual.length).as("length").isEqualTo(expected.length);
    int mismatch = Arrays.mismatch(actual, expected);
    assertThat(mismatch)
        .as(
            () ->
                "first differing byte at "
                    + mismatch
                    + ": got "
                    + actual[mismatch]
                    + ", expected "
                    + expected[mismatch])
        .isEqualTo(-1);
  }

  /**
   * Asserts that {@code Last-Modified} is an IMF-fixdate (RFC 9110 section 5.6.7) naming the second
   * of {@code isoInstant}.
   */
  static void assertLastModified(HttpResponse<byte[]> r, String isoInstant) {
    String value = header(r, "Last-Modified");
    assertThat(value)
        .as(describe(r))
        .matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
    assertThat(ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant())
        .isEqualTo(Instant.parse(isoInstant).truncatedTo(ChronoUnit.SECONDS));
  }

  /** One part of a {@code multipart/byteranges} body. */
  record Part(String contentType, String contentRange, byte[] data) {}

  static List<Part> multipart(HttpResponse<byte[]> r) {
    String ct = header(r, "Content-Type");
    assertThat(ct).startsWith("multipart/byteranges");
    String boundary = ct.substring(ct.indexOf("boundary=") + "boundary=".length()).trim();
    if (boundary.startsWith("\"")) {
      boundary = boundary.substring(1, boundary.length() - 1);
    }
    String body = new String(r.body(), StandardCharsets.ISO_8859_1);
    String delimiter = "--" + boundary;
    List<Part> parts = new ArrayList<>();
    int pos = body.indexOf(delimiter);
    assertThat(pos).as("first boundary").isGreaterThanOrEqualTo(0);
    while (true) {
      pos += delimiter.length();
      if (body.startsWith("--", pos)) {
        break;
      }
      int headersEnd = body.indexOf("\r\n\r\n", pos);
      String headers = body.substring(pos, headersEnd);
      int next = body.indexOf("\r\n" + delimiter, headersEnd + 4);
      assertThat(next).as("closing boundary").isGreaterThan(0);
      byte[] data = body.substring(headersEnd + 4, next).getBytes(StandardCharsets.ISO_8859_1);
      String type = null;
      String range = null;
      for (String line : headers.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          String name = line.substring(0, colon).trim();
          String value = line.substring(colon + 1).trim();
          if (name.equalsIgnoreCase("Content-Type")) {
            type = value;
          } else if (name.equalsIgnoreCase("Content-Range")) {
            range = value;
          }
        }
      }
      parts.add(new Part(type, range, data));
      pos = next + 2;
    }
    return parts;
  }
}
