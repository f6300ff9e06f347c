package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** The transaction rows of the contract, isolation, conflicts and the dirty budget. */
class TransactionsHttpIT extends HttpTestBase {

  private static String q(String txn) {
    return "?txn=" + txn;
  }

  private static List<Long> longs(JsonNode array) {
    List<Long> out = new ArrayList<>();
    for (JsonNode n : array) {
      out.add(n.asLong());
    }
    return out;
  }

  @Test
  void beginIs201WithIdStateSnapshotAndExpiry() {
    long head = writeAt(newFile(BLOCK), 0, ascii("x")).path("revision").asLong();
    Instant before = Instant.now();
    HttpResponse<byte[]> r = postEmpty("/v1/transactions");
    JsonNode t = json(r, 201);
    String id = text(t, "id");
    assertThat(id).isNotBlank();
    assertThat(text(t, "state")).isEqualTo("open");
    assertThat(t.path("snapshotRevision").asLong()).isGreaterThanOrEqualTo(head);
    assertThat(Instant.parse(text(t, "expiresAt"))).isAfter(before);
    String location = header(r, "Location");
    assertThat(location).isNotNull();
    assertThat(URI.create("http://x/v1/transactions/").resolve(location).getPath())
        .isEqualTo("/v1/transactions/" + id);
    JsonNode again = txn(id);
    assertThat(text(again, "state")).isEqualTo("open");
    assertThat(again.path("dirtyBytes").asLong()).isZero();
    assertThat(again.path("filesTouched").size()).isZero();
    assertThat(again.path("snapshotRevision").asLong())
        .isEqualTo(t.path("snapshotRevision").asLong());
    abort(id);
  }

  @Test
  void writesAreInvisibleOutsideUntilCommit() {
    byte[] base = random(2 * BLOCK, 20);
    String id = fileWith(base);
    String etag = etag(id);
    String t = begin();

    byte[] w = ascii("in the transaction");
    JsonNode f = writeAt(id, BLOCK - 4, w, q(t));
    assertThat(f.path("size").asLong()).isEqualTo(2 * BLOCK);
    byte[] appended = ascii("+tail");
    assertStatus(post(contentPath(id) + q(t), appended), 200);
    byte[] inside = concat(overlay(base, BLOCK - 4, w), appended);

    // inside: own writes
    assertBytes(read(id, q(t)), inside);
    assertThat(json(get("/v1/files/" + id + q(t)), 200).path("size").asLong())
        .isEqualTo(inside.length);
    HttpResponse<byte[]> range = get(contentPath(id) + q(t), "Range", "bytes=4090-4100");
    assertStatus(range, 206);
    assertBytes(range.body(), slice(inside, 4090, 4101));
    // outside: nothing yet
    assertUnchanged(id, base, etag);
    assertThat(stat(id).path("size").asLong()).isEqualTo(2 * BLOCK);

    JsonNode state = txn(t);
    assertThat(text(state, "state")).isEqualTo("open");
    assertThat(state.path("dirtyBytes").asLong()).isGreaterThanOrEqualTo(w.length);
    assertThat(strings(state.path("filesTouched"))).containsExactly(id);

    HttpResponse<byte[]> c = postEmpty("/v1/transactions/" + t + "/commit");
    JsonNode done = json(c, 200);
    assertThat(text(done, "id")).isEqualTo(t);
    assertThat(text(done, "state")).isEqualTo("committed");
    long rev = done.path("revision").asLong();
    assertThat(rev).isGreaterThan(done.path("snapshotRevision").asLong());
    assertThat(header(c, "BigFile-Revision")).isEqualTo(Long.toString(rev));

    assertBytes(read(id), inside);
    JsonNode after = stat(id);
    assertThat(after.path("revision").asLong()).isEqualTo(rev);
    assertThat(after.path("size").asLong()).isEqualTo(inside.length);
    assertThat(etag(id)).isNotEqualTo(etag);
    JsonNode finished = txn(t);
    assertThat(text(finished, "state")).isEqualTo("committed");
    assertThat(finished.path("revision").asLong()).isEqualTo(rev);
  }

