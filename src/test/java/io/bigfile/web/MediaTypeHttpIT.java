package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A file's media type and name on the wire: {@code contentType} in the file JSON, {@code
 * Content-Type}, {@code Content-Disposition} (RFC 6266) and {@code X-Content-Type-Options} on every
 * read, parts of {@code multipart/byteranges} included, and the {@code /content/{name}} form.
 */
class MediaTypeHttpIT extends HttpTestBase {

  private static final byte[] DATA = random(3 * BLOCK + 17, 61);

  /** A file named {@code name} of type {@code type} holding {@link #DATA}. */
  private String typedFile(String name, String type) {
    String id =
        createFile(
            "{\"blockSize\":"
                + BLOCK
                + ",\"name\":\""
                + name
                + "\",\"contentType\":\""
                + type.replace("\"", "\\\"")
                + "\"}");
    replace(id, DATA);
    return id;
  }

  private static void assertDescribed(HttpResponse<byte[]> r, String type, String disposition) {
    assertThat(header(r, "Content-Type")).as(describe(r)).isEqualTo(type);
    assertThat(header(r, "Content-Disposition")).as(describe(r)).isEqualTo(disposition);
    assertThat(header(r, "X-Content-Type-Options")).as(describe(r)).isEqualTo("nosniff");
  }

  @Test
  void theContentTypeIsSetAtCreationChangedByPatchAndVersionedLikeTheName() {
    HttpResponse<byte[]> created =
        assertStatus(sendCreateFile("{\"name\":\"clip.mp4\",\"contentType\":\"video/mp4\"}"), 201);
    String id = field(created, "id");
    assertThat(field(created, "contentType")).isEqualTo("video/mp4");
    assertThat(text(stat(id), "contentType")).isEqualTo("video/mp4");
    long r0 = stat(id).path("revision").asLong();

    JsonNode p =
        json(patch("/v1/files/" + id, "{\"contentType\":\"video/webm; codecs=vp9\"}"), 200);
    assertThat(text(p, "contentType")).isEqualTo("video/webm; codecs=vp9");
    assertThat(text(p, "name")).isEqualTo("clip.mp4");
    // absent and null leave it as it is
    assertThat(text(json(patch("/v1/files/" + id, "{\"name\":\"clip.webm\"}"), 200), "contentType"))
        .isEqualTo("video/webm; codecs=vp9");
    assertThat(
            text(
                json(patch("/v1/files/" + id, "{\"contentType\":null,\"size\":5}"), 200),
                "contentType"))
        .isEqualTo("video/webm; codecs=vp9");
    assertThat(text(json(get("/v1/files/" + id + "?at=" + r0), 200), "contentType"))
        .isEqualTo("video/mp4");
    assertThat(listAll("")).contains(id);

    // the empty string removes it: JSON null again, and the content is octets
    JsonNode cleared = json(patch("/v1/files/" + id, "{\"contentType\":\"\"}"), 200);
    assertThat(cleared.has("contentType")).isTrue();
    assertThat(cleared.get("contentType").isNull()).isTrue();
    assertDescribed(
        assertStatus(get(contentPath(id)), 200), OCTETS, "inline; filename=\"clip.webm\"");

    JsonNode revisions = json(get("/v1/files/" + id + "/revisions"), 200);
    assertThat(strings(revisions.path("items").get(0).path("changes")))
        .containsExactly("contentType");
    assertThat(strings(revisions.path("items").get(1).path("changes"))).containsExactly("size");
    assertThat(strings(revisions.path("items").get(3).path("changes")))
        .containsExactly("contentType");
  }

  @Test
  void anInvalidContentTypeIs400AndChangesNothing() {
    for (String bad :
        new String[] {"video", "video/mp4 x", "text/html\\r\\nX-Evil: 1", "a/" + "b".repeat(300)}) {
      assertProblem(sendCreateFile("{\"contentType\":\"" + bad + "\"}"), 400);
    }
    String id = typedFile("a.bin", "application/x-a");
    String tag = etag(id);
    assertThat(
            assertProblem(patch("/v1/files/" + id, "{\"contentType\":\"nope\",\"size\":1}"), 400)
                .path("detail")
                .asString())
        .contains("contentType");
    assertUnchanged(id, DATA, tag);
    assertThat(text(stat(id), "contentType")).isEqualTo("application/x-a");
  }

