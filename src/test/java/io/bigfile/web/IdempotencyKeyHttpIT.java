package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code Idempotency-Key} on every autocommit write, over HTTP and on PostgreSQL: a retry answers
 * exactly what the first request answered (status, body, {@code ETag}, {@code BigFile-Revision},
 * {@code Location}) and applies nothing; another request with the key is 422; the key is refused
 * with {@code txn} and malformed keys are 400.
 */
class IdempotencyKeyHttpIT extends HttpTestBase {

  private static final String KEY = "Idempotency-Key";

  private static String key() {
    return "\"" + UUID.randomUUID() + "\"";
  }

  /** The second answer is the first one: status, body and the headers derived from the commit. */
  private static void assertSameAnswer(HttpResponse<byte[]> again, HttpResponse<byte[]> first) {
    assertThat(again.statusCode()).as(describe(again)).isEqualTo(first.statusCode());
    assertThat(body(again)).isEqualTo(body(first));
    for (String h : new String[] {"ETag", "Last-Modified", "BigFile-Revision", "Location"}) {
      assertThat(header(again, h)).as(h).isEqualTo(header(first, h));
    }
  }

  @Test
  void appendsAndRangeWritesApplyOnce() {
    String id = fileWith(ascii("base"));
    String k = key();
    HttpResponse<byte[]> first = post(contentPath(id), ascii("+more"), KEY, k);
    assertStatus(first, 200);
    long head = stat(id).path("revision").asLong();
    assertSameAnswer(post(contentPath(id), ascii("+more"), KEY, k), first);
    assertBytes(read(id), ascii("base+more"));
    assertThat(stat(id).path("revision").asLong()).isEqualTo(head);

    String k2 = key();
    HttpResponse<byte[]> at =
        put(contentPath(id), ascii("XY"), KEY, k2, "Content-Range", "bytes 1-2/*");
    assertStatus(at, 200);
    // a later write of others does not change the answer to the retry
    writeAt(id, 0, ascii("b"));
    assertSameAnswer(
        put(contentPath(id), ascii("XY"), KEY, k2, "Content-Range", "bytes 1-2/*"), at);
    assertBytes(read(id), ascii("bXYe+more"));
  }

  @Test
  void anotherRequestWithTheKeyIs422AndChangesNothing() {
    String id = fileWith(ascii("base"));
    String k = key();
    assertStatus(post(contentPath(id), ascii("+1"), KEY, k), 200);
    String etag = etag(id);

    JsonNode p = assertProblem(post(contentPath(id), ascii("+2"), KEY, k), 422);
    assertThat(text(p, "type")).isEqualTo("https://bigfile.io/problems/idempotency-key-reused");
    // the same body at another offset, or with a precondition, is another request too
    assertProblem(put(contentPath(id), ascii("+1"), KEY, k, "Content-Range", "bytes 0-1/*"), 422);
    assertProblem(post(contentPath(id), ascii("+1"), KEY, k, "If-Match", etag), 422);
    assertProblem(post("/v1/files/" + newFile(BLOCK) + "/content", ascii("+1"), KEY, k), 422);
    assertUnchanged(id, ascii("base+1"), etag);
  }

  @Test
  void createsAreRepliedWithTheirLocation() {
    String k = key();
    HttpResponse<byte[]> first =
        postJson("/v1/files", "{\"name\":\"once\",\"blockSize\":4096}", KEY, k);
    assertStatus(first, 201);
    assertSameAnswer(
        postJson("/v1/files", "{\"name\":\"once\",\"blockSize\":4096}", KEY, k), first);
    assertThat(listAll("").stream().filter(f -> f.equals(field(first, "id")))).hasSize(1);
    assertProblem(postJson("/v1/files", "{\"name\":\"twice\",\"blockSize\":4096}", KEY, k), 422);
  }

  @Test
  void attributeChangesPatchesAndDeletesApplyOnce() {
    String id = fileWith(ascii("0123456789"));
    String resize = key();
    HttpResponse<byte[]> first = patch("/v1/files/" + id, "{\"size\":4}", KEY, resize);
    assertStatus(first, 200);
    writeAt(id, 4, ascii("4567"));
    assertSameAnswer(patch("/v1/files/" + id, "{\"size\":4}", KEY, resize), first);
    assertBytes(read(id), ascii("01234567"));

    String ranges = key();
    HttpResponse<byte[]> patched =
        send(
            req(contentPath(id), KEY, ranges)
                .header("Content-Type", "message/byterange")
                .method(
                    "PATCH",
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        "Content-Range: bytes 8-9/*\r\nContent-Length: 2\r\n\r\n89")));
    assertStatus(patched, 200);
    HttpResponse<byte[]> again =
        send(
            req(contentPath(id), KEY, ranges)
                .header("Content-Type", "message/byterange")
                .method(
                    "PATCH",
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        "Content-Range: bytes 8-9/*\r\nContent-Length: 2\r\n\r\n89")));
    assertSameAnswer(again, patched);
    assertBytes(read(id), ascii("0123456789"));

    String gone = key();
    assertStatus(delete("/v1/files/" + id, KEY, gone), 204);
    assertStatus(delete("/v1/files/" + id, KEY, gone), 204);
    assertProblem(delete("/v1/files/" + id, KEY, key()), 404);
  }

  /** A write that changes nothing takes its key too, and its retry answers the same. */
  @Test
  void aWriteThatChangesNothingKeepsItsAnswer() {
    String id = newFile(BLOCK);
    String k = key();
    HttpResponse<byte[]> first = put(contentPath(id), new byte[0], KEY, k);
    assertStatus(first, 200);
    writeAt(id, 0, ascii("later"));
    assertSameAnswer(put(contentPath(id), new byte[0], KEY, k), first);
    assertBytes(read(id), ascii("later"));
  }

  @Test
  void keysAreStructuredFieldStringsOfVisibleAscii() {
    String id = fileWith(ascii("base"));
    String bare = UUID.randomUUID().toString();
    HttpResponse<byte[]> first = post(contentPath(id), ascii("!"), KEY, bare);
    assertStatus(first, 200);
    assertSameAnswer(post(contentPath(id), ascii("!"), KEY, "\"" + bare + "\""), first);
    assertProblem(post(contentPath(id), ascii("!"), KEY, "\"unclosed"), 400);
    assertProblem(post(contentPath(id), ascii("!"), KEY, "\"" + "k".repeat(256) + "\""), 400);
    String t = begin();
    JsonNode p = assertProblem(post(contentPath(id) + "?txn=" + t, ascii("!"), KEY, key()), 400);
    assertThat(text(p, "detail")).contains("txn");
    assertBytes(read(id), ascii("base!"));
  }
}
