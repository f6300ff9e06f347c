package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 9110 section 13 conformance, table-driven: preconditions in their order of evaluation
 * (13.2.2), on GET and HEAD of content and on writes. Placeholders in the table: {@code ETAG} the
 * current strong tag, {@code STALE} an old one, {@code LM} the exact Last-Modified date, {@code
 * PAST}/{@code FUTURE} dates around it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConditionalConformanceIT extends HttpTestBase {

  private String id;
  private String etag;
  private String stale;
  private String lastModified;

  @BeforeAll
  void file() {
    id = newFile(BLOCK, "auto");
    replace(id, ascii("first"));
    stale = etag(id);
    replace(id, random(6000, 7));
    HttpResponse<byte[]> r = get(contentPath(id));
    etag = header(r, "ETag");
    lastModified = header(r, "Last-Modified");
  }

  private String fill(String v) {
    Instant lm = Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(lastModified));
    DateTimeFormatter f = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    return v.replace("STALE", stale)
        .replace("ETAG", etag)
        .replace("LM", lastModified)
        .replace("PAST", f.format(lm.minusSeconds(3600)))
        .replace("FUTURE", f.format(lm.plusSeconds(3600)));
  }

  private String[] headers(String spec) {
    List<String> out = new ArrayList<>();
    if (!spec.isEmpty()) {
      for (String h : spec.split("\\|")) {
        int colon = h.indexOf(':');
        out.add(h.substring(0, colon).trim());
        out.add(fill(h.substring(colon + 1).trim()));
      }
    }
    return out.toArray(String[]::new);
  }

  /** Request headers ("Name: value|Name: value"), expected status for GET and HEAD. */
  static Stream<Arguments> reads() {
    return Stream.of(
        Arguments.of("", 200),
        Arguments.of("If-Match: ETAG", 200),
        Arguments.of("If-Match: *", 200),
        Arguments.of("If-Match: STALE", 412),
        Arguments.of("If-Match: STALE, ETAG", 200),
        Arguments.of("If-Match: W/ETAG", 412),
        Arguments.of("If-None-Match: ETAG", 304),
        Arguments.of("If-None-Match: W/ETAG", 304),
        Arguments.of("If-None-Match: *", 304),
        Arguments.of("If-None-Match: STALE", 200),
        Arguments.of("If-Modified-Since: LM", 304),
        Arguments.of("If-Modified-Since: FUTURE", 304),
        Arguments.of("If-Modified-Since: PAST", 200),
        Arguments.of("If-Modified-Since: not a date", 200),
        Arguments.of("If-Unmodified-Since: PAST", 412),
        Arguments.of("If-Unmodified-Since: LM", 200),
        Arguments.of("If-Match: STALE|If-None-Match: STALE", 412),
        Arguments.of("If-Match: ETAG|If-Unmodified-Since: PAST", 200),
        Arguments.of("If-None-Match: STALE|If-Modified-Since: FUTURE", 200),
        Arguments.of("If-None-Match: ETAG|If-Modified-Since: PAST", 304),
        Arguments.of("Range: bytes=0-9|If-Range: ETAG", 206),
        Arguments.of("Range: bytes=0-9|If-Range: STALE", 200),
        Arguments.of("Range: bytes=0-9|If-Range: W/ETAG", 200),
        Arguments.of("Range: bytes=0-9|If-Range: LM", 206),
        Arguments.of("Range: bytes=0-9|If-Range: PAST", 200),
        Arguments.of("Range: bytes=0-9|If-None-Match: ETAG", 304),
        Arguments.of("Range: bytes=0-9|If-Match: STALE", 412));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("reads")
  void readsFollowTheTable(String spec, int status) {
    for (HttpResponse<byte[]> r :
        List.of(get(contentPath(id), headers(spec)), head(contentPath(id), headers(spec)))) {
      assertThat(r.statusCode()).as(spec + ": " + describe(r)).isEqualTo(status);
      if (status == 200 || status == 206 || status == 304) {
        assertThat(header(r, "ETag")).isEqualTo(etag);
        assertThat(header(r, "Last-Modified")).isEqualTo(lastModified);
      }
      if (status == 304) {
        assertThat(r.body()).isEmpty();
      }
    }
  }

  /** Request headers of a PUT, expected status; a 412 must change nothing. */
  static Stream<Arguments> writes() {
    return Stream.of(
        Arguments.of("If-Match: STALE", 412),
        Arguments.of("If-Match: W/ETAG", 412),
        Arguments.of("If-None-Match: *", 412),
        Arguments.of("If-None-Match: ETAG", 412),
        Arguments.of("If-Unmodified-Since: PAST", 412),
        Arguments.of("If-Match: ETAG|If-Unmodified-Since: PAST", 200),
        Arguments.of("If-None-Match: STALE", 200),
        Arguments.of("If-Match: ETAG", 200));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("writes")
  void writesFollowTheTable(String spec, int status) {
    byte[] before = read(id);
    HttpResponse<byte[]> r =
        put(
            contentPath(id),
            new byte[] {before[0]},
            withHeader(headers(spec), "Content-Range", "bytes 0-0/*"));
    assertThat(r.statusCode()).as(spec + ": " + describe(r)).isEqualTo(status);
    if (status == 412) {
      assertProblem(r, 412);
      assertUnchanged(id, before, etag);
    } else {
      // the write made a new revision: take its validators for the next rows
      HttpResponse<byte[]> now = get(contentPath(id));
      etag = header(now, "ETag");
      lastModified = header(now, "Last-Modified");
    }
  }
}