  @Test
  void abortDiscardsEverything() {
    byte[] base = random(BLOCK + 10, 21);
    String id = fileWith(base);
    String etag = etag(id);
    String t = begin();
    writeAt(id, 0, random(3 * BLOCK, 22), q(t));
    assertStatus(patch("/v1/files/" + id + q(t), "{\"name\":\"tx\"}"), 200);
    String created = text(json(postJson("/v1/files" + q(t), "{\"blockSize\":4096}"), 201), "id");
    assertThat(txn(t).path("dirtyBytes").asLong()).isGreaterThan(0);

    JsonNode a = json(postEmpty("/v1/transactions/" + t + "/abort"), 200);
    assertThat(text(a, "id")).isEqualTo(t);
    assertThat(text(a, "state")).isEqualTo("aborted");
    assertUnchanged(id, base, etag);
    assertThat(text(stat(id), "name")).isNull();
    assertProblem(get("/v1/files/" + created), 404);
    JsonNode state = txn(t);
    assertThat(text(state, "state")).isEqualTo("aborted");
    assertThat(state.path("dirtyBytes").asLong()).isZero();
  }

  /** A request naming the transaction {@code t}, made on the file {@code id}. */
  @FunctionalInterface
  private interface Call {
    HttpResponse<byte[]> send(TransactionsHttpIT test, String id, String t);
  }

