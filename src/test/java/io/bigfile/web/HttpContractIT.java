package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The error list of DESIGN.md section 3, one request per listed error, whatever the client accepts:
 * every error is {@code application/problem+json} with a {@code detail}. The rows are covered in
 * depth by {@link FilesHttpIT}, {@link ContentHttpIT}, {@link TransactionsHttpIT}, {@link
 * HistoryHttpIT} and {@link RetentionHttpIT} (410). A 503 needs the database to go away and is not
 * covered over HTTP here.
 */
class HttpContractIT extends HttpTestBase {

  @ParameterizedTest
  @ValueSource(strings = {"", "application/octet-stream", "application/json", "*/*"})
  void everyListedErrorIsAProblemWithADetail(String accept) {
    String[] h = accept.isEmpty() ? new String[0] : new String[] {"Accept", accept};
    String id = newFile(BLOCK);
    replace(id, ascii("0123456789"));
    String etag = etag(id);
    long head = stat(id).path("revision").asLong();
    String done = begin();
    abort(done);
    String t1 = begin();
    String t2 = begin();
    writeAt(id, 0, ascii("a"), "?txn=" + t1);
    writeAt(id, 1, ascii("b"), "?txn=" + t2);
    commit(t1);
    String big = createFile("{}");
    String budget = begin();
    byte[] nineMb = new byte[9 * 1024 * 1024];
    Arrays.fill(nineMb, (byte) 1);

    Map<String, Supplier<HttpResponse<byte[]>>> cases = new LinkedHashMap<>();
    cases.put("404 unknown file", () -> get(contentPath("0123456789abcdef"), h));
    cases.put("404 unknown transaction", () -> get("/v1/transactions/none", h));
    cases.put("409 transaction not open", () -> get(contentPath(id) + "?txn=" + done, h));
    cases.put("409 commit conflict", () -> postEmpty("/v1/transactions/" + t2 + "/commit", h));
    cases.put(
        "400 malformed Content-Range",
        () -> put(contentPath(id), ascii("x"), withHeader(h, "Content-Range", "bytes x/*")));
    cases.put(
        "400 body length differs from the range",
        () -> put(contentPath(id), ascii("xy"), withHeader(h, "Content-Range", "bytes 0-4/*")));
    cases.put(
        "400 bad JSON",
        () ->
            send(
                req("/v1/files", h)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{oops"))));
    cases.put("400 bad parameter", () -> get("/v1/files?limit=nope", h));
    cases.put("400 at in the future", () -> get(contentPath(id) + "?at=" + (head + 1_000_000), h));
    cases.put(
        "412 If-Match",
        () -> put(contentPath(id), ascii("x"), withHeader(h, "If-Match", "\"stale\"")));
    cases.put(
        "413 past the maximum file size",
        () ->
            put(
                contentPath(id),
                ascii("x"),
                withHeader(h, "Content-Range", "bytes 2147483648-2147483648/*")));
    cases.put(
        "413 over the dirty budget", () -> put(contentPath(big) + "?txn=" + budget, nineMb, h));
    cases.put(
        "416 unsatisfiable range", () -> get(contentPath(id), withHeader(h, "Range", "bytes=99-")));

    for (Map.Entry<String, Supplier<HttpResponse<byte[]>>> c : cases.entrySet()) {
      int status = Integer.parseInt(c.getKey().substring(0, 3));
      HttpResponse<byte[]> r = c.getValue().get();
      assertThat(r.statusCode()).as(c.getKey() + ": " + describe(r)).isEqualTo(status);
      assertThat(header(r, "Content-Type"))
          .as(c.getKey() + ": " + describe(r))
          .startsWith(PROBLEM_JSON);
      JsonNode p = JSON.readTree(r.body());
      assertThat(p.path("status").asInt()).as(c.getKey()).isEqualTo(status);
      assertThat(text(p, "detail")).as(c.getKey()).isNotBlank();
    }
    abort(budget);
    assertBytes(read(id), ascii("a123456789"));
    assertThat(etag(id)).isNotEqualTo(etag);
  }
}
