package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The file rows of the contract: create, list, describe, change attributes, delete, revisions, and
 * their errors.
 */
class FilesHttpIT extends HttpTestBase {

  // ------------------------------------------------------------------ POST /v1/files

  @Test
  void createReturns201WithLocationAndFileJsonWithDefaults() {
    HttpResponse<byte[]> r = postJson("/v1/files", "{}");
    JsonNode f = json(r, 201);
    String id = text(f, "id");
    assertThat(id).isNotBlank();
    assertThat(f.path("size").asLong()).isZero();
    assertThat(f.path("blockSize").asLong()).isEqualTo(2L * 1024 * 1024);
    assertThat(text(f, "format")).isEqualTo("auto");
    assertThat(text(f, "name")).isNull();
    assertThat(f.path("revision").isIntegralNumber()).as(f.toString()).isTrue();
    Instant created = Instant.parse(text(f, "createdAt"));
    Instant modified = Instant.parse(text(f, "modifiedAt"));
    assertThat(modified).isAfterOrEqualTo(created);

    String location = header(r, "Location");
    assertThat(location).isNotNull();
    URI resolved = uri("/v1/files").resolve(location);
    assertThat(resolved.getPath()).isEqualTo("/v1/files/" + id);
    JsonNode again = json(get(resolved.getPath()), 200);
    assertThat(again).isEqualTo(f);
  }

  @Test
  void createWithoutBodyUsesDefaults() {
    JsonNode f = json(postEmpty("/v1/files"), 201);
    assertThat(f.path("blockSize").asLong()).isEqualTo(2L * 1024 * 1024);
    assertThat(text(f, "format")).isEqualTo("auto");
    assertThat(f.path("size").asLong()).isZero();
  }

