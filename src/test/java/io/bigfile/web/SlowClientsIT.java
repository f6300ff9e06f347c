package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Slow clients starve no one (issue 12, item 7). Two hundred uploads trickle one byte every half
 * second over raw sockets: far more than the service has write connections (4 in tests), and as
 * many as Tomcat has threads. Meanwhile another client's 1-byte PUT, the commit of a transaction
 * and a small GET, sent together, must each keep its normal latency, measured in the same test
 * before the slow uploads start: within max(10 x its baseline, 1 s). The slow uploads must then be
 * refused (408, problem+json, the connection closed) on the service's default minimum upload rate,
 * and leave their files and their transaction as they were.
 *
 * <p>Before request bodies were received ahead of their requests, the three operations each waited
 * out the 15 s limit here (the PUT and the commit for a write connection, the GET for a thread) and
 * the slow uploads were never refused.
 */
class SlowClientsIT extends HttpTestBase {

  private static final int SLOW_UPLOADS = 200;

  /** Each slow upload declares this many bytes and sends one every {@link #TRICKLE}. */
  private static final int DECLARED = 1000;

  private static final Duration TRICKLE = Duration.ofMillis(500);

  /** The longest one measured operation may take before it counts as starved. */
  private static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(15);

  /** How long the slow uploads may take to be refused, from their start. */
  private static final Duration REFUSAL_DEADLINE = Duration.ofSeconds(45);

  private static final int ROUNDS = 5;

  @Test
  void slowUploadsHoldNoOneUpAndAreRefused() throws Exception {
    String readable = fileWith(random(BLOCK, 1));
    String written = fileWith(random(BLOCK, 2));
    List<String> targets = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      targets.add(fileWith(random(2 * BLOCK + 100, 10 + i)));
    }
    String slowTxn = begin();
    Map<String, Map<String, Object>> before = new LinkedHashMap<>();
    for (String id : targets) {
      before.put(id, state(id));
    }

    measure(readable, written, prepared(1)); // warm-up
    Map<String, Long> baseline = measure(readable, written, prepared(ROUNDS));
    List<String> loadTxns = prepared(3);

