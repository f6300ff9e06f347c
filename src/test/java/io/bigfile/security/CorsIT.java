package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.SecuredServiceTestBase;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * CORS for browser clients: the configured origin may call the API with the headers of range reads,
 * conditional requests, writes and tokens, and read the headers a client needs; its preflights need
 * no token and may be cached; any other origin gets no CORS headers (its page cannot read answers).
 */
class CorsIT extends SecuredServiceTestBase {

  private static final String OTHER_ORIGIN = "https://evil.example.test";

  private HttpResponse<byte[]> preflight(
      String origin, String path, String method, String headers) {
    return send(
        request(path)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
  }

  private static List<String> list(HttpResponse<?> r, String header) {
    String v = header(r, header);
    return v == null
        ? List.of()
        : Arrays.stream(v.split(",")).map(s -> s.strip().toLowerCase(Locale.ROOT)).toList();
  }

  @Test
  void aPreflightForARangeReadNeedsNoTokenAndIsCached() {
    HttpResponse<byte[]> r =
        preflight(
            ORIGIN,
            contentPath("7fffffffffffffff"),
            "GET",
            "authorization,range,if-range,if-none-match,if-modified-since");
    assertThat(r.statusCode()).as(describe(r)).isEqualTo(200);
    assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(list(r, "Access-Control-Allow-Methods")).contains("get", "head");
    assertThat(list(r, "Access-Control-Allow-Headers"))
        .contains("authorization", "range", "if-range", "if-none-match", "if-modified-since");
    assertThat(header(r, "Access-Control-Max-Age")).isEqualTo("600");
    assertThat(header(r, "Access-Control-Allow-Credentials")).isNull();
  }

  @Test
  void aPreflightForAWriteAllowsItsHeaders() {
    HttpResponse<byte[]> r =
        preflight(
            ORIGIN,
            contentPath("7fffffffffffffff"),
            "PUT",
            "authorization,content-type,content-range,if-match,if-unmodified-since,idempotency-key");
    assertThat(r.statusCode()).as(describe(r)).isEqualTo(200);
    assertThat(list(r, "Access-Control-Allow-Methods")).contains("put");
    assertThat(list(r, "Access-Control-Allow-Headers"))
        .contains(
            "authorization",
            "content-type",
            "content-range",
            "if-match",
            "if-unmodified-since",
            "idempotency-key");
  }

  @Test
  void aCrossOriginRangeReadExposesTheHeadersAClientNeeds() {
    String id = as(Tokens.ADMIN).createFile("{\"name\":\"cors.txt\"}");
    as(Tokens.ADMIN).replace(id, "hello, browser".getBytes(StandardCharsets.US_ASCII));
    HttpResponse<byte[]> r =
        as(Tokens.READER)
            .send(
                as(Tokens.READER)
                    .request(contentPath(id))
                    .header("Origin", ORIGIN)
                    .header("Range", "bytes=0-4")
                    .GET());
    assertThat(r.statusCode()).as(describe(r)).isEqualTo(206);
    assertThat(body(r)).isEqualTo("hello");
    assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(list(r, "Access-Control-Expose-Headers"))
        .contains(
            "content-range",
            "accept-ranges",
            "etag",
            "last-modified",
            "bigfile-revision",
            "content-disposition",
            "content-length");
  }

  @Test
  void anotherOriginGetsNoCorsHeaders() {
    HttpResponse<byte[]> pre =
        preflight(OTHER_ORIGIN, contentPath("7fffffffffffffff"), "GET", "authorization,range");
    assertThat(header(pre, "Access-Control-Allow-Origin")).isNull();
    assertThat(header(pre, "Access-Control-Allow-Headers")).isNull();

    String id = as(Tokens.ADMIN).createFile("{}");
    HttpResponse<byte[]> r =
        as(Tokens.READER)
            .send(
                as(Tokens.READER).request("/v1/files/" + id).header("Origin", OTHER_ORIGIN).GET());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(header(r, "Access-Control-Allow-Origin")).isNull();
  }

  @Test
  void aCrossOriginRequestWithoutATokenIsStill401() {
    HttpResponse<byte[]> r = send(request("/v1/files").header("Origin", ORIGIN).GET());
    assertThat(r.statusCode()).isEqualTo(401);
    // the page may read the status and the header that says why
    assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(list(r, "Access-Control-Expose-Headers")).contains("www-authenticate");
  }
}
