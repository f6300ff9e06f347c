package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9110 section 14 conformance, table-driven: each row is a Range header and the expected
 * status, Content-Range and body, checked with GET and again with HEAD (same status and headers, no
 * body). The file is 10000 bytes in 4096-byte blocks; another is empty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RangeConformanceIT extends HttpTestBase {

  private static final int SIZE = 10_000;
  private String id;
  private byte[] content;
  private String emptyId;

  @BeforeAll
  void file() {
    emptyId = newFile(BLOCK, "auto");
    id = newFile(BLOCK, "auto");
    content = random(SIZE, 42);
    replace(id, content);
  }

  /** Range header, status, Content-Range (null: none), first byte, length of a single-part body. */
  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of(null, 200, null, 0, SIZE),
        Arguments.of("bytes=0-0", 206, "bytes 0-0/10000", 0, 1),
        Arguments.of("bytes=0-9999", 206, "bytes 0-9999/10000", 0, SIZE),
        Arguments.of("bytes=9999-", 206, "bytes 9999-9999/10000", 9999, 1),
        Arguments.of("bytes=4095-4096", 206, "bytes 4095-4096/10000", 4095, 2),
        Arguments.of("bytes=5000-99999", 206, "bytes 5000-9999/10000", 5000, 5000),
        Arguments.of("bytes=-1", 206, "bytes 9999-9999/10000", 9999, 1),
        Arguments.of("bytes=-10000", 206, "bytes 0-9999/10000", 0, SIZE),
        Arguments.of("bytes=-20000", 206, "bytes 0-9999/10000", 0, SIZE),
        Arguments.of("bytes=0-1,10000-10001", 206, "bytes 0-1/10000", 0, 2),
        Arguments.of("bytes = 3-4", 206, "bytes 3-4/10000", 3, 2),
        Arguments.of("bytes=10000-", 416, "bytes */10000", 0, 0),
        Arguments.of("bytes=10000-10005", 416, "bytes */10000", 0, 0),
        Arguments.of("bytes=-0", 416, "bytes */10000", 0, 0),
        Arguments.of("bytes=5-1", 200, null, 0, SIZE),
        Arguments.of("bytes=abc", 200, null, 0, SIZE),
        Arguments.of("items=0-1", 200, null, 0, SIZE),
        Arguments.of("bytes=", 200, null, 0, SIZE),
        Arguments.of("bytes=1-2,,", 206, "bytes 1-2/10000", 1, 2));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("rows")
  void getAndHeadFollowTheTable(
      String range, int status, String contentRange, int first, int length) {
    String[] headers = range == null ? new String[0] : new String[] {"Range", range};
    HttpResponse<byte[]> get = get(contentPath(id), headers);
    HttpResponse<byte[]> head = head(contentPath(id), headers);
    for (HttpResponse<byte[]> r : java.util.List.of(get, head)) {
      assertThat(r.statusCode()).as(describe(r)).isEqualTo(status);
      assertThat(header(r, "Content-Range")).isEqualTo(contentRange);
      assertThat(header(r, "Accept-Ranges")).isEqualTo("bytes");
      assertThat(header(r, "ETag")).isNotNull();
      assertThat(header(r, "Last-Modified")).isNotNull();
    }
    assertThat(head.body()).isEmpty();
    assertThat(header(head, "Content-Length")).isEqualTo(header(get, "Content-Length"));
    if (status == 416) {
      assertThat(header(get, "Content-Type")).isEqualTo(PROBLEM_JSON);
    } else {
      assertThat(header(get, "Content-Type")).isEqualTo(OCTETS);
      assertBytes(get.body(), slice(content, first, first + length));
      assertThat(header(get, "Content-Length")).isEqualTo(Integer.toString(length));
    }
  }

  /**
   * An empty file has no byte to range over: every Range on it, satisfiable-looking or not, is
   * ignored and the empty body is 200 (as Go's file server does, so that ffprobe can open it).
   */
  @ParameterizedTest(name = "empty file, {0} -> 200")
  @ValueSource(strings = {"bytes=0-", "bytes=0-0", "bytes=0-99", "bytes=-1", "bytes=-0"})
  void anyRangeOfTheEmptyFileIsIgnored(String range) {
    HttpResponse<byte[]> get = get(contentPath(emptyId), "Range", range);
    HttpResponse<byte[]> head = head(contentPath(emptyId), "Range", range);
    for (HttpResponse<byte[]> r : java.util.List.of(get, head)) {
      assertThat(r.statusCode()).as(describe(r)).isEqualTo(200);
      assertThat(header(r, "Content-Range")).isNull();
      assertThat(header(r, "Content-Length")).isEqualTo("0");
      assertThat(header(r, "Content-Type")).isEqualTo(OCTETS);
      assertThat(header(r, "Accept-Ranges")).isEqualTo("bytes");
      assertThat(header(r, "ETag")).isNotNull();
      assertThat(r.body()).isEmpty();
    }
  }

  static Stream<Arguments> multipartRows() {
    return Stream.of(
        Arguments.of("bytes=0-1,4-5", new long[][] {{0, 2}, {4, 2}}),
        Arguments.of("bytes=9000-,0-0", new long[][] {{9000, 1000}, {0, 1}}),
        Arguments.of("bytes=-5,4090-4100", new long[][] {{9995, 5}, {4090, 11}}),
        Arguments.of("bytes=0-9,5-14", new long[][] {{0, 10}, {5, 10}}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("multipartRows")
  void severalRangesAreMultipartInRequestOrder(String range, long[][] parts) {
    HttpResponse<byte[]> get = get(contentPath(id), "Range", range);
    assertStatus(get, 206);
    assertThat(header(get, "Content-Range")).as("no top-level Content-Range").isNull();
    assertThat(Long.parseLong(header(get, "Content-Length"))).isEqualTo(get.body().length);
    var got = multipart(get);
    assertThat(got).hasSize(parts.length);
    for (int i = 0; i < parts.length; i++) {
      long a = parts[i][0];
      long n = parts[i][1];
      assertThat(got.get(i).contentRange())
          .isEqualTo("bytes " + a + "-" + (a + n - 1) + "/" + SIZE);
      assertThat(got.get(i).contentType()).isEqualTo(OCTETS);
      assertBytes(got.get(i).data(), slice(content, a, a + n));
    }
    HttpResponse<byte[]> head = head(contentPath(id), "Range", range);
    assertStatus(head, 206);
    assertThat(head.body()).isEmpty();
    assertThat(header(head, "Content-Type")).startsWith("multipart/byteranges");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void rangeIsIgnoredOnWrites(String range) {
    if (range == null) {
      return;
    }
    String other = newFile(BLOCK, "whole");
    HttpResponse<byte[]> r = put(contentPath(other), ascii("whole body"), "Range", range);
    assertStatus(r, 200);
    assertBytes(read(other), ascii("whole body"));
  }
}
