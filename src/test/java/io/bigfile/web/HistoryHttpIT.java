package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** Reading past revisions with {@code at=<revision>}; at= is read-only. */
class HistoryHttpIT extends HttpTestBase {

  @Test
  void anOldRevisionReadsTheOldBytesAndAttributes() {
    JsonNode created = json(postJson("/v1/files", "{\"blockSize\":4096,\"name\":\"v0\"}"), 201);
    String id = text(created, "id");
    long r0 = created.path("revision").asLong();
    byte[] v1 = random(3 * BLOCK, 40);
    long r1 = replace(id, v1).path("revision").asLong();
    byte[] patch = random(BLOCK, 41);
    long r2 = writeAt(id, BLOCK / 2, patch).path("revision").asLong();
    byte[] v2 = overlay(v1, BLOCK / 2, patch);
    long r3 =
        json(patch("/v1/files/" + id, "{\"size\":100,\"name\":\"v3\"}"), 200)
            .path("revision")
            .asLong();
    assertThat(List.of(r0, r1, r2, r3)).isSorted().doesNotHaveDuplicates();

    assertThat(read(id, "?at=" + r0)).isEmpty();
    assertBytes(read(id, "?at=" + r1), v1);
    assertBytes(read(id, "?at=" + r2), v2);
    assertBytes(read(id, "?at=" + r3), slice(v2, 0, 100));
    assertBytes(read(id), slice(v2, 0, 100));

    HttpResponse<byte[]> r = get(contentPath(id) + "?at=" + r1, "Range", "bytes=4000-4200");
    assertStatus(r, 206);
    assertThat(header(r, "Content-Range")).isEqualTo("bytes 4000-4200/" + v1.length);
    assertBytes(r.body(), slice(v1, 4000, 4201));
    assertThat(header(r, "BigFile-Revision")).isEqualTo(Long.toString(r1));

    JsonNode at1 = json(get("/v1/files/" + id + "?at=" + r1), 200);
    assertThat(at1.path("revision").asLong()).isEqualTo(r1);
    assertThat(at1.path("size").asLong()).isEqualTo(v1.length);
    assertThat(text(at1, "name")).isEqualTo("v0");
    JsonNode at3 = json(get("/v1/files/" + id + "?at=" + r3), 200);
    assertThat(text(at3, "name")).isEqualTo("v3");

    // validators name the revision seen
    String tag1 = header(get(contentPath(id) + "?at=" + r1), "ETag");
    String tag2 = header(get(contentPath(id) + "?at=" + r2), "ETag");
    assertThat(tag1).isNotEqualTo(tag2);
    assertStatus(get(contentPath(id) + "?at=" + r1, "If-None-Match", tag1), 304);

    // before the file existed
    assertProblem(get("/v1/files/" + id + "?at=" + (r0 - 1)), 404);
    assertProblem(get(contentPath(id) + "?at=" + (r0 - 1)), 404);
  }

  @Test
  void listingAtARevisionShowsTheFilesOfThatRevision() {
    String before = newFile(BLOCK);
    long rev = replace(before, ascii("x")).path("revision").asLong();
    String after = newFile(BLOCK);
    assertThat(listAll("?at=" + rev)).contains(before).doesNotContain(after);
  }

  @Test
  void atInTheFutureIs400() {
    String id = newFile(BLOCK);
    long head = replace(id, ascii("now")).path("revision").asLong();
    String future = "?at=" + (head + 1_000_000);
    assertProblem(get(contentPath(id) + future), 400);
    HttpResponse<byte[]> h = assertStatus(head(contentPath(id) + future), 400);
    assertThat(header(h, "Content-Type")).startsWith(PROBLEM_JSON);
    assertThat(h.body()).isEmpty();
    assertProblem(get("/v1/files/" + id + future), 400);
    assertProblem(get("/v1/files" + future), 400);
    assertProblem(get("/v1/files/" + id + "/revisions" + future), 400);
  }

  @ParameterizedTest
  @ValueSource(strings = {"at=abc", "at=-1", "at=", "at=1.5", "at=1&txn=abc"})
  void badAtIs400(String query) {
    String id = newFile(BLOCK);
    replace(id, ascii("now"));
    assertProblem(get(contentPath(id) + "?" + query), 400);
    assertProblem(get("/v1/files/" + id + "?" + query), 400);
  }

  /** A change of the file {@code id} sent with the query {@code at} (such as {@code ?at=5}). */
  @FunctionalInterface
  private interface Change {
    HttpResponse<byte[]> send(HistoryHttpIT test, String id, String at);
  }

  private record ChangeWithAt(String name, Change change) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<ChangeWithAt> changesWithAt() {
    return Stream.of(
        new ChangeWithAt(
            "PUT content", (it, id, at) -> it.put(contentPath(id) + at, ascii("nope"))),
        new ChangeWithAt(
            "PUT a range",
            (it, id, at) ->
                it.put(contentPath(id) + at, ascii("n"), "Content-Range", "bytes 0-0/*")),
        new ChangeWithAt(
            "POST content", (it, id, at) -> it.post(contentPath(id) + at, ascii("nope"))),
        new ChangeWithAt(
            "PATCH the name",
            (it, id, at) -> it.patch("/v1/files/" + id + at, "{\"name\":\"nope\"}")),
        new ChangeWithAt(
            "PATCH the size", (it, id, at) -> it.patch("/v1/files/" + id + at, "{\"size\":1}")),
        new ChangeWithAt("DELETE", (it, id, at) -> it.delete("/v1/files/" + id + at)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changesWithAt")
  void aChangeWithAtIs400AndChangesNothing(ChangeWithAt c) {
    String id = newFile(BLOCK);
    long rev = replace(id, ascii("keep")).path("revision").asLong();
    String etag = etag(id);
    assertProblem(c.change().send(this, id, "?at=" + rev), 400);
    assertUnchanged(id, ascii("keep"), etag);
    assertThat(text(stat(id), "name")).isNull();
  }

  @Test
  void creatingAFileWithAtIs400() {
    long head = replace(newFile(BLOCK), ascii("x")).path("revision").asLong();
    assertProblem(postJson("/v1/files?at=" + head, "{\"blockSize\":4096}"), 400);
  }
}
