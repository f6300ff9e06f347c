package io.bigfile;

import static io.bigfile.support.ServiceClient.assertStatus;
import static io.bigfile.support.ServiceClient.body;
import static io.bigfile.support.ServiceClient.contentPath;
import static io.bigfile.support.ServiceClient.field;
import static io.bigfile.support.ServiceClient.json;
import static io.bigfile.support.ServiceClient.number;
import static io.bigfile.support.ServiceClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.bigfile.support.PatternData;
import io.bigfile.support.SecuredServiceTestBase.Tokens;
import io.bigfile.support.ServiceClient;
import io.bigfile.support.ServiceProcess;
import io.bigfile.support.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Several service processes on one database, as replicas behind one Service: any of them serves any
 * request of any transaction (forwarding it to the replica that began it), a replica killed
 * mid-transaction loses its transactions only, with a distinct 404 on every other replica, a
 * replica asked to stop (SIGTERM) lets its open transaction commit during its drain, and forwarded
 * bodies of 1 GiB stream through replicas with a 256 MiB heap.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SeveralReplicasIT {

  private static final int BLOCK = 4096;
  private static final String LOST = "https://bigfile.io/problems/transaction-lost";
  private static final long GIB = 1L << 30;

  private final List<ServiceProcess> services = new ArrayList<>();

  @AfterEach
  void stopAll() {
    for (ServiceProcess s : services) {
      s.close();
    }
  }

  private ServiceProcess start(String name, List<String> jvm, List<String> args) {
    List<String> all = new ArrayList<>(args);
    // three services on a database that CI gives 100 connections
    all.add("--bigfile.database.read-connections=4");
    all.add("--bigfile.database.write-connections=4");
    ServiceProcess s = new ServiceProcess(name, jvm, all);
    services.add(s);
    return s.start();
  }

  private static HttpResponse<byte[]> put(
      ServiceClient via, String id, long off, byte[] data, String txn) {
    return via.send(
        via.request(contentPath(id) + "?txn=" + txn)
            .header("Content-Type", "application/octet-stream")
            .header("Content-Range", "bytes " + off + "-" + (off + data.length - 1) + "/*")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
  }

  private static HttpResponse<byte[]> post(ServiceClient via, String path) {
    return via.send(via.request(path).POST(HttpRequest.BodyPublishers.noBody()));
  }

  private static byte[] filled(int n, int b) {
    byte[] a = new byte[n];
    Arrays.fill(a, (byte) b);
    return a;
  }

  @Test
  void oneTransactionThroughThreeReplicasAndAKilledOwner() throws Exception {
    ServiceProcess a = start("replica-a", List.of(), List.of());
    ServiceProcess b = start("replica-b", List.of(), List.of());
    ServiceProcess c = start("replica-c", List.of(), List.of());
    String f = a.createFile("{\"name\":\"shared\",\"blockSize\":" + BLOCK + "}");
    a.replace(f, filled(4 * BLOCK, 1));

    // begin on A, write through B, read its own writes through C, commit through B
    String t = a.begin();
    assertStatus(put(b, f, 100, filled(50, 7), t), 200);
    byte[] seen = c.read(f, "?txn=" + t);
    assertThat(seen[99]).isEqualTo((byte) 1);
    assertThat(Arrays.copyOfRange(seen, 100, 150)).containsOnly(7);
    assertThat(c.read(f)[100]).as("uncommitted: others do not see it").isEqualTo((byte) 1);
    JsonNode state = json(c.send(c.request("/v1/transactions/" + t).GET()), 200);
    assertThat(text(state, "state")).isEqualTo("open");

    // concurrent writes of one transaction through B and C are serialised by its owner, A
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        ServiceClient via = w == 0 ? b : c;
        int base = w * 2 * BLOCK;
        writers.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 20; i++) {
                    assertStatus(put(via, f, base + 200L * i, filled(200, 10 + i), t), 200);
                  }
                }));
      }
      // autocommit traffic on every replica meanwhile
      String g = b.createFile("{\"name\":\"autocommit\",\"blockSize\":" + BLOCK + "}");
      for (int i = 0; i < 9; i++) {
        ServiceClient via = List.of(a, b, c).get(i % 3);
        via.writeAt(g, i * 100L, filled(100, i + 1));
      }
      for (Future<?> w : writers) {
        w.get(2, TimeUnit.MINUTES);
      }
      byte[] auto = c.read(g);
      assertThat(auto).hasSize(900);
      for (int i = 0; i < 9; i++) {
        assertThat(Arrays.copyOfRange(auto, i * 100, i * 100 + 100)).containsOnly(i + 1);
      }
    } finally {
      pool.shutdownNow();
    }

    HttpResponse<byte[]> committed = post(b, "/v1/transactions/" + t + "/commit");
    assertThat(committed.statusCode()).as(body(committed)).isEqualTo(200);
    long revision =
        Long.parseLong(committed.headers().firstValue("BigFile-Revision").orElseThrow());
    byte[] after = c.read(f, "?at=" + revision);
    for (int w = 0; w < 2; w++) {
      for (int i = 0; i < 20; i++) {
        int off = w * 2 * BLOCK + 200 * i;
        assertThat(Arrays.copyOfRange(after, off, off + 200)).containsOnly(10 + i);
      }
    }
    assertThat(after[2 * BLOCK + 4000]).isEqualTo((byte) 1);
    assertThat(text(json(a.send(a.request("/v1/transactions/" + t).GET()), 200), "state"))
        .isEqualTo("committed");
    assertThat(text(json(c.send(c.request("/v1/transactions/" + t).GET()), 200), "state"))
        .isEqualTo("committed");

    // the owner dies mid-transaction: its transaction is lost everywhere, the others' are not
    String doomed = a.begin();
    String survivor = b.begin();
    assertStatus(put(c, f, 0, filled(10, 3), doomed), 200);
    assertStatus(put(c, f, 10, filled(10, 4), survivor), 200);
    a.kill();
    long killed = System.nanoTime();
    for (ServiceClient via : List.of(b, c)) {
      HttpResponse<byte[]> r = put(via, f, 0, filled(10, 5), doomed);
      assertThat(r.statusCode()).as(body(r)).isEqualTo(404);
      assertThat(field(r, "type")).isEqualTo(LOST);
      assertThat(field(r, "transaction")).isEqualTo(doomed);
      HttpResponse<byte[]> look = via.send(via.request("/v1/transactions/" + doomed).GET());
      assertThat(look.statusCode()).isEqualTo(404);
      assertThat(field(look, "type")).isEqualTo(LOST);
      HttpResponse<byte[]> commit = post(via, "/v1/transactions/" + doomed + "/commit");
      assertThat(commit.statusCode()).isEqualTo(404);
      assertThat(field(commit, "type")).isEqualTo(LOST);
    }
    long lostMs = (System.nanoTime() - killed) / 1_000_000;
    HttpResponse<byte[]> unknown = b.send(b.request("/v1/transactions/" + b.begin() + "x").GET());
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(field(unknown, "type")).as("an unknown id is not a lost one").isNotEqualTo(LOST);
    assertStatus(post(c, "/v1/transactions/" + survivor + "/commit"), 200);
    byte[] end = b.read(f);
    assertThat(Arrays.copyOfRange(end, 0, 10))
        .as("not the lost transaction's write, but what t committed")
        .containsOnly(10);
    assertThat(Arrays.copyOfRange(end, 10, 20)).containsOnly(4);
    System.out.printf(
        "SeveralReplicasIT: a killed owner's transaction answered lost on two replicas (6 requests)"
            + " within %d ms%n",
        lostMs);
  }

  @Test
  void aReplicaAskedToStopLetsItsTransactionCommitDuringTheDrain() throws Exception {
    ServiceProcess a = start("drain-a", List.of(), List.of("--bigfile.replicas.drain-period=90s"));
    ServiceProcess b = start("drain-b", List.of(), List.of());
    String f = a.createFile("{\"blockSize\":" + BLOCK + "}");
    String t = a.begin();
    assertStatus(put(b, f, 0, filled(100, 9), t), 200);

    long pid = a.pid();
    ProcessHandle.of(pid).orElseThrow().destroy(); // SIGTERM
    ServiceProcess.awaitCondition(
        "replica A turns unready while it drains",
        Duration.ofSeconds(30),
        Duration.ofMillis(50),
        () -> a.readinessStatus() == 503);
    assertThat(a.isAlive()).as("A still runs: it drains").isTrue();

    // a begin that reaches the draining replica gets a transaction of another replica
    HttpResponse<byte[]> begun = post(a, "/v1/transactions");
    assertThat(begun.statusCode()).as(body(begun)).isEqualTo(201);
    String elsewhere = field(begun, "id");
    assertThat(elsewhere.substring(0, elsewhere.indexOf('.') + 1))
        .as("begun on B")
        .isEqualTo(b.begin().substring(0, elsewhere.indexOf('.') + 1));

    // the draining replica's transaction goes on, forwarded to it, and commits
    assertStatus(put(b, f, 100, filled(100, 8), t), 200);
    HttpResponse<byte[]> commit = post(b, "/v1/transactions/" + t + "/commit");
    assertThat(commit.statusCode()).as(body(commit)).isEqualTo(200);
    ServiceProcess.awaitCondition(
        "replica A exits once its last transaction is done",
        Duration.ofSeconds(60),
        Duration.ofMillis(100),
        () -> !a.isAlive());
    byte[] content = b.read(f);
    assertThat(Arrays.copyOfRange(content, 0, 100)).containsOnly(9);
    assertThat(Arrays.copyOfRange(content, 100, 200)).containsOnly(8);
    assertThat(a.output()).contains("every open transaction finished");
  }

  /**
   * With access control on, a request is authenticated where it arrives and again by the owner,
   * whose transaction it is: no token is refused by the replica it reached, another principal's
   * request is answered by the owner as for an unknown transaction, and the owner's principal gets
   * through.
   */
  @Test
  void forwardedRequestsCarryTheirCredentialsToTheOwner() {
    Tokens alice = Tokens.NO_ADMIN;
    Tokens bob = Tokens.OTHER;
    List<String> tokens = new ArrayList<>(List.of("--bigfile.security.mode=token"));
    List<Tokens> principals = List.of(alice, bob);
    for (int i = 0; i < principals.size(); i++) {
      String prefix = "--bigfile.security.tokens[" + i + "].";
      tokens.add(prefix + "subject=" + principals.get(i).subject());
      tokens.add(prefix + "token=" + principals.get(i).token());
      tokens.add(prefix + "scopes=" + principals.get(i).scopes());
    }
    ServiceProcess a = start("auth-a", List.of(), tokens);
    ServiceProcess b = start("auth-b", List.of(), tokens);
    ServiceClient aliceOnA = a.as(alice.token());
    ServiceClient aliceOnB = b.as(alice.token());
    ServiceClient bobOnB = b.as(bob.token());
    String f = aliceOnA.createFile("{\"blockSize\":" + BLOCK + "}");
    String t = aliceOnA.begin();

    HttpResponse<byte[]> anonymous = put(b, f, 0, filled(10, 1), t);
    assertThat(anonymous.statusCode()).as(body(anonymous)).isEqualTo(401);
    HttpResponse<byte[]> other = put(bobOnB, f, 0, filled(10, 2), t);
    assertThat(other.statusCode()).as(body(other)).isEqualTo(404);
    assertThat(field(other, "type")).as("the owner's answer, not lost").isNotEqualTo(LOST);
    assertStatus(put(aliceOnB, f, 0, filled(10, 3), t), 200);
    assertStatus(post(aliceOnB, "/v1/transactions/" + t + "/commit"), 200);
    assertThat(Arrays.copyOfRange(aliceOnB.read(f), 0, 10)).containsOnly(3);
    // the owner audits what was forwarded to it; the replica that forwarded audits its own refusal
    assertThat(a.output()).contains("user.name=no-admin").contains("user.name=other");
    assertThat(b.output()).doesNotContain("user.name=no-admin").doesNotContain("user.name=other");
  }

  @Test
  void forwardedGibibytesStreamThroughReplicasWithA256MiBHeap() throws Exception {
    ServiceProcess a = start("gib-a", List.of("-Xmx256m"), List.of());
    ServiceProcess b = start("gib-b", List.of("-Xmx256m"), List.of());

    // download: 1 GiB read in A's transaction through B; the file is sparse with data every 64 MiB
    String f = a.createFile("{\"name\":\"gib\"}");
    assertStatus(
        a.send(
            a.request("/v1/files/" + f)
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"size\":" + GIB + "}"))),
        200);
    for (long off = 0; off < GIB; off += 64L << 20) {
      a.writeAt(f, off, PatternData.bytes(off, off, 1 << 20));
    }
    String t = a.begin();
    MessageDigest expected = PatternData.sha256();
    byte[] chunk = new byte[1 << 20];
    for (long off = 0; off < GIB; off += chunk.length) {
      if (off % (64L << 20) == 0) {
        expected.update(PatternData.bytes(off, off, chunk.length));
      } else {
        Arrays.fill(chunk, (byte) 0);
        expected.update(chunk);
      }
    }
    long t0 = System.nanoTime();
    HttpResponse<InputStream> get =
        b.send(
            b.request(contentPath(f) + "?txn=" + t).timeout(Duration.ofMinutes(5)).GET(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValueAsLong("Content-Length")).hasValue(GIB);
    assertThat(digest(get.body())).isEqualTo(HexFormat.of().formatHex(expected.digest()));
    long downMs = (System.nanoTime() - t0) / 1_000_000;

    // upload: 1 GiB PUT in a transaction of a replica that takes whole bodies, through B
    try (FakeOwner owner = new FakeOwner()) {
      String txn = owner.replicaPrefix() + "AAAAAAAAAAAAAAAAAAAAAA";
      t0 = System.nanoTime();
      HttpResponse<byte[]> up =
          b.send(
              b.request(contentPath(f) + "?txn=" + txn)
                  .timeout(Duration.ofMinutes(5))
                  .header("Content-Type", "application/octet-stream")
                  .PUT(
                      HttpRequest.BodyPublishers.fromPublisher(
                          HttpRequest.BodyPublishers.ofInputStream(
                              () -> PatternData.stream(7, 0, GIB)),
                          GIB)));
      long upMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(up.statusCode()).as(body(up)).isEqualTo(200);
      assertThat(body(up)).isEqualTo(PatternData.sha256(7, 0, GIB) + " " + GIB);
      System.out.printf(
          "SeveralReplicasIT: 1 GiB forwarded down in %d ms, up in %d ms, with -Xmx256m%n",
          downMs, upMs);
    }
    for (ServiceProcess s : List.of(a, b)) {
      assertThat(s.isAlive()).isTrue();
      assertThat(s.output()).doesNotContain("OutOfMemoryError");
    }
    assertThat(number(a.send(a.request("/v1/transactions/" + t).GET()), "snapshotRevision"))
        .isPositive();
  }

  private static String digest(InputStream in) throws IOException {
    MessageDigest md = PatternData.sha256();
    try (in) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * A replica registered in the database that answers a PUT with the SHA-256 and length of the body
   * it received, as it arrives: the other end of a forwarded upload larger than any transaction may
   * stage.
   */
  private static final class FakeOwner implements AutoCloseable {
    private final HttpServer server;
    private final long id;

    FakeOwner() throws IOException, SQLException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/",
          exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
              MessageDigest md = PatternData.sha256();
              byte[] buf = new byte[1 << 16];
              long n = 0;
              for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
                n += r;
              }
              byte[] answer =
                  (HexFormat.of().formatHex(md.digest()) + " " + n)
                      .getBytes(StandardCharsets.UTF_8);
              exchange.sendResponseHeaders(200, answer.length);
              try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
              }
            }
          });
      server.start();
      try (Connection c = connect();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "insert into replica (address, heartbeat_at) values ('127.0.0.1:"
                      + server.getAddress().getPort()
                      + "', now() + interval '1 hour') returning id")) {
        rs.next();
        id = rs.getLong(1);
      }
    }

    String replicaPrefix() {
      return Long.toString(id, 36) + ".";
    }

    private static Connection connect() throws SQLException {
      TestDatabase.Coordinates db = TestDatabase.get();
      return DriverManager.getConnection(db.url(), db.username(), db.password());
    }

    @Override
    public void close() {
      server.stop(0);
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.executeUpdate("delete from replica where id = " + id);
      } catch (SQLException e) {
        throw new UncheckedIOException(new IOException(e));
      }
    }
  }
}