  @Test
  void readsCarryTheTypeTheNameAndNosniffWholeRangedAndHead() {
    String id = typedFile("scene.tif", "image/tiff; application=geotiff");
    String type = "image/tiff; application=geotiff";
    String disposition = "inline; filename=\"scene.tif\"";

    HttpResponse<byte[]> whole = assertStatus(get(contentPath(id)), 200);
    assertDescribed(whole, type, disposition);
    assertBytes(whole.body(), DATA);

    HttpResponse<byte[]> one = assertStatus(get(contentPath(id), "Range", "bytes=10-4200"), 206);
    assertDescribed(one, type, disposition);
    assertBytes(one.body(), slice(DATA, 10, 4201));

    HttpResponse<byte[]> two =
        assertStatus(get(contentPath(id), "Range", "bytes=0-9,5000-5009"), 206);
    assertThat(header(two, "Content-Disposition")).isEqualTo(disposition);
    assertThat(header(two, "X-Content-Type-Options")).isEqualTo("nosniff");
    List<Part> parts = multipart(two);
    assertThat(parts).extracting(Part::contentType).containsExactly(type, type);
    assertBytes(parts.get(1).data(), slice(DATA, 5000, 5010));

    for (String[] h : new String[][] {{}, {"Range", "bytes=10-20"}, {"Range", "bytes=0-1,4-5"}}) {
      HttpResponse<byte[]> got = get(contentPath(id), h);
      HttpResponse<byte[]> head = head(contentPath(id), h);
      assertThat(head.statusCode()).isEqualTo(got.statusCode());
      assertThat(head.body()).isEmpty();
      assertThat(header(head, "Content-Disposition")).isEqualTo(disposition);
      assertThat(header(head, "X-Content-Type-Options")).isEqualTo("nosniff");
      if (h.length == 0 || !h[1].contains(",")) {
        assertThat(header(head, "Content-Type")).isEqualTo(type);
      }
    }
  }

  @Test
  void aNonAsciiNameGetsFilenameStarAndAnAsciiFallback() {
    String id = typedFile("Straße 7 – ☀.csv", "text/csv");
    HttpResponse<byte[]> r = assertStatus(get(contentPath(id)), 200);
    assertThat(header(r, "Content-Disposition"))
        .isEqualTo(
            "inline; filename=\"Stra_e 7 _ _.csv\";"
                + " filename*=UTF-8''Stra%C3%9Fe%207%20%E2%80%93%20%E2%98%80.csv");
  }

  @Test
  void aFileWithoutTypeOrNameIsOctetsWithoutDisposition() {
    String id = fileWith(DATA);
    HttpResponse<byte[]> r = assertStatus(get(contentPath(id), "Range", "bytes=0-0"), 206);
    assertDescribed(r, OCTETS, null);
    assertThat(text(stat(id), "contentType")).isNull();
  }

  @Test
  void theNamedFormServesExactlyWhatContentServes() {
    String id = typedFile("scene.tif", "image/tiff");
    String named = contentPath(id) + "/scene.tif";
    String[] range = {"Range", "bytes=4000-4199"};
    HttpResponse<byte[]> plain = assertStatus(get(contentPath(id), range), 206);
    HttpResponse<byte[]> byName = assertStatus(get(named, range), 206);
    for (String h :
        List.of(
            "Content-Type",
            "Content-Range",
            "Content-Length",
            "Content-Disposition",
            "X-Content-Type-Options",
            "ETag",
            "Last-Modified",
            "Accept-Ranges")) {
      assertThat(header(byName, h)).as(h).isEqualTo(header(plain, h));
    }
    assertBytes(byName.body(), slice(DATA, 4000, 4200));
    assertThat(multipart(assertStatus(get(named, "Range", "bytes=0-1,-2"), 206))).hasSize(2);
    assertThat(head(contentPath(id) + "/any-name.TIF").statusCode()).isEqualTo(200);

    // validators and preconditions
    String tag = header(plain, "ETag");
    assertStatus(get(named, "If-None-Match", tag), 304);
    assertProblem(get(named, "If-Match", "\"r1\""), 412);
    assertStatus(get(named, "Range", "bytes=0-0", "If-Range", "\"r1\""), 200);

    // at= and txn= read the same snapshot
    long before = Long.parseLong(header(plain, "BigFile-Revision"));
    String txn = begin();
    writeAt(id, 0, ascii("abc"), "?txn=" + txn);
    assertBytes(read(id, "?txn=" + txn), concat(ascii("abc"), slice(DATA, 3, DATA.length)));
    assertBytes(
        assertStatus(get(named + "?txn=" + txn, "Range", "bytes=0-3"), 206).body(),
        concat(ascii("abc"), slice(DATA, 3, 4)));
    commit(txn);
    assertBytes(assertStatus(get(named + "?at=" + before), 200).body(), DATA);
  }

  @Test
  void errorsOfContentRequestsAreProblemsWithNosniffAndNoDisposition() {
    String id = typedFile("page.html", "text/html");
    for (HttpResponse<byte[]> r :
        List.of(
            get(contentPath(id), "If-Match", "\"r1\""),
            get(contentPath(id) + "/page.html", "If-Match", "\"r1\""),
            get(contentPath("00000000000000ff") + "/x.tif"),
            get(contentPath(id) + "?at=notanumber"))) {
      assertThat(header(r, "Content-Type")).as(describe(r)).startsWith(PROBLEM_JSON);
      assertThat(header(r, "X-Content-Type-Options")).as(describe(r)).isEqualTo("nosniff");
      // never the file's name; under a URL with an extension Spring's reflected-file-download
      // defence names the problem body f.txt
      assertThat(header(r, "Content-Disposition"))
          .as(describe(r))
          .isIn(null, "inline;filename=f.txt");
    }
    assertProblem(get(contentPath(id), "Range", "bytes=99999-"), 416);
    assertThat(header(get(contentPath(id), "Range", "bytes=99999-"), "X-Content-Type-Options"))
        .isEqualTo("nosniff");
  }
}
