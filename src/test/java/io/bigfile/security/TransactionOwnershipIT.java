package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.SecuredServiceTestBase;
import io.bigfile.support.ServiceClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A transaction belongs to the principal that began it (the token's subject): to any other it does
 * not exist, for every operation that names it, with exactly the answer an unknown id gets, so that
 * ids cannot be probed; and nothing another principal tried changed it.
 */
class TransactionOwnershipIT extends SecuredServiceTestBase {

  private static final String UNKNOWN = "AAAAAAAAAAAAAAAAAAAAAA";

  /** Begins the transactions: reads and writes. */
  private static final Tokens OWNER = Tokens.NO_DELETE;

  /** Every operation that names a transaction, as a request builder for a transaction id. */
  private Map<String, Function<String, HttpRequest.Builder>> operations(String file) {
    ServiceClient c = as(Tokens.OTHER);
    String content = contentPath(file);
    Map<String, Function<String, HttpRequest.Builder>> ops = new LinkedHashMap<>();
    ops.put("GET transaction", t -> c.request("/v1/transactions/" + t).GET());
    ops.put("commit", t -> c.request("/v1/transactions/" + t + "/commit").POST(empty()));
    ops.put("abort", t -> c.request("/v1/transactions/" + t + "/abort").POST(empty()));
    ops.put("list files", t -> c.request("/v1/files?txn=" + t).GET());
    ops.put(
        "create a file",
        t ->
            c.request("/v1/files?txn=" + t)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    ops.put("GET file", t -> c.request("/v1/files/" + file + "?txn=" + t).GET());
    ops.put(
        "PATCH file",
        t ->
            c.request("/v1/files/" + file + "?txn=" + t)
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"name\":\"taken\"}")));
    ops.put(
        "DELETE file", t -> c.request("/v1/files/" + file + "?txn=" + t).method("DELETE", empty()));
    ops.put("read content", t -> c.request(content + "?txn=" + t).GET());
    ops.put(
        "read a range", t -> c.request(content + "?txn=" + t).header("Range", "bytes=0-1").GET());
    ops.put("HEAD content", t -> c.request(content + "?txn=" + t).method("HEAD", empty()));
    ops.put("read content by name", t -> c.request(content + "/f.bin?txn=" + t).GET());
    ops.put(
        "replace content",
        t -> c.request(content + "?txn=" + t).PUT(HttpRequest.BodyPublishers.ofString("mine")));
    ops.put(
        "write a range",
        t ->
            c.request(content + "?txn=" + t)
                .header("Content-Range", "bytes 0-3/*")
                .PUT(HttpRequest.BodyPublishers.ofString("mine")));
    ops.put(
        "append",
        t -> c.request(content + "?txn=" + t).POST(HttpRequest.BodyPublishers.ofString("+")));
    ops.put(
        "patch content",
        t ->
            c.request(content + "?txn=" + t)
                .header("Content-Type", "message/byterange")
                .method(
                    "PATCH",
                    HttpRequest.BodyPublishers.ofString(
                        "Content-Range: bytes 0-3/*\r\n\r\nmine", StandardCharsets.ISO_8859_1)));
    ops.put("data ranges", t -> c.request("/v1/files/" + file + "/ranges?txn=" + t).GET());
    ops.put("revisions", t -> c.request("/v1/files/" + file + "/revisions?txn=" + t).GET());
    return ops;
  }

  @Test
  void anotherPrincipalsOpenTransactionIsUnknownForEveryOperation() {
    String file = as(Tokens.ADMIN).createFile("{\"name\":\"owned\"}");
    as(Tokens.ADMIN).replace(file, ascii("base"));
    String txn = begin(OWNER);
    as(OWNER).writeAt(file, 0, ascii("TXN!"), "?txn=" + txn);

    for (Map.Entry<String, Function<String, HttpRequest.Builder>> op :
        operations(file).entrySet()) {
      HttpResponse<byte[]> unknown = as(Tokens.OTHER).send(op.getValue().apply(UNKNOWN));
      HttpResponse<byte[]> others = as(Tokens.OTHER).send(op.getValue().apply(txn));
      assertThat(others.statusCode()).as(op.getKey() + ": " + describe(others)).isEqualTo(404);
      assertThat(others.statusCode()).as(op.getKey()).isEqualTo(unknown.statusCode());
      if (!others.request().method().equals("HEAD")) {
        JsonNode a = json(others);
        JsonNode b = json(unknown);
        assertThat(text(a, "detail"))
            .as(op.getKey())
            .isEqualTo(text(b, "detail").replace(UNKNOWN, txn));
        assertThat(text(a, "title")).isEqualTo(text(b, "title"));
        assertThat(text(a, "type")).isEqualTo(text(b, "type"));
      }
    }

    // the owner's transaction is as it was: open, with its own write only, and it commits
    ServiceClient owner = as(OWNER);
    JsonNode state = json(owner.send(owner.request("/v1/transactions/" + txn).GET()), 200);
    assertThat(text(state, "state")).isEqualTo("open");
    assertThat(new String(owner.read(file, "?txn=" + txn), StandardCharsets.US_ASCII))
        .isEqualTo("TXN!");
    owner.commit(txn);
    assertThat(new String(as(Tokens.READER).read(file), StandardCharsets.US_ASCII))
        .isEqualTo("TXN!");
  }

  @Test
  void anotherPrincipalsFinishedTransactionIsUnknownToo() {
    String txn = begin(Tokens.WRITER);
    as(Tokens.WRITER).commit(txn);
    ServiceClient other = as(Tokens.OTHER);
    // the owner learns it is no longer open (409); anyone else that it does not exist (404)
    assertStatus(
        as(Tokens.WRITER)
            .send(as(Tokens.WRITER).request("/v1/transactions/" + txn + "/abort").POST(empty())),
        409);
    for (String path :
        new String[] {
          "/v1/transactions/" + txn + "/abort", "/v1/transactions/" + txn + "/commit"
        }) {
      JsonNode p = json(other.send(other.request(path).POST(empty())), 404);
      assertThat(text(p, "detail")).isEqualTo("no transaction '" + txn + "'");
    }
    json(other.send(other.request("/v1/transactions/" + txn).GET()), 404);
    JsonNode mine =
        json(
            as(Tokens.WRITER).send(as(Tokens.WRITER).request("/v1/transactions/" + txn).GET()),
            200);
    assertThat(text(mine, "state")).isEqualTo("committed");
  }

  @Test
  void anAdministratorIsAnotherPrincipalToo() {
    String txn = begin(Tokens.WRITER);
    ServiceClient admin = as(Tokens.ADMIN);
    json(admin.send(admin.request("/v1/transactions/" + txn).GET()), 404);
  }

  private static HttpRequest.BodyPublisher empty() {
    return HttpRequest.BodyPublishers.noBody();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
