package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Byte-range PATCH (draft-ietf-httpapi-patch-byterange) over HTTP. */
class PatchHttpIT extends HttpTestBase {

  private HttpResponse<byte[]> patchBody(
      String path, String contentType, byte[] body, String... headers) {
    HttpRequest.Builder b = req(path, headers);
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b.method("PATCH", HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  private static byte[] message(String headers, byte[] data) {
    return concat(
        headers.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1),
        "\r\n".getBytes(),
        data);
  }

  /** A multipart/byteranges body: each part is a header block and its data. */
  private static byte[] multipart(String boundary, Object... headersAndData) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("preamble to ignore\r\n").getBytes(StandardCharsets.ISO_8859_1));
    for (int i = 0; i < headersAndData.length; i += 2) {
      out.writeBytes(
          ("--" + boundary + "\r\n" + headersAndData[i] + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.writeBytes((byte[]) headersAndData[i + 1]);
      out.writeBytes("\r\n".getBytes());
    }
    out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  @Test
  void aMessageByterangeWritesOneRange() {
    String id = newFile(BLOCK, "auto");
    byte[] base = random(3 * BLOCK, 1);
    replace(id, base);
    byte[] data = random(100, 2);
    var r =
        patchBody(
            contentPath(id),
            "message/byterange",
            message(
                "Content-Range: bytes 4090-4189/*\nContent-Type: application/octet-stream\n",
                data));
    assertStatus(r, 200);
    assertBytes(read(id), overlay(base, 4090, data));
  }

  @Test
  void severalRangesApplyAllOrNothing() {
    String id = newFile(BLOCK, "chunked");
    byte[] base = random(2 * BLOCK, 3);
    replace(id, base);
    String tag = etag(id);
    byte[] a = random(10, 4);
    byte[] b = random(5000, 5);
    var ok =
        patchBody(
            contentPath(id),
            "multipart/byteranges; boundary=THIS_STRING_SEPARATES",
            multipart(
                "THIS_STRING_SEPARATES",
                "Content-Range: bytes 0-9/*",
                a,
                "Content-Type: application/octet-stream\r\nContent-Range: bytes 9000-13999/*",
                b));
    assertStatus(ok, 200);
    byte[] expected = overlay(overlay(base, 0, a), 9000, b);
    assertBytes(read(id), expected);
    assertThat(etag(id)).isNotEqualTo(tag);

    // the second part is shorter than its range: nothing of the request is applied
    String before = etag(id);
    var bad =
        patchBody(
            contentPath(id),
            "multipart/byteranges; boundary=\"b1\"",
            multipart(
                "b1",
                "Content-Range: bytes 0-3/*",
                ascii("ZZZZ"),
                "Content-Range: bytes 10-19/*",
                ascii("short")));
    assertProblem(bad, 400);
    assertUnchanged(id, expected, before);
  }

  @Test
  void aCompleteLengthSetsTheSize() {
    String id = newFile(BLOCK, "whole");
    replace(id, random(10_000, 6));
    var r =
        patchBody(
            contentPath(id),
            "message/byterange",
            message("Content-Range: bytes 0-1/5\n", ascii("hi")));
    assertStatus(r, 200);
    byte[] now = read(id);
    assertThat(now).hasSize(5);
    assertThat(new String(now, 0, 2, StandardCharsets.US_ASCII)).isEqualTo("hi");
  }

  @Test
  void anOpenRangeNeedsItsLength() {
    String id = newFile(BLOCK, "auto");
    assertProblem(
        patchBody(
            contentPath(id),
            "message/byterange",
            message("Content-Range: bytes 7-*/*\n", ascii("abc"))),
        411);
    var r =
        patchBody(
            contentPath(id),
            "message/byterange",
            message("Content-Range: bytes 7-*/*\nContent-Length: 3\n", ascii("abc")));
    assertStatus(r, 200);
    assertBytes(read(id), concat(new byte[7], ascii("abc")));
  }

  /** A PATCH body the service must refuse, with its media type (null: none) and the status. */
  record Refused(String what, String contentType, byte[] body, int status) {
    @Override
    public String toString() {
      return what + " -> " + status;
    }
  }

  static Stream<Refused> refused() {
    return Stream.of(
        new Refused(
            "a part without Content-Range",
            "message/byterange",
            message("Content-Type: text/plain\n", ascii("x")),
            422),
        new Refused(
            "an unusable range",
            "message/byterange",
            message("Content-Range: bytes 9-2/*\n", ascii("x")),
            400),
        new Refused("another media type", "application/octet-stream", ascii("x"), 415),
        new Refused("no media type", null, ascii("x"), 415),
        new Refused("multipart without a boundary", "multipart/byteranges", ascii("--x\r\n"), 400),
        new Refused(
            "a cut-off multipart body",
            "multipart/byteranges; boundary=zz",
            ascii("--zz\r\nContent-Range: bytes 0-0/*\r\n\r\nA"),
            400));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void unusableRangesAndOtherMediaTypesAreRefused(Refused refused) {
    String id = newFile(BLOCK, "auto");
    replace(id, ascii("unchanged"));
    String tag = etag(id);
    var r = patchBody(contentPath(id), refused.contentType(), refused.body());
    assertProblem(r, refused.status());
    if (refused.status() == 415) {
      // RFC 5789 section 2.2: a 415 names the patch formats the resource accepts
      assertThat(header(r, "Accept-Patch"))
          .contains("message/byterange")
          .contains("multipart/byteranges");
    }
    assertUnchanged(id, ascii("unchanged"), tag);
  }

  @Test
  void patchesRunInTransactionsAndHonourPreconditions() {
    String id = newFile(BLOCK, "auto");
    replace(id, ascii("0123456789"));
    String tag = etag(id);
    assertProblem(
        patchBody(
            contentPath(id),
            "message/byterange",
            message("Content-Range: bytes 0-0/*\n", ascii("X")),
            "If-Match",
            "\"stale\""),
        412);
    String t = begin();
    assertStatus(
        patchBody(
            contentPath(id) + "?txn=" + t,
            "message/byterange",
            message("Content-Range: bytes 0-0/*\n", ascii("X")),
            "If-Match",
            tag),
        200);
    assertBytes(read(id), ascii("0123456789"));
    assertBytes(read(id, "?txn=" + t), ascii("X123456789"));
    commit(t);
    assertBytes(read(id), ascii("X123456789"));
  }

  @Test
  void supportIsAdvertised() {
    String id = newFile(BLOCK, "auto");
    assertThat(header(get(contentPath(id)), "Accept-Patch"))
        .isEqualTo(ContentController.ACCEPT_PATCH);
    var options = send(req(contentPath(id)).method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    assertStatus(options, 200);
    assertThat(header(options, "Accept-Patch")).isEqualTo(ContentController.ACCEPT_PATCH);
    assertThat(header(options, "Allow")).contains("PATCH");
  }
}
