package io.bigfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bigfile.support.PatternData;
import io.bigfile.support.ServiceClient;
import io.bigfile.support.ServiceProcess;
import io.bigfile.support.TcpProxy;
import io.bigfile.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reads from a PostgreSQL hot standby ({@code bigfile.standbys}), against a real one: the standby
 * of the local server that {@code .ci/standby} makes, named by {@code BIGFILE_TEST_STANDBY} (its
 * JDBC URL without a database). Without one, or on another test database than the local server,
 * these tests are skipped and say why.
 *
 * <p>Two service processes share the test database: a writer, on the primary only, and a reader
 * whose standby is reached through a {@link TcpProxy} the tests cut. The reader's page cache holds
 * nothing the writer wrote, so its reads ask the database for every byte. Each answer is checked
 * against the bytes of the revision it names ({@code BigFile-Revision}), and the reader's metrics
 * say which server answered.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StandbyReadsIT {

  private static final int BLOCK = 64 * 1024;
  private static final int SIZE = 4 * BLOCK;

  /** How long the standby may take to replay what a test needs; far more than it takes. */
  private static final Duration REPLAY = Duration.ofSeconds(60);

  private static final List<String> JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

  private static String standbyUrl;
  private static String standbyName;
  private static TcpProxy proxy;
  private static ServiceProcess writer;
  private static ServiceProcess reader;

  /** Why these tests cannot run here, or null. */
  private static String skipReason;

  @BeforeAll
  static void start() throws SQLException {
    String base = System.getenv("BIGFILE_TEST_STANDBY");
    if (base == null || base.isBlank()) {
      skipReason =
          "BIGFILE_TEST_STANDBY is not set: no hot standby of the local server (.ci/run makes one"
              + " with .ci/standby when a local server runs)";
      return;
    }
    TestDatabase.Coordinates db = TestDatabase.get();
    if (!db.source().equals("local")) {
      skipReason =
          "the test database is " + db.source() + ", not the local server the standby replicates";
      return;
    }
    URI u = URI.create(db.url().substring("jdbc:".length()));
    standbyUrl = base.replaceAll("/+$", "") + u.getRawPath();
    awaitOnStandby(
        "the test database, migrated, on the standby",
        c -> Long.parseLong(queryText(c, "SELECT rev FROM head")) >= 0);

    proxy = TcpProxy.forJdbcUrl(standbyUrl);
    String proxied = proxy.jdbcUrl(standbyUrl);
    standbyName = proxied.substring(0, proxied.indexOf('?'));
    List<String> pools =
        List.of("--bigfile.database.read-connections=2", "--bigfile.database.write-connections=2");
    writer = new ServiceProcess("standby-writer", JVM, pools).start();
    List<String> readerArgs = new ArrayList<>(pools);
    readerArgs.add("--bigfile.standbys=" + proxied);
    reader = new ServiceProcess("standby-reader", JVM, readerArgs).start();
  }

  @BeforeEach
  void requireStandby() {
    assumeTrue(skipReason == null, skipReason);
  }

  @AfterAll
  static void stop() {
    if (reader != null) {
      reader.close();
    }
    if (writer != null) {
      writer.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void readsAtARevisionTheStandbyHasReplayedAreServedByIt() {
    String id = writer.createFile("{\"blockSize\":" + BLOCK + "}");
    long rev = writer.replace(id, PatternData.bytes(1, 0, SIZE)).get("revision").asLong();
    awaitReaderKnowsReplayed(rev);

    Scrape before = scrape();
    HttpResponse<byte[]> autocommit = readAt(id, "");
    assertThat(revisionOf(autocommit)).isGreaterThanOrEqualTo(rev);
    assertThat(autocommit.body()).isEqualTo(PatternData.bytes(1, 0, SIZE));
    assertThat(readAt(id, "?at=" + rev).body()).isEqualTo(PatternData.bytes(1, 0, SIZE));
    String txn = reader.begin();
    try {
      assertThat(readAt(id, "?txn=" + txn).body())
          .as("a transaction's snapshot read")
          .isEqualTo(PatternData.bytes(1, 0, SIZE));
    } finally {
      reader.abort(txn);
    }
    Scrape after = scrape();

    assertThat(after.served() - before.served())
        .as("reads served by the standby: file records, the block index, block bytes")
        .isGreaterThanOrEqualTo(3);
    assertThat(after.fallbacks("behind") + after.fallbacks("unavailable"))
        .as("nothing went to the primary: the standby had replayed every revision read")
        .isEqualTo(before.fallbacks("behind") + before.fallbacks("unavailable"));
  }

  @Test
  void whileReplayIsPausedReadsAtNewerRevisionsGetTheirBytesFromThePrimary() throws Exception {
    String a = writer.createFile("{\"blockSize\":" + BLOCK + "}");
    String b = writer.createFile("{\"blockSize\":" + BLOCK + "}");
    long old = writer.replace(a, PatternData.bytes(2, 0, SIZE)).get("revision").asLong();
    long created = writer.replace(b, PatternData.bytes(6, 0, SIZE)).get("revision").asLong();
    awaitReaderKnowsReplayed(created);
    try {
      onStandby("SELECT pg_wal_replay_pause()");
      awaitOnStandby(
          "replay paused",
          c -> queryText(c, "SELECT pg_get_wal_replay_pause_state()").equals("paused"));
      long replayed = onStandbyHead();
      long revA = writer.replace(a, PatternData.bytes(3, 0, SIZE)).get("revision").asLong();
      long revB = writer.replace(b, PatternData.bytes(7, 0, SIZE)).get("revision").asLong();
      assertThat(revA).isGreaterThan(replayed);

      // read-your-writes on another replica: the revision the writer answered, read with at=
      Scrape s0 = scrape();
      assertThat(readAt(b, "?at=" + revB).body())
          .as("at= the revision the client has seen: never the standby's older bytes")
          .isEqualTo(PatternData.bytes(7, 0, SIZE));
      Scrape s1 = scrape();
      assertThat(s1.fallbacks("behind")).isGreaterThan(s0.fallbacks("behind"));
      assertThat(s1.served()).as("nothing from the paused standby").isEqualTo(s0.served());

      // an autocommit read at the head the reader knows, once it has heard of the new commits
      ServiceProcess.awaitCondition(
          "the reader to hear of revision " + revB,
          REPLAY,
          Duration.ofMillis(100),
          () -> {
            Scrape s = scrape();
            double known =
                s.value("bigfile_standby_replayed_revision")
                    + s.value("bigfile_standby_lag_revisions");
            return known >= revB;
          });
      HttpResponse<byte[]> autocommit = readAt(a, "");
      assertThat(revisionOf(autocommit)).isGreaterThanOrEqualTo(revA);
      assertThat(autocommit.body()).isEqualTo(PatternData.bytes(3, 0, SIZE));
      Scrape s2 = scrape();
      assertThat(s2.fallbacks("behind")).isGreaterThan(s1.fallbacks("behind"));
      assertThat(s2.served()).as("nothing from the paused standby").isEqualTo(s1.served());

      // a revision the standby has replayed is still served by it
      assertThat(readAt(a, "?at=" + old).body()).isEqualTo(PatternData.bytes(2, 0, SIZE));
      assertThat(scrape().served()).isGreaterThan(s2.served());
      assertThat(onStandbyHead()).as("the standby stayed paused").isEqualTo(replayed);
    } finally {
      onStandby("SELECT pg_wal_replay_resume()");
    }

    long latest = writer.replace(a, PatternData.bytes(8, 0, SIZE)).get("revision").asLong();
    awaitReaderKnowsReplayed(latest);
    Scrape s3 = scrape();
    assertThat(readAt(a, "").body()).isEqualTo(PatternData.bytes(8, 0, SIZE));
    assertThat(scrape().served())
        .as("replay resumed: the standby serves again")
        .isGreaterThan(s3.served());
  }

  @Test
  void withTheStandbyUnreachableReadsStayCorrectAndTheServiceReady() {
    String id = writer.createFile("{\"blockSize\":" + BLOCK + "}");
    long rev = writer.replace(id, PatternData.bytes(4, 0, SIZE)).get("revision").asLong();
    awaitReaderKnowsReplayed(rev);
    try {
      proxy.cut();
      Scrape before = scrape();
      for (int i = 0; i < 3; i++) {
        assertThat(readAt(id, "?at=" + rev).body()).isEqualTo(PatternData.bytes(4, 0, SIZE));
        assertThat(reader.readinessStatus()).as("readiness").isEqualTo(200);
      }
      long newer = writer.replace(id, PatternData.bytes(5, 0, SIZE)).get("revision").asLong();
      assertThat(readAt(id, "?at=" + newer).body()).isEqualTo(PatternData.bytes(5, 0, SIZE));
      Scrape after = scrape();
      assertThat(after.fallbacks("unavailable")).isGreaterThan(before.fallbacks("unavailable"));
      assertThat(after.served())
          .as("nothing served by the unreachable standby")
          .isEqualTo(before.served());
      assertThat(reader.status("/actuator/health"))
          .as("overall health, with the standbys indicator DOWN")
          .isEqualTo(503);
      assertThat(reader.readinessStatus()).as("readiness").isEqualTo(200);
    } finally {
      if (!proxy.listening()) {
        proxy.reopen();
      }
    }
    ServiceProcess.awaitCondition(
        "overall health UP again, the standby back",
        REPLAY,
        Duration.ofMillis(200),
        () -> reader.status("/actuator/health") == 200);
  }

  // ---------------------------------------------------------------- the reader

  private static HttpResponse<byte[]> readAt(String id, String query) {
    return ServiceClient.assertStatus(
        reader.send(reader.request(ServiceClient.contentPath(id) + query).GET()), 200);
  }

  private static long revisionOf(HttpResponse<byte[]> r) {
    return Long.parseLong(ServiceClient.header(r, "BigFile-Revision"));
  }

  /** Waits until the reader knows that the standby has replayed {@code rev}. */
  private static void awaitReaderKnowsReplayed(long rev) {
    ServiceProcess.awaitCondition(
        "the reader to know the standby replayed revision " + rev,
        REPLAY,
        Duration.ofMillis(100),
        () -> {
          double replayed = scrape().value("bigfile_standby_replayed_revision");
          return !Double.isNaN(replayed) && replayed >= rev;
        });
  }

  private static Scrape scrape() {
    return new Scrape(
        ServiceClient.body(
            ServiceClient.assertStatus(
                reader.send(reader.request("/actuator/prometheus").GET()), 200)));
  }

  /** One scrape of the reader's metrics, in the Prometheus text format. */
  private record Scrape(String text) {

    double served() {
      return value("bigfile_standby_reads_total");
    }

    double fallbacks(String reason) {
      return value("bigfile_standby_fallbacks_total", "reason=\"" + reason + "\"");
    }

    /** The one sample of {@code name} (on the reader's standby) whose labels hold {@code label}. */
    double value(String name, String... label) {
      List<Double> found = new ArrayList<>();
      for (String line : text.lines().toList()) {
        if (line.startsWith(name + "{")) {
          String labels = line.substring(name.length(), line.lastIndexOf(' '));
          boolean ours =
              !labels.contains("standby=") || labels.contains("standby=\"" + standbyName + "\"");
          if (ours && (label.length == 0 || labels.contains(label[0]))) {
            found.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
          }
        }
      }
      assertThat(found).as(name + " in the scrape").hasSize(1);
      return found.get(0);
    }
  }

  // ---------------------------------------------------------------- the standby, directly

  @FunctionalInterface
  private interface Check {
    boolean holds(Connection c) throws SQLException;
  }

  private static Connection standby() throws SQLException {
    TestDatabase.Coordinates db = TestDatabase.get();
    return DriverManager.getConnection(standbyUrl, db.username(), db.password());
  }

  private static void onStandby(String sql) throws SQLException {
    try (Connection c = standby();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static long onStandbyHead() throws SQLException {
    try (Connection c = standby()) {
      return Long.parseLong(queryText(c, "SELECT rev FROM head"));
    }
  }

  private static String queryText(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Waits until {@code check} holds on a connection to the standby (which may refuse at first). */
  private static void awaitOnStandby(String what, Check check) {
    ServiceProcess.awaitCondition(
        what,
        REPLAY,
        Duration.ofMillis(200),
        () -> {
          try (Connection c = standby()) {
            return check.holds(c);
          } catch (SQLException e) {
            return false;
          }
        });
  }
}