    double refusedBefore = metric("bigfile_request_bodies_refused_total", "too_slow");
    double receiving;
    Map<String, Long> loaded;
    List<SlowUpload> slow = new ArrayList<>();
    try {
      for (int i = 0; i < SLOW_UPLOADS; i++) {
        slow.add(new SlowUpload(i, targets.get(i % targets.size()), slowTxn));
      }
      // every slow upload has sent its head and a few bytes, and holds whatever it holds
      long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < until) {
        trickle(slow);
      }
      receiving = metric("bigfile_request_bodies_receiving", "");
      loaded = measureWhileTrickling(readable, written, loadTxns, slow);
      long deadline = System.nanoTime() + REFUSAL_DEADLINE.toNanos();
      while (System.nanoTime() < deadline && slow.stream().anyMatch(s -> s.answer == null)) {
        trickle(slow);
      }
    } finally {
      slow.forEach(SlowUpload::close);
    }

    System.out.printf(
        "SlowClientsIT: baseline (median of %d) %s; under %d slow uploads (worst of 3) %s%n",
        ROUNDS, millis(baseline), SLOW_UPLOADS, millis(loaded));
    SoftAssertions soft = new SoftAssertions();
    for (String op : baseline.keySet()) {
      long bound = Math.max(10 * baseline.get(op), Duration.ofSeconds(1).toNanos());
      soft.assertThat(loaded.get(op))
          .as(
              "%s under %d slow uploads: %d ms (baseline %.1f ms, bound %d ms)",
              op,
              SLOW_UPLOADS,
              loaded.get(op) / 1_000_000,
              baseline.get(op) / 1e6,
              bound / 1_000_000)
          .isLessThanOrEqualTo(bound);
    }
    for (SlowUpload s : slow) {
      soft.assertThat(s.answer)
          .as("the answer to slow upload %d (%s)", s.index, s.kind)
          .isNotNull();
      if (s.answer != null) {
        soft.assertThat(s.answer).as("slow upload %d (%s)", s.index, s.kind).startsWith("408 ");
        soft.assertThat(s.answer)
            .as("slow upload %d (%s)", s.index, s.kind)
            .contains("content-type: application/problem+json")
            .contains("\"status\":408");
        soft.assertThat(s.closedAfterAnswer)
            .as("the connection of slow upload %d (%s) closed after its answer", s.index, s.kind)
            .isTrue();
      }
    }
    soft.assertThat(receiving)
        .as("bodies being received while they trickle")
        .isEqualTo(SLOW_UPLOADS);
    soft.assertThat(metric("bigfile_request_bodies_refused_total", "too_slow") - refusedBefore)
        .as("bodies refused as too slow")
        .isEqualTo(SLOW_UPLOADS);
    soft.assertAll();

    for (String id : targets) {
      assertThat(state(id)).as("file %s after the slow uploads", id).isEqualTo(before.get(id));
    }
    JsonNode t = txn(slowTxn);
    assertThat(text(t, "state")).isEqualTo("open");
    assertThat(t.path("dirtyBytes").asLong()).as("dirty bytes of %s", t).isZero();
    assertStatus(postEmpty("/v1/transactions/" + slowTxn + "/commit"), 200);
    for (String id : targets) {
      assertThat(state(id)).as("file %s after its transaction", id).isEqualTo(before.get(id));
    }
  }

  // ------------------------------------------------------------------ the measured operations

  /**
   * Transactions that each wrote one byte of a file of their own (so that none conflicts with
   * another), begun ahead so that a round times only their commit.
   */
  private List<String> prepared(int rounds) {
    List<String> txns = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      String file = newFile(BLOCK);
      String txn = begin();
      writeAt(file, 0, new byte[] {(byte) i}, "?txn=" + txn);
      txns.add(txn);
    }
    return txns;
  }

  /** The median time of each operation over the rounds, one per prepared transaction. */
  private Map<String, Long> measure(String readable, String written, List<String> txns) {
    Map<String, List<Long>> times = new LinkedHashMap<>();
    for (int i = 0; i < txns.size(); i++) {
      round(readable, written, txns.get(i), i, times);
    }
    Map<String, Long> medians = new LinkedHashMap<>();
    times.forEach(
        (op, list) -> {
          long[] sorted = list.stream().mapToLong(Long::longValue).sorted().toArray();
          medians.put(op, sorted[sorted.length / 2]);
        });
    return medians;
  }

  /** The slowest time of each operation over the rounds, the slow uploads trickling meanwhile. */
  private Map<String, Long> measureWhileTrickling(
      String readable, String written, List<String> txns, List<SlowUpload> slow)
      throws InterruptedException {
    Map<String, List<Long>> times = new LinkedHashMap<>();
    Thread trickler =
        new Thread(
            () -> {
              long until = System.nanoTime() + 2 * OPERATION_TIMEOUT.toNanos() * txns.size();
              while (!Thread.currentThread().isInterrupted() && System.nanoTime() < until) {
                trickle(slow);
              }
            },
            "trickler");
    trickler.start();
    try {
      for (int i = 0; i < txns.size(); i++) {
        round(readable, written, txns.get(i), 100 + i, times);
      }
    } finally {
      trickler.interrupt();
      trickler.join();
    }
    Map<String, Long> worst = new LinkedHashMap<>();
    times.forEach(
        (op, list) -> worst.put(op, list.stream().mapToLong(Long::longValue).max().orElseThrow()));
    return worst;
  }

  private static Map<String, String> millis(Map<String, Long> nanos) {
    Map<String, String> out = new LinkedHashMap<>();
    nanos.forEach((op, t) -> out.put(op, String.format("%.1f ms", t / 1e6)));
    return out;
  }

  /**
   * One 1-byte PUT, the commit of a prepared transaction and one small GET, sent at once, each
   * timed on its own.
   */
  private void round(
      String readable, String written, String txn, int i, Map<String, List<Long>> times) {
    Map<String, Supplier<HttpRequest.Builder>> ops = new LinkedHashMap<>();
    Map<String, Integer> statuses = Map.of("1-byte PUT", 200, "commit", 200, "small GET", 206);
    ops.put(
        "1-byte PUT",
        () ->
            req(contentPath(written), "Content-Range", "bytes " + i + "-" + i + "/*")
                .header("Content-Type", OCTETS)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) i})));
    ops.put(
        "commit",
        () -> req("/v1/transactions/" + txn + "/commit").POST(HttpRequest.BodyPublishers.noBody()));
    ops.put("small GET", () -> req(contentPath(readable), "Range", "bytes=0-99").GET());
    ExecutorService senders = Executors.newFixedThreadPool(ops.size());
    try {
      Map<String, CompletableFuture<Long>> running = new LinkedHashMap<>();
      ops.forEach(
          (op, request) ->
              running.put(
                  op,
                  CompletableFuture.supplyAsync(
                      () -> timed(op, request, statuses.get(op)), senders)));
      running.forEach((op, f) -> times.computeIfAbsent(op, k -> new ArrayList<>()).add(f.join()));
    } finally {
      senders.shutdownNow();
    }
  }

  /** Times one request; one that did not answer within the timeout counts as the timeout. */
  private long timed(String op, Supplier<HttpRequest.Builder> request, int status) {
    long t0 = System.nanoTime();
    try {
      HttpResponse<byte[]> r =
          http()
              .send(
                  request.get().timeout(OPERATION_TIMEOUT).build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      long took = System.nanoTime() - t0;
      assertStatus(r, status);
      return took;
    } catch (HttpTimeoutException e) {
      return OPERATION_TIMEOUT.toNanos();
    } catch (IOException e) {
      throw new AssertionError(op + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ------------------------------------------------------------------ slow uploads

  /** One pass over the slow uploads: each sends one more byte, or reads its answer. */
  private static void trickle(List<SlowUpload> slow) {
    long next = System.nanoTime() + TRICKLE.toNanos();
    synchronized (slow) {
      for (SlowUpload s : slow) {
        s.step();
      }
    }
    long wait = next - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * An upload over a raw socket that sends its head, then one byte of its body per step, and never
   * finishes on its own (its body would take {@link #DECLARED} steps). Kinds: a replacing PUT, a
   * PUT with {@code Content-Range}, an append, a chunked PUT, and a PUT inside a transaction.
   */
  private final class SlowUpload {
    final int index;
    final String kind;
    final Socket socket;
    final boolean chunked;
    String answer;
    boolean closedAfterAnswer;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    SlowUpload(int index, String file, String txn) throws IOException {
      this.index = index;
      String target = contentPath(file);
      String head;
      switch (index % 5) {
        case 0 -> {
          kind = "PUT";
          head = "PUT " + target + " HTTP/1.1\r\nContent-Length: " + DECLARED + "\r\n";
        }
        case 1 -> {
          kind = "PUT Content-Range";
          head =
              "PUT "
                  + target
                  + " HTTP/1.1\r\nContent-Length: "
                  + DECLARED
                  + "\r\nContent-Range: bytes 0-"
                  + (DECLARED - 1)
                  + "/*\r\n";
        }
        case 2 -> {
          kind = "POST";
          head = "POST " + target + " HTTP/1.1\r\nContent-Length: " + DECLARED + "\r\n";
        }
        case 3 -> {
          kind = "chunked PUT";
          head = "PUT " + target + " HTTP/1.1\r\nTransfer-Encoding: chunked\r\n";
        }
        default -> {
          kind = "PUT in a transaction";
          head =
              "PUT "
                  + target
                  + "?txn="
                  + txn
                  + " HTTP/1.1\r\nContent-Length: "
                  + DECLARED
                  + "\r\nContent-Range: bytes 0-"
                  + (DECLARED - 1)
                  + "/*\r\n";
        }
      }
      this.chunked = index % 5 == 3;
      this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(2000);
      socket
          .getOutputStream()
          .write(
              (head + "Host: localhost\r\nContent-Type: application/octet-stream\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads the answer if one arrived; otherwise sends one more byte of the body. */
    void step() {
      if (answer != null) {
        return;
      }
      try {
        InputStream in = socket.getInputStream();
        if (in.available() > 0) {
          readAnswer(in);
          return;
        }
        OutputStream out = socket.getOutputStream();
        out.write(chunked ? "1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII) : new byte[] {'x'});
        out.flush();
      } catch (IOException e) {
        answer = "closed without an answer: " + e;
      }
    }

    /** The status line's code and reason, the headers (lower case) and the body. */
    private void readAnswer(InputStream in) throws IOException {
      byte[] buf = new byte[4096];
      long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < until) {
        int n;
        try {
          n = in.read(buf);
        } catch (java.net.SocketTimeoutException e) {
          break;
        }
        if (n < 0) {
          break;
        }
        received.write(buf, 0, n);
        if (complete()) {
          break;
        }
      }
      if (complete()) {
        // the rest of the body is not read: the service closes the connection after its answer
        try {
          closedAfterAnswer = in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
          closedAfterAnswer = false;
        } catch (IOException e) {
          closedAfterAnswer = true;
        }
      }
      String text = received.toString(StandardCharsets.UTF_8);
      int end = text.indexOf("\r\n\r\n");
      String headers = end < 0 ? text : text.substring(0, end);
      String body = end < 0 ? "" : text.substring(end + 4);
      String statusLine = headers.lines().findFirst().orElse("");
      answer =
          statusLine.replaceFirst("^HTTP/1\\.1 ", "")
              + "\n"
              + headers.toLowerCase(java.util.Locale.ROOT)
              + "\n"
              + body;
    }

    /** Whether the head and as many body bytes as its Content-Length arrived. */
    private boolean complete() {
      String text = received.toString(StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        return false;
      }
      for (String line : text.substring(0, end).split("\r\n")) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          int length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
          return text.length() - end - 4 >= length;
        }
      }
      return false;
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing a test's socket
      }
    }
  }

  /** The value of the sample of {@code name} whose labels contain {@code label}, from a scrape. */
  private double metric(String name, String label) {
    String scrape = body(assertStatus(get("/actuator/prometheus"), 200));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?m)^" + name + "(\\{[^}]*})? (\\S+)$").matcher(scrape);
    while (m.find()) {
      if (m.group(1) == null ? label.isEmpty() : m.group(1).contains(label)) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError("no " + name + " with " + label + " in the metrics");
  }

  // ------------------------------------------------------------------ what must not change

  /** Content digest, size, ETag and last revision of a file. */
  private Map<String, Object> state(String id) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("sha256", sha256(read(id)));
    JsonNode stat = stat(id);
    s.put("size", stat.path("size").asLong());
    s.put("revision", stat.path("revision").asLong());
    s.put("etag", etag(id));
    return s;
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
