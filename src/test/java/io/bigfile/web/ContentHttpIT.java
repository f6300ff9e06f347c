package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** The content rows of the contract: range reads, HEAD, range writes, replace, append. */
class ContentHttpIT extends HttpTestBase {

  private static final List<String> ENTITY_HEADERS =
      List.of(
          "Content-Type",
          "Content-Length",
          "Content-Range",
          "Accept-Ranges",
          "ETag",
          "Last-Modified",
          "BigFile-Revision");

  /** A file of 100 known bytes: 0, 1, ..., 99. */
  private String hundred() {
    String id = newFile(BLOCK);
    replace(id, counting(100));
    return id;
  }

  private static byte[] counting(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  private static HttpResponse<byte[]> assertPartial(
      HttpResponse<byte[]> r, long first, long last, long size, byte[] whole) {
    assertStatus(r, 206);
    assertThat(header(r, "Content-Range")).isEqualTo("bytes " + first + "-" + last + "/" + size);
    assertThat(header(r, "Content-Length")).isEqualTo(Long.toString(last - first + 1));
    assertThat(header(r, "Accept-Ranges")).isEqualTo("bytes");
    assertBytes(r.body(), slice(whole, first, last + 1));
    return r;
  }

  // ------------------------------------------------------------------ GET / HEAD

  @Test
  void fullReadIs200WithLengthAndAcceptRanges() {
    String id = hundred();
    HttpResponse<byte[]> r = assertStatus(get(contentPath(id)), 200);
    assertThat(header(r, "Content-Length")).isEqualTo("100");
    assertThat(header(r, "Accept-Ranges")).isEqualTo("bytes");
    assertThat(header(r, "Content-Type")).startsWith(OCTETS);
    assertThat(header(r, "Content-Range")).isNull();
    assertThat(header(r, "ETag")).isEqualTo(etag(id));
    assertLastModified(r, text(stat(id), "modifiedAt"));
    assertThat(Long.parseLong(header(r, "BigFile-Revision")))
        .isGreaterThanOrEqualTo(stat(id).path("revision").asLong());
    assertBytes(r.body(), counting(100));
  }

  @Test
  void emptyFileReadsAsEmptyBody() {
    String id = newFile(BLOCK);
    HttpResponse<byte[]> r = assertStatus(get(contentPath(id)), 200);
    assertThat(header(r, "Content-Length")).isEqualTo("0");
    assertThat(r.body()).isEmpty();
  }

  /** A Range header on the file of {@link #hundred()} bytes, and the one range it reads. */
  record SingleRange(String what, String range, long first, long last) {
    @Override
    public String toString() {
      return what + ": " + range;
    }
  }

  static Stream<SingleRange> singleRanges() {
    return Stream.of(
        new SingleRange("a single range", "bytes=2-5", 2, 5),
        new SingleRange("the first byte", "bytes=0-0", 0, 0),
        new SingleRange("the last byte", "bytes=99-99", 99, 99),
        new SingleRange("the whole file", "bytes=0-99", 0, 99),
        new SingleRange("an open range reads to the end", "bytes=10-", 10, 99),
        new SingleRange("a suffix range reads the last bytes", "bytes=-5", 95, 99),
        new SingleRange("a suffix longer than the file gives the whole file", "bytes=-500", 0, 99),
        new SingleRange("a last position past the end is clamped", "bytes=90-1000", 90, 99),
        new SingleRange("a last position past the end is clamped", "bytes=0-100", 0, 99));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("singleRanges")
  void aSingleRangeIs206WithContentRange(SingleRange r) {
    String id = hundred();
    assertPartial(
        get(contentPath(id), "Range", r.range()), r.first(), r.last(), 100, counting(100));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=100-", "bytes=100-200", "bytes=5000-6000", "bytes=-0"})
  void unsatisfiableRangeIs416WithCompleteLength(String range) {
    String id = hundred();
    HttpResponse<byte[]> r = get(contentPath(id), "Range", range);
    assertProblem(r, 416);
    assertThat(header(r, "Content-Range")).isEqualTo("bytes */100");
    HttpResponse<byte[]> h = head(contentPath(id), "Range", range);
    assertStatus(h, 416);
    assertThat(header(h, "Content-Range")).isEqualTo("bytes */100");
    assertThat(h.body()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=0-", "bytes=0-0", "bytes=-1", "bytes=-0"})
  void anyRangeOfAnEmptyFileIsIgnored(String range) {
    String id = newFile(BLOCK);
    HttpResponse<byte[]> r = assertStatus(get(contentPath(id), "Range", range), 200);
    assertThat(header(r, "Content-Range")).isNull();
    assertThat(header(r, "Content-Length")).isEqualTo("0");
    assertThat(r.body()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"bytes=abc", "bytes=5-2", "bytes=1-2-3", "items=0-5", "bytes", "bytes=--5", "0-5"})
  void malformedRangeIsIgnored(String range) {
    String id = hundred();
    HttpResponse<byte[]> r = assertStatus(get(contentPath(id), "Range", range), 200);
    assertThat(header(r, "Content-Range")).isNull();
    assertThat(header(r, "Content-Length")).isEqualTo("100");
    assertBytes(r.body(), counting(100));
  }

  @Test
  void multipleRangesAreMultipartByteranges() {
    String id = hundred();
    byte[] all = counting(100);
    HttpResponse<byte[]> r =
        assertStatus(get(contentPath(id), "Range", "bytes=0-1, 10-12, -3"), 206);
    assertThat(header(r, "Content-Length")).isEqualTo(Integer.toString(r.body().length));
    List<Part> parts = multipart(r);
    assertThat(parts).hasSize(3);
    assertThat(parts.get(0).contentRange()).isEqualTo("bytes 0-1/100");
    assertBytes(parts.get(0).data(), slice(all, 0, 2));
    assertThat(parts.get(1).contentRange()).isEqualTo("bytes 10-12/100");
    assertBytes(parts.get(1).data(), slice(all, 10, 13));
    assertThat(parts.get(2).contentRange()).isEqualTo("bytes 97-99/100");
    assertBytes(parts.get(2).data(), slice(all, 97, 100));
    for (Part p : parts) {
      assertThat(p.contentType()).isEqualTo(OCTETS);
    }

    // an unsatisfiable member is dropped; one left is a plain 206
    assertPartial(get(contentPath(id), "Range", "bytes=500-600, 3-4"), 3, 4, 100, all);
  }

  @Test
  void headHasTheHeadersOfGetAndNoBody() {
    String id = hundred();
    for (String range : new String[] {null, "bytes=3-7", "bytes=-5", "bytes=0-1,5-6"}) {
      String[] h = range == null ? new String[0] : new String[] {"Range", range};
      HttpResponse<byte[]> g = get(contentPath(id), h);
      HttpResponse<byte[]> hd = head(contentPath(id), h);
      assertThat(hd.statusCode()).as("HEAD " + range).isEqualTo(g.statusCode());
      assertThat(hd.body()).as("HEAD " + range).isEmpty();
      for (String name : ENTITY_HEADERS) {
        if (name.equals("Content-Type") && range != null && range.contains(",")) {
          // the multipart boundary is random per response
          assertThat(header(hd, name)).startsWith("multipart/byteranges; boundary=");
          continue;
        }
        assertThat(header(hd, name)).as("HEAD %s %s", range, name).isEqualTo(header(g, name));
      }
    }
  }

  @Test
  void conditionalReads() {
    String id = hundred();
    String etag = etag(id);
    String lastModified = header(get("/v1/files/" + id), "Last-Modified");

    HttpResponse<byte[]> r = get(contentPath(id), "If-None-Match", etag);
    assertStatus(r, 304);
    assertThat(r.body()).isEmpty();
    assertThat(header(r, "ETag")).isEqualTo(etag);
    assertStatus(head(contentPath(id), "If-None-Match", etag), 304);
    assertStatus(get(contentPath(id), "If-None-Match", "W/" + etag), 304);
    assertStatus(get(contentPath(id), "If-None-Match", "\"other\", " + etag), 304);
    assertStatus(get(contentPath(id), "If-Modified-Since", lastModified), 304);
    assertBytes(
        assertStatus(get(contentPath(id), "If-None-Match", "\"other\""), 200).body(),
        counting(100));

    // If-Range: a matching strong tag allows the range, a different one gives the whole file
    assertPartial(
        get(contentPath(id), "Range", "bytes=1-2", "If-Range", etag), 1, 2, 100, counting(100));
    HttpResponse<byte[]> full =
        assertStatus(get(contentPath(id), "Range", "bytes=1-2", "If-Range", "\"stale\""), 200);
    assertBytes(full.body(), counting(100));

    // If-Match on a read: a stale tag fails with a problem body
    assertProblem(get(contentPath(id), "If-Match", "\"stale\""), 412);
    assertStatus(get(contentPath(id), "If-Match", etag), 200);
    assertProblem(
        get(contentPath(id), "If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"), 412);

    // after a change the old tag no longer matches
    writeAt(id, 0, ascii("!"));
    HttpResponse<byte[]> changed = assertStatus(get(contentPath(id), "If-None-Match", etag), 200);
    assertThat(header(changed, "ETag")).isNotEqualTo(etag);
    assertBytes(changed.body(), overlay(counting(100), 0, ascii("!")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"whole", "chunked", "auto"})
  void rangesAcrossBlockBoundariesMatchWhatWasWritten(String format) {
    String id = newFile(BLOCK, format);
    byte[] data = random(5 * BLOCK + 123, 7);
    replace(id, data);
    assertBytes(read(id), data);
    long size = data.length;
    long[][] ranges = {
      {4095, 4096},
      {4000, 4200},
      {4095, 8192},
      {0, 3 * BLOCK},
      {BLOCK - 1, 4 * BLOCK + 1},
      {2 * BLOCK, 3 * BLOCK - 1},
      {5 * BLOCK - 10, size - 1},
      {1, size - 2},
    };
    for (long[] rg : ranges) {
      assertPartial(
          get(contentPath(id), "Range", "bytes=" + rg[0] + "-" + rg[1]), rg[0], rg[1], size, data);
    }
    // overwrite across a boundary, then read it back across the boundary
    byte[] patch = random(3000, 8);
    writeAt(id, 2 * BLOCK - 1000, patch);
    byte[] expected = overlay(data, 2 * BLOCK - 1000, patch);
    assertPartial(
        get(contentPath(id), "Range", "bytes=" + (BLOCK + 5) + "-" + (3 * BLOCK + 5)),
        BLOCK + 5,
        3 * BLOCK + 5,
        size,
        expected);
    assertBytes(read(id), expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"whole", "chunked", "auto"})
  void holesReadAsZeros(String format) {
    String id = newFile(BLOCK, format);
    byte[] head = random(100, 9);
    byte[] tail = random(50, 10);
    writeAt(id, 0, head);
    long far = 10L * BLOCK + 17;
    JsonNode f = writeAt(id, far, tail);
    assertThat(f.path("size").asLong()).isEqualTo(far + 50);
    byte[] expected = overlay(head, far, tail);
    assertBytes(read(id), expected);
    // a range entirely inside the gap
    assertPartial(
        get(contentPath(id), "Range", "bytes=3000-30000"), 3000, 30000, far + 50, expected);
    // a range from the gap into the data
    assertPartial(
        get(contentPath(id), "Range", "bytes=" + (far - 5) + "-"),
        far - 5,
        far + 49,
        far + 50,
        expected);
  }

  @Test
  void aFarOffsetIsReachedWithoutReadingTheStart() {
    // a sparse 1 GB file (the configured maximum): its last bytes are read directly
    String id = newFile(BLOCK);
    long size = 1L << 30;
    JsonNode f = json(patch("/v1/files/" + id, "{\"size\":" + size + "}"), 200);
    assertThat(f.path("size").asLong()).isEqualTo(size);
    byte[] data = ascii("end");
    writeAt(id, size - 3, data);
    HttpResponse<byte[]> r = get(contentPath(id), "Range", "bytes=-10");
    assertStatus(r, 206);
    assertThat(header(r, "Content-Range"))
        .isEqualTo("bytes " + (size - 10) + "-" + (size - 1) + "/" + size);
    assertBytes(r.body(), concat(new byte[7], data));
    HttpResponse<byte[]> h = head(contentPath(id));
    assertThat(header(h, "Content-Length")).isEqualTo(Long.toString(size));
  }

  // ------------------------------------------------------------------ PUT

  @Test
  void putWithoutContentRangeReplacesTheWholeContent() {
    String id = newFile(BLOCK);
    byte[] big = random(3 * BLOCK + 5, 11);
    JsonNode f = json(put(contentPath(id), big), 200);
    assertThat(f.path("size").asLong()).isEqualTo(big.length);
    assertThat(text(f, "id")).isEqualTo(id);
    assertBytes(read(id), big);
    byte[] small = ascii("small");
    HttpResponse<byte[]> r = put(contentPath(id), small);
    f = json(r, 200);
    assertThat(f.path("size").asLong()).isEqualTo(5);
    assertThat(header(r, "ETag")).isEqualTo(etag(id));
    assertThat(header(r, "BigFile-Revision")).isEqualTo(Long.toString(f.path("revision").asLong()));
    assertBytes(read(id), small);
    // the old blocks past the new end are gone: extending shows zeros
    assertStatus(patch("/v1/files/" + id, "{\"size\":" + (2 * BLOCK) + "}"), 200);
    assertBytes(read(id), concat(small, new byte[2 * BLOCK - 5]));
    // an empty body empties the file
    assertThat(json(put(contentPath(id), new byte[0]), 200).path("size").asLong()).isZero();
    assertThat(read(id)).isEmpty();
    // a body sent without Content-Length (chunked)
    byte[] streamed = random(2 * BLOCK + 1, 12);
    assertStatus(putChunked(contentPath(id), streamed), 200);
    assertBytes(read(id), streamed);
  }

  @Test
  void putWithContentRangeWritesAtTheOffsetAndGrowsTheFile() {
    String id = newFile(BLOCK);
    byte[] base = random(1000, 13);
    replace(id, base);
    byte[] inside = ascii("INSIDE");
    JsonNode f = writeAt(id, 100, inside);
    assertThat(f.path("size").asLong()).isEqualTo(1000);
    byte[] expected = overlay(base, 100, inside);
    assertBytes(read(id), expected);
    byte[] across = random(BLOCK, 14);
    f = writeAt(id, 900, across);
    assertThat(f.path("size").asLong()).isEqualTo(900 + BLOCK);
    expected = overlay(expected, 900, across);
    assertBytes(read(id), expected);
    // chunked body of exactly the range's length is accepted too
    byte[] chunked = random(300, 15);
    assertStatus(putChunked(contentPath(id), chunked, "Content-Range", "bytes 6000-6299/*"), 200);
    expected = overlay(expected, 6000, chunked);
    assertBytes(read(id), expected);
  }

  @Test
  void putWithCompleteLengthSetsTheSize() {
    String id = newFile(BLOCK);
    byte[] base = random(3 * BLOCK, 16);
    replace(id, base);

    // truncating: bytes 0-9 written, size 20; bytes 10-19 keep their old values
    byte[] ten = ascii("0123456789");
    JsonNode f = json(put(contentPath(id), ten, "Content-Range", "bytes 0-9/20"), 200);
    assertThat(f.path("size").asLong()).isEqualTo(20);
    byte[] expected = concat(ten, slice(base, 10, 20));
    assertBytes(read(id), expected);
    // what was cut off is gone
    assertStatus(patch("/v1/files/" + id, "{\"size\":" + (3 * BLOCK) + "}"), 200);
    expected = concat(expected, new byte[3 * BLOCK - 20]);
    assertBytes(read(id), expected);

    // extending: the range is written and the rest up to N reads as zeros
    f = json(put(contentPath(id), ten, "Content-Range", "bytes 5-14/50000"), 200);
    assertThat(f.path("size").asLong()).isEqualTo(50000);
    expected = overlay(concat(expected, new byte[50000 - expected.length]), 5, ten);
    assertBytes(read(id), expected);

    // truncating to a size inside a block the body does not touch
    f = json(put(contentPath(id), ten, "Content-Range", "bytes 0-9/" + (BLOCK + 7)), 200);
    assertThat(f.path("size").asLong()).isEqualTo(BLOCK + 7);
    expected = overlay(slice(expected, 0, BLOCK + 7), 0, ten);
    assertBytes(read(id), expected);
    assertStatus(patch("/v1/files/" + id, "{\"size\":" + (2 * BLOCK) + "}"), 200);
    assertBytes(read(id), concat(expected, new byte[BLOCK - 7]));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bytes 5-2/*",
        "bytes x-y/*",
        "0-4/*",
        "bytes 0-4",
        "bytes */10",
        "bytes 0-4/3",
        "bytes 0-4/4",
        "bytes -1-3/*",
        "bytes 0-4/abc",
        "items 0-4/*"
      })
  void malformedContentRangeIs400AndChangesNothing(String contentRange) {
    String id = hundred();
    String etag = etag(id);
    assertProblem(put(contentPath(id), ascii("abcde"), "Content-Range", contentRange), 400);
    assertUnchanged(id, counting(100), etag);
  }

  /**
   * A body whose length differs from its Content-Range: sent with a Content-Length, or streamed
   * (chunked, no Content-Length) so that the difference shows only as it arrives.
   */
  record Mismatch(String what, boolean streamed, byte[] body, String contentRange) {
    @Override
    public String toString() {
      return what + ": " + body.length + " bytes for " + contentRange;
    }
  }

  static Stream<Mismatch> mismatches() {
    return Stream.of(
        new Mismatch("a shorter Content-Length", false, ascii("abcde"), "bytes 0-9/*"),
        new Mismatch("a longer Content-Length", false, ascii("abcde"), "bytes 0-1/*"),
        new Mismatch(
            "a shorter Content-Length past the end", false, ascii("abcde"), "bytes 200-209/*"),
        new Mismatch("a shorter streamed body", true, ascii("abcde"), "bytes 0-9/*"),
        new Mismatch("a longer streamed body", true, ascii("abcde"), "bytes 0-1/*"),
        // covers several blocks before it turns out too short
        new Mismatch("a long streamed body", true, random(3 * BLOCK, 17), "bytes 0-20000/*"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mismatches")
  void bodyLengthDifferentFromTheRangeIs400AndChangesNothing(Mismatch m) {
    String id = hundred();
    String etag = etag(id);
    HttpResponse<byte[]> r =
        m.streamed()
            ? putChunked(contentPath(id), m.body(), "Content-Range", m.contentRange())
            : put(contentPath(id), m.body(), "Content-Range", m.contentRange());
    assertProblem(r, 400);
    assertUnchanged(id, counting(100), etag);
  }

  @Test
  void ifMatchOnWrites() {
    String id = hundred();
    String stale = etag(id);
    writeAt(id, 0, ascii("A"));
    byte[] current = overlay(counting(100), 0, ascii("A"));
    String etag = etag(id);

    HttpResponse<byte[]> r =
        put(contentPath(id), ascii("zz"), "If-Match", stale, "Content-Range", "bytes 5-6/*");
    assertProblem(r, 412);
    assertProblem(put(contentPath(id), ascii("replaced"), "If-Match", stale), 412);
    assertProblem(post(contentPath(id), ascii("appended"), "If-Match", stale), 412);
    assertProblem(put(contentPath(id), ascii("zz"), "If-Match", "\"nonsense\""), 412);
    assertProblem(put(contentPath(id), ascii("zz"), "If-Match", "W/" + etag), 412);
    assertUnchanged(id, current, etag);

    JsonNode f =
        json(
            put(contentPath(id), ascii("zz"), "If-Match", etag, "Content-Range", "bytes 5-6/*"),
            200);
    current = overlay(current, 5, ascii("zz"));
    assertBytes(read(id), current);
    assertThat(etag(id)).isNotEqualTo(etag);
    assertThat(f.path("size").asLong()).isEqualTo(100);
    assertStatus(put(contentPath(id), ascii("new"), "If-Match", "*"), 200);
    assertBytes(read(id), ascii("new"));
  }

  @Test
  void writesPastTheMaximumFileSizeAre413AndChangeNothing() {
    String id = hundred();
    String etag = etag(id);
    long twoGb = 2L << 30;
    assertProblem(
        put(
            contentPath(id),
            ascii("0123456789"),
            "Content-Range",
            "bytes " + twoGb + "-" + (twoGb + 9) + "/*"),
        413);
    assertProblem(
        put(contentPath(id), ascii("0123456789"), "Content-Range", "bytes 0-9/" + twoGb), 413);
    assertProblem(patch("/v1/files/" + id, "{\"size\":" + twoGb + "}"), 413);
    assertProblem(patch("/v1/files/" + id, "{\"size\":" + ((1L << 30) + 1) + "}"), 413);
    assertUnchanged(id, counting(100), etag);

    // exactly the maximum is allowed; one appended byte more is not
    assertStatus(patch("/v1/files/" + id, "{\"size\":" + (1L << 30) + "}"), 200);
    String full = etag(id);
    assertProblem(post(contentPath(id), ascii("x")), 413);
    assertThat(etag(id)).isEqualTo(full);
    assertThat(stat(id).path("size").asLong()).isEqualTo(1L << 30);
  }

  // ------------------------------------------------------------------ POST

  @Test
  void postAppendsTheBody() {
    String id = newFile(BLOCK);
    JsonNode f = json(post(contentPath(id), ascii("abc")), 200);
    assertThat(f.path("size").asLong()).isEqualTo(3);
    f = json(post(contentPath(id), ascii("def")), 200);
    assertThat(f.path("size").asLong()).isEqualTo(6);
    assertBytes(read(id), ascii("abcdef"));
    byte[] more = random(2 * BLOCK + 10, 18);
    f = json(post(contentPath(id), more), 200);
    assertThat(f.path("size").asLong()).isEqualTo(6 + more.length);
    assertBytes(read(id), concat(ascii("abcdef"), more));
    // appending after a hole: the append starts at the current size
    assertStatus(patch("/v1/files/" + id, "{\"size\":" + (5 * BLOCK) + "}"), 200);
    json(post(contentPath(id), ascii("tail")), 200);
    byte[] expected = concat(ascii("abcdef"), more, new byte[5 * BLOCK - 6 - more.length]);
    assertBytes(read(id), concat(expected, ascii("tail")));
  }

  @Test
  void postWithAFormContentTypeAppendsTheRawBody() {
    String id = newFile(BLOCK);
    byte[] body = ascii("a=1&b=2");
    HttpResponse<byte[]> r =
        send(
            req(contentPath(id), "Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    assertStatus(r, 200);
    assertBytes(read(id), body);
  }
}
