package io.bigfile;

import static io.bigfile.support.ServiceClient.body;
import static io.bigfile.support.ServiceClient.contentPath;
import static io.bigfile.support.ServiceClient.describe;
import static io.bigfile.support.ServiceClient.header;
import static io.bigfile.support.ServiceClient.json;
import static io.bigfile.support.ServiceClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.PatternData;
import io.bigfile.support.ProxiedService;
import io.bigfile.support.ServiceClient;
import io.bigfile.support.ServiceProcess;
import io.bigfile.support.TcpProxy;
import io.bigfile.support.TcpProxy.CommitAction;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Commits whose answer is lost: the service reaches the test database through a TCP proxy that cuts
 * every connection at the COMMIT, either right after the server committed (the commit landed, its
 * answer never arrives) or instead of forwarding it (the commit never reaches the server). The
 * service must say that the outcome is unknown (503, type commit-outcome-unknown, naming a
 * transaction), settle it once the database answers again (the transaction reads committed with the
 * revision the database holds, or aborted, and nothing in between), never apply a write twice when
 * it is retried with its Idempotency-Key, and keep serving the data as the database holds it. And
 * when the database stops answering altogether, a request in flight fails within the socket timeout
 * instead of hanging for the outage.
 *
 * <p>One service for all cases; each starts with the database reachable again.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class CommitOutcomeIT {

  private static final String UNKNOWN = "https://bigfile.io/problems/commit-outcome-unknown";
  private static final Duration PROMPTLY = Duration.ofSeconds(30);

  private static ProxiedService started;
  private static TcpProxy proxy;
  private static ServiceProcess service;

  @BeforeAll
  static void start() {
    // no background pack: its COMMIT must not be the one the proxy is armed for
    started =
        ProxiedService.start(
            "commit-outcome",
            List.of("-XX:TieredStopAtLevel=1"),
            List.of("--bigfile.history.pack-interval=1h"));
    proxy = started.proxy();
    service = started.service();
  }

  @AfterAll
  static void stop() {
    if (started != null) {
      started.close();
    }
  }

  /**
   * Every case starts with the database reachable (after a case that failed before reopening it,
   * too) and the service's pools working again.
   */
  @BeforeEach
  void databaseBack() {
    if (!proxy.listening()) {
      proxy.cut();
      proxy.reopen();
    }
    ServiceProcess.awaitCondition(
        "the service reaches the database",
        PROMPTLY,
        Duration.ofMillis(200),
        () -> service.sendCreateFile("{\"blockSize\":4096}").statusCode() == 201);
  }

  // ---------------------------------------------------------------- autocommit writes

  @Test
  void anAppendWhoseAnswerWasLostSaysSoAndSettlesAsCommittedOnce() {
    String id = fileWith(bytes(1, 1000));
    byte[] more = bytes(2, 20_000);

    int acted = proxy.commitsActedOn();
    proxy.onNextCommit(CommitAction.CUT_AFTER_COMMIT);
    HttpResponse<byte[]> r = service.send(append(id, more));
    String txn = assertUnknown(r);
    assertThat(proxy.commitsActedOn()).isEqualTo(acted + 1);
    // the service still answers what it knows: the transaction is committing
    JsonNode pending = transaction(txn);
    assertThat(text(pending, "state")).isEqualTo("committing");
    assertThat(pending.path("revision").isMissingNode()).isTrue();

    proxy.reopen();
    JsonNode settled = awaitSettled(txn);
    assertThat(text(settled, "state")).isEqualTo("committed");
    long rev = settled.path("revision").asLong();
    assertThat(settled.path("filesTouched").get(0).asString()).isEqualTo(id);

    // applied exactly once, at the revision the transaction names
    JsonNode file = stat(id);
    assertThat(file.path("size").asLong()).isEqualTo(21_000);
    assertThat(file.path("revision").asLong()).isEqualTo(rev);
    assertThat(read(id)).isEqualTo(concat(bytes(1, 1000), more));
    // and the service goes on from there
    json(service.send(append(id, bytes(3, 10))), 200);
    assertThat(stat(id).path("size").asLong()).isEqualTo(21_010);
  }

  @Test
  void aRetryWithTheSameIdempotencyKeyAnswersTheFirstOutcomeAndAppliesNothing() {
    String id = fileWith(bytes(1, 1000));
    byte[] more = bytes(4, 20_000);
    String key = "\"retry-" + id + "\"";

    proxy.onNextCommit(CommitAction.CUT_AFTER_COMMIT);
    String txn = assertUnknown(service.send(append(id, more).header("Idempotency-Key", key)));
    proxy.reopen();

    HttpResponse<byte[]> retry = awaitAnswer(() -> append(id, more).header("Idempotency-Key", key));
    JsonNode answer = json(retry, 200);
    long rev = answer.path("revision").asLong();
    assertThat(answer.path("size").asLong()).isEqualTo(21_000);
    assertThat(header(retry, "BigFile-Revision")).isEqualTo(Long.toString(rev));
    assertThat(header(retry, "ETag")).isEqualTo("\"r" + rev + "\"");
    // the same outcome again, and the transaction the first answer named agrees
    HttpResponse<byte[]> again = service.send(append(id, more).header("Idempotency-Key", key));
    assertThat(json(again, 200)).isEqualTo(answer);
    JsonNode settled = awaitSettled(txn);
    assertThat(text(settled, "state")).isEqualTo("committed");
    assertThat(settled.path("revision").asLong()).isEqualTo(rev);
    // the key names that request only
    HttpResponse<byte[]> other =
        service.send(append(id, bytes(5, 20_000)).header("Idempotency-Key", key));
    assertThat(other.statusCode()).as(describe(other)).isEqualTo(422);
    assertThat(body(other)).contains("https://bigfile.io/problems/idempotency-key-reused");

    assertThat(stat(id).path("size").asLong()).as("applied once").isEqualTo(21_000);
    assertThat(read(id)).isEqualTo(concat(bytes(1, 1000), more));
  }

  /** A write that never reached the database took no key: the retry applies it, once. */
  @Test
  void aRetryOfAWriteThatNeverLandedAppliesItOnce() {
    String id = fileWith(bytes(1, 1000));
    byte[] more = bytes(6, 5000);
    String key = "\"lost-" + id + "\"";

    proxy.onNextCommit(CommitAction.CUT_BEFORE_COMMIT);
    String txn = assertUnknown(service.send(append(id, more).header("Idempotency-Key", key)));
    proxy.reopen();

    JsonNode answer = json(awaitAnswer(() -> append(id, more).header("Idempotency-Key", key)), 200);
    assertThat(answer.path("size").asLong()).isEqualTo(6000);
    assertThat(text(awaitSettled(txn), "state")).isEqualTo("aborted");
    assertThat(json(service.send(append(id, more).header("Idempotency-Key", key)), 200))
        .isEqualTo(answer);
    assertThat(read(id)).isEqualTo(concat(bytes(1, 1000), more));
  }

  // ---------------------------------------------------------------- transactions

  @Test
  void aTransactionWhoseCommitLandedSettlesAsCommittedAndItsRetriedCommitAnswers200() {
    String id = fileWith(bytes(1, 1000));
    String t = service.begin();
    service.writeAt(id, 100, bytes(7, 300), "?txn=" + t);

    proxy.onNextCommit(CommitAction.CUT_AFTER_COMMIT);
    String txn = assertUnknown(service.send(commit(t)));
    assertThat(txn).isEqualTo(t);
    assertThat(text(transaction(t), "state")).isEqualTo("committing");
    // nothing is accepted meanwhile
    HttpResponse<byte[]> write =
        service.send(
            service
                .request(contentPath(id) + "?txn=" + t)
                .header("Content-Range", "bytes 0-0/*")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[1])));
    assertThat(write.statusCode()).as(describe(write)).isEqualTo(409);

    proxy.reopen();
    HttpResponse<byte[]> retried = awaitAnswer(() -> commit(t));
    JsonNode committed = json(retried, 200);
    assertThat(text(committed, "state")).isEqualTo("committed");
    long rev = committed.path("revision").asLong();
    assertThat(header(retried, "BigFile-Revision")).isEqualTo(Long.toString(rev));
    JsonNode looked = transaction(t);
    assertThat(text(looked, "state")).isEqualTo("committed");
    assertThat(looked.path("revision").asLong()).isEqualTo(rev);
    assertThat(json(service.send(commit(t)), 200).path("revision").asLong()).isEqualTo(rev);

    byte[] expected = bytes(1, 1000);
    System.arraycopy(bytes(7, 300), 0, expected, 100, 300);
    assertThat(read(id)).isEqualTo(expected);
    assertThat(stat(id).path("revision").asLong()).isEqualTo(rev);
  }

  @Test
  void aTransactionWhoseCommitNeverReachedTheDatabaseSettlesAsAborted() {
    String id = fileWith(bytes(1, 1000));
    long before = stat(id).path("revision").asLong();
    String t = service.begin();
    service.writeAt(id, 100, bytes(8, 300), "?txn=" + t);

    proxy.onNextCommit(CommitAction.CUT_BEFORE_COMMIT);
    assertUnknown(service.send(commit(t)));
    proxy.reopen();

    JsonNode settled = awaitSettled(t);
    assertThat(text(settled, "state")).isEqualTo("aborted");
    assertThat(settled.path("revision").isMissingNode()).isTrue();
    HttpResponse<byte[]> retried = service.send(commit(t));
    assertThat(retried.statusCode()).as(describe(retried)).isEqualTo(409);
    assertThat(read(id)).isEqualTo(bytes(1, 1000));
    assertThat(stat(id).path("revision").asLong()).isEqualTo(before);
  }

  // ---------------------------------------------------------------- a silent database

  /**
   * The database stops answering without closing anything while an upload streams: the upload fails
   * with 503 once the socket timeout (40 s by default) has passed, instead of hanging for as long
   * as the outage lasts (here, until the test gives up on it).
   */
  @Test
  void anUploadInFlightFailsWhenTheDatabaseStopsAnswering() throws Exception {
    String id = fileWith(bytes(1, 1000));
    byte[] body = bytes(9, 64 * 1024);
    CountDownLatch halfSent = new CountDownLatch(1);
    CountDownLatch frozen = new CountDownLatch(1);
    InputStream paced =
        new InputStream() {
          private int sent;

          @Override
          public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            if (sent == body.length) {
              return -1;
            }
            if (sent == body.length / 4) {
              halfSent.countDown();
              try {
                frozen.await(PROMPTLY.toSeconds(), TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
              }
            }
            int limit = sent < body.length / 4 ? body.length / 4 : body.length;
            int n = Math.min(len, limit - sent);
            System.arraycopy(body, sent, b, off, n);
            sent += n;
            return n;
          }
        };
    CompletableFuture<HttpResponse<byte[]>> upload =
        CompletableFuture.supplyAsync(
            () ->
                service.send(
                    service
                        .request(contentPath(id))
                        .timeout(Duration.ofSeconds(150))
                        .header("Content-Type", "application/octet-stream")
                        .PUT(
                            HttpRequest.BodyPublishers.fromPublisher(
                                HttpRequest.BodyPublishers.ofInputStream(() -> paced),
                                body.length))));
    try {
      assertThat(halfSent.await(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isTrue();
      proxy.freeze();
      long t0 = System.nanoTime();
      frozen.countDown();
      HttpResponse<byte[]> r = upload.get(3, TimeUnit.MINUTES);
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
      assertThat(r.statusCode()).as(describe(r)).isEqualTo(503);
      assertThat(header(r, "Retry-After")).isNotNull();
      assertThat(seconds).as("failed after about the socket timeout").isLessThan(120);
    } finally {
      frozen.countDown();
      proxy.cut();
      proxy.reopen();
    }
    assertThat(read(id)).as("nothing of it was written").isEqualTo(bytes(1, 1000));
  }

  // ---------------------------------------------------------------- helpers

  /** The unknown-outcome problem; returns the transaction it names. */
  private static String assertUnknown(HttpResponse<byte[]> r) {
    assertThat(r.statusCode()).as(describe(r)).isEqualTo(503);
    assertThat(header(r, "Content-Type")).contains("application/problem+json");
    assertThat(header(r, "Retry-After")).isNotNull();
    JsonNode p = ServiceClient.JSON.readTree(r.body());
    assertThat(text(p, "type")).as(body(r)).isEqualTo(UNKNOWN);
    assertThat(text(p, "detail")).doesNotContainIgnoringCase("sql").doesNotContain("Exception");
    String txn = text(p, "transaction");
    assertThat(txn).isNotBlank();
    return txn;
  }

  /** The transaction once it is no longer committing. */
  private static JsonNode awaitSettled(String txn) {
    JsonNode[] last = new JsonNode[1];
    ServiceProcess.awaitCondition(
        "transaction " + txn + " settled",
        PROMPTLY,
        Duration.ofMillis(200),
        () -> {
          last[0] = transaction(txn);
          return !"committing".equals(text(last[0], "state"));
        });
    return last[0];
  }

  /**
   * The first answer to a repeated request that is not a 503: pooled connections broken by the cut
   * fail one request each before they are replaced, and the outcome may be unknown until the
   * database's connections work again. Each request repeated here is safe to repeat: a retried
   * commit, or a write with its Idempotency-Key.
   */
  private static HttpResponse<byte[]> awaitAnswer(
      java.util.function.Supplier<HttpRequest.Builder> request) {
    AtomicReference<HttpResponse<byte[]>> last = new AtomicReference<>();
    ServiceProcess.awaitCondition(
        "an answer",
        PROMPTLY,
        Duration.ofMillis(200),
        () -> {
          last.set(service.send(request.get()));
          return last.get().statusCode() != 503;
        });
    return last.get();
  }

  private static JsonNode transaction(String txn) {
    return json(service.send(service.request("/v1/transactions/" + txn).GET()), 200);
  }

  /**
   * Reads go through {@link #awaitAnswer} too: right after a cut, a read may find a broken pooled
   * connection.
   */
  private static JsonNode stat(String id) {
    return json(awaitAnswer(() -> service.request("/v1/files/" + id).GET()), 200);
  }

  private static byte[] read(String id) {
    return ServiceClient.assertStatus(
            awaitAnswer(() -> service.request(contentPath(id)).GET()), 200)
        .body();
  }

  private static String fileWith(byte[] data) {
    String id = service.createFile("{\"blockSize\":4096}");
    service.replace(id, data);
    return id;
  }

  private static HttpRequest.Builder append(String id, byte[] data) {
    return service
        .request(contentPath(id))
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(data));
  }

  private static HttpRequest.Builder commit(String t) {
    return service
        .request("/v1/transactions/" + t + "/commit")
        .POST(HttpRequest.BodyPublishers.noBody());
  }

  private static byte[] bytes(long seed, int n) {
    return PatternData.bytes(seed, 0, n);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