  @Test
  void createTakesNameBlockSizeAndFormat() {
    JsonNode f =
        json(
            postJson(
                "/v1/files", "{\"name\":\"data.bin\",\"blockSize\":16384,\"format\":\"chunked\"}"),
            201);
    assertThat(text(f, "name")).isEqualTo("data.bin");
    assertThat(f.path("blockSize").asInt()).isEqualTo(16384);
    assertThat(text(f, "format")).isEqualTo("chunked");
    assertThat(text(json(postJson("/v1/files", "{\"format\":\"whole\"}"), 201), "format"))
        .isEqualTo("whole");
    assertThat(
            json(postJson("/v1/files", "{\"blockSize\":16777216}"), 201).path("blockSize").asInt())
        .isEqualTo(16777216);
    assertThat(json(postJson("/v1/files", "{\"blockSize\":4096}"), 201).path("blockSize").asInt())
        .isEqualTo(4096);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -4096, 1000, 2048, 6144, 33554432})
  void createWithBadBlockSizeIs400(int blockSize) {
    assertProblem(postJson("/v1/files", "{\"blockSize\":" + blockSize + "}"), 400);
  }

  @ParameterizedTest
  @ValueSource(strings = {"zip", "WHOLE "})
  void createWithBadFormatIs400(String format) {
    assertProblem(postJson("/v1/files", "{\"format\":\"" + format + "\"}"), 400);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"blockSize\":", "{\"blockSize\":\"big\"}", "not json", "[1,2]"})
  void createWithBadJsonIs400Problem(String body) {
    assertProblem(postJson("/v1/files", body), 400);
  }

  // ------------------------------------------------------------------ GET /v1/files

  @Test
  void listWalksPagesWithLimitAndCursor() {
    Set<String> mine = new HashSet<>();
    for (int i = 0; i < 7; i++) {
      mine.add(createFile("{\"blockSize\":4096,\"name\":\"list-" + i + "\"}"));
    }
    String deleted = createFile("{\"blockSize\":4096}");
    assertStatus(delete("/v1/files/" + deleted), 204);

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      HttpResponse<byte[]> r =
          get("/v1/files?limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
      JsonNode page = json(r, 200);
      JsonNode items = page.path("items");
      assertThat(items.isArray()).as(page.toString()).isTrue();
      assertThat(items.size()).isLessThanOrEqualTo(3);
      cursor = text(page, "nextCursor");
      if (cursor != null) {
        assertThat(items.size()).as("a page that has a next page is full").isEqualTo(3);
      }
      for (JsonNode item : items) {
        String id = text(item, "id");
        seen.add(id);
        if (mine.contains(id)) {
          assertThat(text(item, "name")).startsWith("list-");
          assertThat(item.path("blockSize").asInt()).isEqualTo(4096);
        }
      }
      pages++;
      assertThat(pages).as("paging terminates").isLessThan(100_000);
    } while (cursor != null);

    for (String id : mine) {
      assertThat(seen.stream().filter(id::equals).count()).as("file " + id).isEqualTo(1);
    }
    assertThat(seen).doesNotContain(deleted);
    assertThat(seen).doesNotHaveDuplicates();
    assertThat(seen).as("files are listed by id").isSorted();
    assertThat(pages).isGreaterThanOrEqualTo(3);
  }

  @Test
  void listDefaultPageHoldsAFileJustCreated() {
    String id = newFile(4096);
    // walk with the default limit until the file shows up
    String cursor = null;
    boolean found = false;
    do {
      JsonNode page = json(get("/v1/files" + (cursor == null ? "" : "?cursor=" + cursor)), 200);
      for (JsonNode item : page.path("items")) {
        found |= id.equals(text(item, "id"));
      }
      cursor = text(page, "nextCursor");
    } while (cursor != null && !found);
    assertThat(found).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"limit=0", "limit=-1", "limit=1001", "limit=ten", "cursor=zzz"})
  void listWithBadParametersIs400(String query) {
    assertProblem(get("/v1/files?" + query), 400);
  }

  // ------------------------------------------------------------------ GET /v1/files/{id}

  @Test
  void getHasStrongETagLastModifiedAndRevisionHeader() {
    String id = newFile(4096);
    long written = writeAt(id, 0, ascii("hello")).path("revision").asLong();
    HttpResponse<byte[]> r = assertStatus(get("/v1/files/" + id), 200);
    JsonNode f = json(r);
    assertThat(f.path("id").asString()).isEqualTo(id);
    assertThat(f.path("size").asLong()).isEqualTo(5);
    assertThat(f.path("revision").asLong()).isEqualTo(written);
    for (String field :
        List.of(
            "id", "name", "contentType", "size", "blockSize", "format", "revision", "createdAt")) {
      assertThat(f.has(field)).as(field + " in " + f).isTrue();
    }
    String etag = header(r, "ETag");
    assertThat(etag).as("strong entity tag").matches("\"[^\"]+\"");
    assertLastModified(r, text(f, "modifiedAt"));
    assertThat(Long.parseLong(header(r, "BigFile-Revision"))).isGreaterThanOrEqualTo(written);

    // a commit to another file leaves the validators alone
    writeAt(newFile(4096), 0, ascii("other"));
    assertThat(etag(id)).isEqualTo(etag);

    // every commit that changes the file changes the ETag
    writeAt(id, 0, ascii("H"));
    String afterWrite = etag(id);
    assertThat(afterWrite).isNotEqualTo(etag);
    assertStatus(patch("/v1/files/" + id, "{\"name\":\"renamed\"}"), 200);
    assertThat(etag(id)).isNotEqualTo(afterWrite).isNotEqualTo(etag);
  }

  @Test
  void getWithCurrentETagIs304AndWithOldOneIs200() {
    String id = newFile(4096);
    String old = etag(id);
    writeAt(id, 0, ascii("x"));
    String current = etag(id);
    HttpResponse<byte[]> r = get("/v1/files/" + id, "If-None-Match", current);
    assertStatus(r, 304);
    assertThat(r.body()).isEmpty();
    assertThat(header(r, "ETag")).isEqualTo(current);
    assertThat(json(get("/v1/files/" + id, "If-None-Match", old), 200).path("size").asLong())
        .isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0123456789abcdef", "7fffffffffffffff", "nope", "0000000000000000"})
  void unknownFileIs404ProblemEverywhere(String id) {
    assertProblem(get("/v1/files/" + id), 404);
    assertProblem(patch("/v1/files/" + id, "{\"name\":\"x\"}"), 404);
    assertProblem(delete("/v1/files/" + id), 404);
    assertProblem(get("/v1/files/" + id + "/revisions"), 404);
    assertProblem(get(contentPath(id)), 404);
    assertProblem(get(contentPath(id), "Accept", OCTETS, "Range", "bytes=0-1"), 404);
    assertProblem(put(contentPath(id), ascii("abc")), 404);
    assertProblem(post(contentPath(id), ascii("abc")), 404);
  }

  // ------------------------------------------------------------------ PATCH /v1/files/{id}

  @Test
  void patchSizeTruncatesAndExtensionReadsAsZeros() {
    String id = newFile(4096);
    byte[] data = random(3 * BLOCK + 100, 1);
    replace(id, data);

    // truncate in the middle of block 1
    JsonNode f = json(patch("/v1/files/" + id, "{\"size\":5000}"), 200);
    assertThat(f.path("size").asLong()).isEqualTo(5000);
    assertBytes(read(id), slice(data, 0, 5000));

    // extend past the old end: everything after 5000 is zero, not the old bytes
    f = json(patch("/v1/files/" + id, "{\"size\":20000}"), 200);
    assertThat(f.path("size").asLong()).isEqualTo(20000);
    assertThat(stat(id).path("size").asLong()).isEqualTo(20000);
    assertBytes(read(id), concat(slice(data, 0, 5000), new byte[15000]));

    // truncate to zero and extend again
    assertStatus(patch("/v1/files/" + id, "{\"size\":0}"), 200);
    assertThat(read(id)).isEmpty();
    assertStatus(patch("/v1/files/" + id, "{\"size\":" + (2 * BLOCK) + "}"), 200);
    assertBytes(read(id), new byte[2 * BLOCK]);
  }

  @Test
  void patchFormatChangesTheWriteFormatAndKeepsTheBytes() {
    String id = newFile(4096, "whole");
    byte[] data = random(2 * BLOCK, 2);
    replace(id, data);
    JsonNode f = json(patch("/v1/files/" + id, "{\"format\":\"chunked\"}"), 200);
    assertThat(text(f, "format")).isEqualTo("chunked");
    assertThat(text(stat(id), "format")).isEqualTo("chunked");
    byte[] small = ascii("chunk");
    writeAt(id, 10, small);
    byte[] expected = overlay(data, 10, small);
    assertBytes(read(id), expected);
    assertThat(text(json(patch("/v1/files/" + id, "{\"format\":\"auto\"}"), 200), "format"))
        .isEqualTo("auto");
    writeAt(id, BLOCK + 1, small);
    assertBytes(read(id), overlay(expected, BLOCK + 1, small));
  }

  @Test
  void patchNameRenames() {
    String id = createFile("{\"name\":\"before\",\"blockSize\":4096}");
    JsonNode f = json(patch("/v1/files/" + id, "{\"name\":\"after\"}"), 200);
    assertThat(text(f, "name")).isEqualTo("after");
    assertThat(text(stat(id), "name")).isEqualTo("after");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"{}", "{\"size\":-1}", "{\"format\":\"zip\"}", "{\"size\":", "{\"size\":\"big\"}"})
  void patchWithBadBodyIs400AndChangesNothing(String body) {
    byte[] data = ascii("keep me");
    String id = fileWith(data);
    String etag = etag(id);
    assertProblem(patch("/v1/files/" + id, body), 400);
    assertUnchanged(id, data, etag);
  }

  @Test
  void patchAndDeleteHonourIfMatch() {
    String id = newFile(4096);
    String old = etag(id);
    replace(id, ascii("v1"));
    String current = etag(id);
    assertProblem(patch("/v1/files/" + id, "{\"name\":\"x\"}", "If-Match", old), 412);
    assertProblem(delete("/v1/files/" + id, "If-Match", old), 412);
    assertUnchanged(id, ascii("v1"), current);
    assertThat(text(stat(id), "name")).isNull();
    assertStatus(patch("/v1/files/" + id, "{\"name\":\"x\"}", "If-Match", current), 200);
    assertStatus(delete("/v1/files/" + id, "If-Match", etag(id)), 204);
  }

  // ------------------------------------------------------------------ DELETE /v1/files/{id}

  @Test
  void deleteIs204ThenTheFileIsGone() {
    String id = newFile(4096);
    replace(id, ascii("bye"));
    HttpResponse<byte[]> r = delete("/v1/files/" + id);
    assertStatus(r, 204);
    assertThat(r.body()).isEmpty();
    assertProblem(get("/v1/files/" + id), 404);
    assertProblem(get(contentPath(id)), 404);
    assertProblem(put(contentPath(id), ascii("again")), 404);
    assertProblem(delete("/v1/files/" + id), 404);
  }

  // ------------------------------------------------------------------ revisions

  @Test
  void revisionsAreListedNewestFirst() {
    JsonNode created = json(postJson("/v1/files", "{\"blockSize\":4096}"), 201);
    String id = text(created, "id");
    long r1 = created.path("revision").asLong();
    long r2 = replace(id, ascii("one")).path("revision").asLong();
    writeAt(newFile(4096), 0, ascii("unrelated"));
    long r3 = json(patch("/v1/files/" + id, "{\"name\":\"n\"}"), 200).path("revision").asLong();
    long r4 = json(post(contentPath(id), ascii("two")), 200).path("revision").asLong();
    assertThat(List.of(r1, r2, r3, r4)).isSorted().doesNotHaveDuplicates();

    JsonNode all = json(get("/v1/files/" + id + "/revisions"), 200);
    assertThat(revisionNumbers(all)).containsExactly(r4, r3, r2, r1);
    assertThat(text(all, "nextCursor")).isNull();
    JsonNode items = all.path("items");
    assertThat(changes(items.get(0))).contains("blocks", "size");
    assertThat(changes(items.get(1))).containsExactly("name");
    assertThat(changes(items.get(3))).contains("created");
    for (JsonNode item : items) {
      assertThat(Instant.parse(text(item, "committedAt"))).isBeforeOrEqualTo(Instant.now());
    }

    JsonNode first = json(get("/v1/files/" + id + "/revisions?limit=3"), 200);
    assertThat(revisionNumbers(first)).containsExactly(r4, r3, r2);
    String cursor = text(first, "nextCursor");
    assertThat(cursor).isNotNull();
    JsonNode second = json(get("/v1/files/" + id + "/revisions?limit=3&cursor=" + cursor), 200);
    assertThat(revisionNumbers(second)).containsExactly(r1);
    assertThat(text(second, "nextCursor")).isNull();

    // as of an older revision, later ones are not listed
    assertThat(revisionNumbers(json(get("/v1/files/" + id + "/revisions?at=" + r2), 200)))
        .containsExactly(r2, r1);
    assertProblem(get("/v1/files/" + id + "/revisions?limit=0"), 400);
  }

  private static List<Long> revisionNumbers(JsonNode page) {
    List<Long> out = new ArrayList<>();
    for (JsonNode item : page.path("items")) {
      out.add(item.path("revision").asLong());
    }
    return out;
  }

  private static List<String> changes(JsonNode item) {
    return strings(item.path("changes"));
  }
}