  private record Request(String name, Call call) {
    HttpResponse<byte[]> send(TransactionsHttpIT test, String id, String t) {
      return call.send(test, id, t);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Every request that can be made in a transaction, and those that end it. */
  private static final List<Request> IN_A_TRANSACTION =
      List.of(
          new Request("PUT content", (it, id, t) -> it.put(contentPath(id) + q(t), ascii("no"))),
          new Request("POST content", (it, id, t) -> it.post(contentPath(id) + q(t), ascii("no"))),
          new Request("GET content", (it, id, t) -> it.get(contentPath(id) + q(t))),
          new Request("GET file", (it, id, t) -> it.get("/v1/files/" + id + q(t))),
          new Request(
              "PATCH file", (it, id, t) -> it.patch("/v1/files/" + id + q(t), "{\"name\":\"no\"}")),
          new Request("DELETE file", (it, id, t) -> it.delete("/v1/files/" + id + q(t))),
          new Request("POST files", (it, id, t) -> it.postJson("/v1/files" + q(t), "{}")),
          new Request("commit", (it, id, t) -> it.postEmpty("/v1/transactions/" + t + "/commit")),
          new Request("abort", (it, id, t) -> it.postEmpty("/v1/transactions/" + t + "/abort")));

  static Stream<Arguments> requestsOnFinishedTransactions() {
    return Stream.of("committed", "aborted")
        .flatMap(state -> IN_A_TRANSACTION.stream().map(r -> Arguments.of(state, r)));
  }

  @ParameterizedTest(name = "{1} on a {0} transaction")
  @MethodSource("requestsOnFinishedTransactions")
  void requestsOnAFinishedTransactionAre409(String state, Request request) {
    String id = fileWith(ascii("base"));
    String etag = etag(id);
    String t = begin();
    byte[] now;
    if (state.equals("committed")) {
      writeAt(id, 0, ascii("B"), q(t));
      commit(t);
      now = ascii("Base");
      assertThat(etag(id)).isNotEqualTo(etag);
    } else {
      abort(t);
      now = ascii("base");
    }
    String current = etag(id);

    assertProblem(request.send(this, id, t), 409);
    assertThat(text(txn(t), "state")).isEqualTo(state);
    assertUnchanged(id, now, current);
  }

  static Stream<Request> requestsOnAnUnknownTransaction() {
    return Stream.concat(
        Stream.of(new Request("GET transaction", (it, id, t) -> it.get("/v1/transactions/" + t))),
        IN_A_TRANSACTION.stream());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requestsOnAnUnknownTransaction")
  void unknownTransactionIs404(Request request) {
    String id = fileWith(ascii("base"));
    String etag = etag(id);
    assertProblem(request.send(this, id, "no-such-transaction"), 404);
    assertUnchanged(id, ascii("base"), etag);
    assertThat(text(stat(id), "name")).isNull();
  }

  @Test
  void sameBlockFirstCommitterWinsAndTheLoserIsAborted() {
    byte[] base = random(3 * BLOCK, 23);
    String id = fileWith(base);
    String t1 = begin();
    String t2 = begin();
    byte[] one = ascii("first");
    byte[] two = ascii("second");
    writeAt(id, BLOCK + 10, one, q(t1));
    writeAt(id, BLOCK + 100, two, q(t2));
    long rev = commit(t1).path("revision").asLong();

    HttpResponse<byte[]> r = postEmpty("/v1/transactions/" + t2 + "/commit");
    JsonNode p = assertProblem(r, 409);
    assertThat(text(p, "detail")).contains(id);
    JsonNode conflicts = p.path("conflicts");
    assertThat(conflicts.isArray()).as(p.toString()).isTrue();
    assertThat(conflicts.size()).isEqualTo(1);
    assertThat(text(conflicts.get(0), "file")).isEqualTo(id);
    assertThat(longs(conflicts.get(0).path("blocks"))).containsExactly(1L);

    JsonNode state = txn(t2);
    assertThat(text(state, "state")).isEqualTo("aborted");
    assertProblem(put(contentPath(id) + q(t2), ascii("late")), 409);
    assertProblem(postEmpty("/v1/transactions/" + t2 + "/commit"), 409);

    assertBytes(read(id), overlay(base, BLOCK + 10, one));
    assertThat(stat(id).path("revision").asLong()).isEqualTo(rev);
  }

  @Test
  void differentBlocksOfOneFileBothCommit() {
    byte[] base = random(4 * BLOCK, 24);
    String id = fileWith(base);
    String t1 = begin();
    String t2 = begin();
    byte[] one = random(100, 25);
    byte[] two = random(BLOCK, 26);
    writeAt(id, 10, one, q(t1));
    writeAt(id, 2 * BLOCK, two, q(t2));
    long r1 = commit(t1).path("revision").asLong();
    long r2 = commit(t2).path("revision").asLong();
    assertThat(r2).isGreaterThan(r1);
    assertBytes(read(id), overlay(overlay(base, 10, one), 2 * BLOCK, two));
    assertThat(stat(id).path("revision").asLong()).isEqualTo(r2);
  }

  @Test
  void aTransactionKeepsItsSnapshotAfterOtherCommits() {
    byte[] base = random(3 * BLOCK, 27);
    String id = fileWith(base);
    String other = fileWith(ascii("other v1"));
    String t = begin();
    String etagInTxn = header(get("/v1/files/" + id + q(t)), "ETag");

    // another client commits changes to both files and creates one
    byte[] changed = random(BLOCK, 28);
    writeAt(id, 0, changed);
    assertStatus(patch("/v1/files/" + id, "{\"name\":\"renamed\"}"), 200);
    replace(other, ascii("other v2"));
    String fresh = createFile("{\"blockSize\":4096}");

    // the transaction still sees its snapshot
    assertBytes(read(id, q(t)), base);
    assertBytes(read(other, q(t)), ascii("other v1"));
    JsonNode f = json(get("/v1/files/" + id + q(t)), 200);
    assertThat(text(f, "name")).isNull();
    assertThat(header(get("/v1/files/" + id + q(t)), "ETag")).isEqualTo(etagInTxn);
    assertProblem(get("/v1/files/" + fresh + q(t)), 404);

    // it can still write a block nobody else changed, and commit on top of the others
    byte[] mine = ascii("mine");
    writeAt(id, 2 * BLOCK, mine, q(t));
    assertBytes(read(id, q(t)), overlay(base, 2 * BLOCK, mine));
    commit(t);
    assertBytes(read(id), overlay(overlay(base, 0, changed), 2 * BLOCK, mine));
    assertThat(text(stat(id), "name")).isEqualTo("renamed");
  }

  @Test
  void aFileCreatedInATransactionIsInvisibleOutsideUntilCommit() {
    String t = begin();
    HttpResponse<byte[]> r = postJson("/v1/files" + q(t), "{\"blockSize\":4096,\"name\":\"txn\"}");
    JsonNode f = json(r, 201);
    String id = text(f, "id");
    assertThat(header(r, "Location")).endsWith("/v1/files/" + id);
    byte[] data = random(BLOCK + 1, 29);
    writeAt(id, 0, data, q(t));

    assertProblem(get("/v1/files/" + id), 404);
    assertProblem(get(contentPath(id)), 404);
    assertProblem(put(contentPath(id), ascii("outside")), 404);
    assertThat(listAll("")).doesNotContain(id);
    assertThat(listAll(q(t))).contains(id);
    JsonNode inside = json(get("/v1/files/" + id + q(t)), 200);
    assertThat(inside.path("size").asLong()).isEqualTo(data.length);
    assertThat(text(inside, "name")).isEqualTo("txn");
    assertBytes(read(id, q(t)), data);
    assertThat(strings(txn(t).path("filesTouched"))).contains(id);

    long rev = commit(t).path("revision").asLong();
    JsonNode after = stat(id);
    assertThat(after.path("revision").asLong()).isEqualTo(rev);
    assertThat(text(after, "name")).isEqualTo("txn");
    assertBytes(read(id), data);
    assertThat(listAll("")).contains(id);
  }

  @Test
  void truncateAndExtendInATransactionReadAsZerosInsideAndAfterCommit() {
    byte[] base = random(4 * BLOCK, 36);
    String id = fileWith(base);
    String etag = etag(id);
    String t = begin();
    assertStatus(patch("/v1/files/" + id + q(t), "{\"size\":" + (BLOCK + 100) + "}"), 200);
    JsonNode f = json(patch("/v1/files/" + id + q(t), "{\"size\":" + (5 * BLOCK) + "}"), 200);
    assertThat(f.path("size").asLong()).isEqualTo(5 * BLOCK);
    byte[] expected = concat(slice(base, 0, BLOCK + 100), new byte[4 * BLOCK - 100]);
    assertBytes(read(id, q(t)), expected);
    HttpResponse<byte[]> r =
        get(contentPath(id) + q(t), "Range", "bytes=" + (3 * BLOCK) + "-" + (4 * BLOCK - 1));
    assertStatus(r, 206);
    assertBytes(r.body(), new byte[BLOCK]);
    assertUnchanged(id, base, etag);
    commit(t);
    assertBytes(read(id), expected);
    assertThat(stat(id).path("size").asLong()).isEqualTo(5 * BLOCK);
  }

  @Test
  void aFileDeletedInATransactionExistsOutsideUntilCommit() {
    String id = fileWith(ascii("still here"));
    String t = begin();
    assertStatus(delete("/v1/files/" + id + q(t)), 204);
    assertProblem(get("/v1/files/" + id + q(t)), 404);
    assertProblem(get(contentPath(id) + q(t)), 404);
    assertThat(listAll(q(t))).doesNotContain(id);
    assertBytes(read(id), ascii("still here"));
    commit(t);
    assertProblem(get("/v1/files/" + id), 404);
  }

  @Test
  void deleteAgainstAConcurrentWriteConflicts() {
    String id = fileWith(ascii("base"));
    String t = begin();
    assertStatus(delete("/v1/files/" + id + q(t)), 204);
    writeAt(id, 0, ascii("B"));
    JsonNode p = assertProblem(postEmpty("/v1/transactions/" + t + "/commit"), 409);
    assertThat(text(p.path("conflicts").get(0), "file")).isEqualTo(id);
    assertThat(text(txn(t), "state")).isEqualTo("aborted");
    assertBytes(read(id), ascii("Base"));
  }

  /** Nine MiB, more than the test base's dirty budget of 8 MiB per transaction. */
  private static final byte[] HUGE = random(9 * 1024 * 1024, 32);

  /** Writes of {@link #HUGE} in a transaction. */
  static Stream<Request> overTheDirtyBudget() {
    return Stream.of(
        // overlaps the page written before, then runs past the budget
        new Request(
            "PUT of a range",
            (it, id, t) ->
                it.put(
                    contentPath(id) + q(t),
                    HUGE,
                    "Content-Range",
                    "bytes 0-" + (HUGE.length - 1) + "/*")),
        new Request("POST", (it, id, t) -> it.post(contentPath(id) + q(t), HUGE)),
        new Request(
            "PUT of the whole content", (it, id, t) -> it.put(contentPath(id) + q(t), HUGE)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overTheDirtyBudget")
  void aWriteOverTheDirtyBudgetIs413AndChangesNothing(Request write) {
    // default block size (2 MiB): the test base allows 8 MiB of dirty blocks per transaction
    String id = createFile("{}");
    byte[] base = random(1000, 30);
    replace(id, base);
    String etag = etag(id);
    String t = begin();
    byte[] early = random(500, 31);
    writeAt(id, 100, early, q(t));
    JsonNode before = txn(t);
    String etagInTxn = header(get("/v1/files/" + id + q(t)), "ETag");
    byte[] expected = overlay(base, 100, early);

    assertProblem(write.send(this, id, t), 413);

    JsonNode after = txn(t);
    assertThat(text(after, "state")).isEqualTo("open");
    assertThat(after.path("dirtyBytes").asLong()).isEqualTo(before.path("dirtyBytes").asLong());
    assertThat(strings(after.path("filesTouched"))).containsExactly(id);
    assertBytes(read(id, q(t)), expected);
    assertThat(json(get("/v1/files/" + id + q(t)), 200).path("size").asLong()).isEqualTo(1000);
    assertThat(header(get("/v1/files/" + id + q(t)), "ETag")).isEqualTo(etagInTxn);

    // the transaction still works
    byte[] later = ascii("later");
    writeAt(id, 2000, later, q(t));
    expected = overlay(expected, 2000, later);
    assertBytes(read(id, q(t)), expected);
    assertUnchanged(id, base, etag);
    commit(t);
    assertBytes(read(id), expected);

    // an autocommit upload is not bound by the transaction budget
    assertStatus(put(contentPath(id), HUGE), 200);
    assertBytes(read(id), HUGE);
  }

  @Test
  void aWritePastTheMaximumSizeInATransactionIs413AndChangesNothing() {
    String id = fileWith(ascii("base"));
    String t = begin();
    writeAt(id, 0, ascii("B"), q(t));
    JsonNode before = txn(t);
    long twoGb = 2L << 30;
    assertProblem(
        put(
            contentPath(id) + q(t),
            ascii("x"),
            "Content-Range",
            "bytes " + twoGb + "-" + twoGb + "/*"),
        413);
    assertProblem(patch("/v1/files/" + id + q(t), "{\"size\":" + twoGb + "}"), 413);
    assertStatus(patch("/v1/files/" + id + q(t), "{\"size\":" + (1L << 30) + "}"), 200);
    assertProblem(post(contentPath(id) + q(t), ascii("x")), 413);
    assertStatus(patch("/v1/files/" + id + q(t), "{\"size\":4}"), 200);
    assertBytes(read(id, q(t)), ascii("Base"));
    assertThat(txn(t).path("dirtyBytes").asLong()).isEqualTo(before.path("dirtyBytes").asLong());
    commit(t);
    assertBytes(read(id), ascii("Base"));
  }

  /**
   * What a failing request is sent on: the file the transaction wrote, a file it has not touched,
   * and an old ETag of that one.
   */
  private record Scene(String touched, String untouched, String staleEtag, String txn) {}

  private record Failure(
      String name,
      int status,
      BiFunction<TransactionsHttpIT, Scene, HttpResponse<byte[]>> request) {
    @Override
    public String toString() {
      return name + " -> " + status;
    }
  }

  /** Failures of all kinds, on the touched file and on one the transaction has not touched. */
  static Stream<Failure> failures() {
    return Stream.of(
        new Failure(
            "a streamed body shorter than its range, over two blocks",
            400,
            (it, s) ->
                it.putChunked(
                    contentPath(s.touched()) + q(s.txn()),
                    random(2 * BLOCK, 34),
                    "Content-Range",
                    "bytes 0-9999/*")),
        new Failure(
            "a streamed body shorter than its range",
            400,
            (it, s) ->
                it.putChunked(
                    contentPath(s.untouched()) + q(s.txn()),
                    ascii("short"),
                    "Content-Range",
                    "bytes 0-9/*")),
        new Failure(
            "a streamed body longer than its range",
            400,
            (it, s) ->
                it.putChunked(
                    contentPath(s.untouched()) + q(s.txn()),
                    ascii("long body"),
                    "Content-Range",
                    "bytes 0-1/*")),
        new Failure(
            "a malformed Content-Range",
            400,
            (it, s) ->
                it.put(
                    contentPath(s.touched()) + q(s.txn()),
                    ascii("x"),
                    "Content-Range",
                    "bytes 9-0/*")),
        new Failure(
            "a stale If-Match",
            412,
            (it, s) ->
                it.put(
                    contentPath(s.untouched()) + q(s.txn()),
                    ascii("x"),
                    "If-Match",
                    s.staleEtag())),
        new Failure(
            "a negative size",
            400,
            (it, s) -> it.patch("/v1/files/" + s.untouched() + q(s.txn()), "{\"size\":-5}")),
        new Failure(
            "a size past the maximum",
            413,
            (it, s) ->
                it.patch(
                    "/v1/files/" + s.untouched() + q(s.txn()), "{\"size\":" + (2L << 30) + "}")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void aFailedRequestLeavesTheTransactionExactlyAsItWas(Failure failure) {
    byte[] base = random(3 * BLOCK, 33);
    String id = fileWith(base);
    String untouched = fileWith(ascii("untouched"));
    String stale = etag(untouched);
    writeAt(untouched, 0, ascii("U"));

    String t = begin();
    byte[] early = ascii("early");
    writeAt(id, 10, early, q(t));
    JsonNode before = txn(t);
    byte[] expected = overlay(base, 10, early);

    assertProblem(
        failure.request().apply(this, new Scene(id, untouched, stale, t)), failure.status());

    assertBytes(read(id, q(t)), expected);
    assertBytes(read(untouched, q(t)), ascii("Untouched"));
    JsonNode after = txn(t);
    assertThat(text(after, "state")).isEqualTo("open");
    assertThat(after.path("dirtyBytes").asLong()).isEqualTo(before.path("dirtyBytes").asLong());
    assertThat(strings(after.path("filesTouched")))
        .as("files touched after failed requests")
        .containsExactlyElementsOf(strings(before.path("filesTouched")));

    // the failed requests took no claim on the untouched file: a later commit to it does not
    // make this transaction conflict
    writeAt(untouched, 1, ascii("N"));
    commit(t);
    assertBytes(read(id), expected);
    assertBytes(read(untouched), ascii("UNtouched"));
  }

  @Test
  void aFailedConditionalWriteTakesNoClaimOnTheFile() {
    // writes with If-Match that then fail (short body, size too large) must not leave an If-Match
    // condition on the file behind: a later commit of another block must not make the commit fail
    byte[] base = random(3 * BLOCK, 35);
    String id = fileWith(base);
    String t = begin();
    String current = header(get("/v1/files/" + id + q(t)), "ETag");
    assertProblem(
        putChunked(
            contentPath(id) + q(t),
            ascii("short"),
            "Content-Range",
            "bytes 0-9/*",
            "If-Match",
            current),
        400);
    assertProblem(
        patch("/v1/files/" + id + q(t), "{\"size\":" + (2L << 30) + "}", "If-Match", current), 413);
    byte[] mine = ascii("mine");
    writeAt(id, 2 * BLOCK, mine, q(t));
    byte[] theirs = ascii("theirs");
    writeAt(id, 0, theirs);
    commit(t);
    assertBytes(read(id), overlay(overlay(base, 0, theirs), 2 * BLOCK, mine));
  }
}
