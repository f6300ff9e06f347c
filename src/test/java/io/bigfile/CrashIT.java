package io.bigfile;

import static io.bigfile.support.ServiceClient.body;
import static io.bigfile.support.ServiceClient.number;
import static io.bigfile.support.ServiceClient.numbers;
import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.PatternData;
import io.bigfile.support.ServiceProcess;
import io.bigfile.support.TestDatabase;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * DESIGN invariant 2 across a process crash: the service is SIGKILLed while it commits a
 * transaction that rewrites a whole 32 MiB file (and grows it), then restarted on the same
 * database. A reader must then see the file entirely as it was before (old bytes, old size, no new
 * revision) or entirely as committed (new bytes, new size, one new revision), never a mix; a commit
 * whose 200 reached the client must have survived; and the previous revision must still be readable
 * with {@code at=}.
 *
 * <p>The kill moment varies by round: while the commit's block rows stream in (seen in {@code
 * pg_stat_activity}); with every block row written, frozen waiting for the head row that the test
 * holds locked; with the revision taken, the rows stamped with it and the revision row written,
 * frozen waiting for a table lock the test holds; and at two fractions of the time an uninterrupted
 * commit took. At least one round must have killed the service before the commit's response
 * arrived, or the test proved nothing. Before each restart the test waits until PostgreSQL has
 * ended every session of the killed process, so nothing it began can still land after the check.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CrashIT {

  private static final int BLOCK = 64 * 1024;
  private static final int OLD_SIZE = 32 * 1024 * 1024;

  /** Larger than the old size and not block-aligned, so size and tail block tell old from new. */
  private static final int NEW_SIZE = OLD_SIZE + 2 * BLOCK + 1000;

  private static final int PIECES = 4;

  private ServiceProcess service;
  private Connection db;

  @BeforeEach
  void start() throws SQLException {
    service =
        new ServiceProcess(
            "crash",
            // Restarted once per round: C1 only and the serial collector start faster on 2 cores,
            // and the commit's speed does not matter here.
            List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
            List.of());
    service.start();
    TestDatabase.Coordinates c = TestDatabase.get();
    db = DriverManager.getConnection(c.url(), c.username(), c.password());
  }

  @AfterEach
  void cleanUp() throws SQLException {
    try {
      service.close();
    } finally {
      if (db != null) {
        db.close();
      }
    }
  }

  /**
   * When to kill the service, counted from sending the commit:
   *
   * <ul>
   *   <li>{@code running}: as soon as one of its database sessions is seen running a statement that
   *       starts so;
   *   <li>{@code lock}: the test first runs this SQL in a transaction of its own, holding a lock
   *       the commit needs, and kills the service once a session of it waits for a lock in a
   *       statement starting with {@code running}: the commit is frozen at a known step whatever
   *       the machine's speed;
   *   <li>{@code delay}: at that time, whether the commit has answered or not;
   *   <li>none: no kill; watch until the commit answers.
   * </ul>
   *
   * A running or lock point that the commit gets past without being seen kills after its answer.
   */
  private record KillPoint(String running, String lock, Duration delay) {
    static KillPoint whenRunning(String sql) {
      return new KillPoint(sql, null, null);
    }

    /** The lock the test holds, and the statement of the commit that must wait for it. */
    static KillPoint whenBlockedBy(String lockSql, String blockedSql) {
      return new KillPoint(blockedSql, lockSql, null);
    }

    static KillPoint after(Duration delay) {
      return new KillPoint(null, null, delay);
    }

    static KillPoint never() {
      return new KillPoint(null, null, null);
    }

    String describe() {
      if (lock != null) {
        return "kill once '" + running + "' waits for the test's lock (" + lock + ")";
      }
      if (running != null) {
        return "kill on seeing '" + running + "'";
      }
      if (delay != null) {
        return "kill " + delay.toMillis() + " ms after sending the commit";
      }
      return "no kill";
    }
  }

  /** What the test saw of one commit until the kill (or the answer). */
  private record Watch(String trigger, Map<String, Long> statementsSeenAtMs, long killAtMs) {
    @Override
    public String toString() {
      return trigger + "; statements seen (ms after sending the commit): " + statementsSeenAtMs;
    }
  }

  @Test
  void aCrashDuringCommitLeavesTheFileAllOldOrAllNew() {
    List<String> report = new ArrayList<>();
    // A commit that is not interrupted: checks the checker, and measures how long a commit takes.
    Round control = prepare(0);
    long t0 = System.nanoTime();
    CompletableFuture<HttpResponse<byte[]>> controlCommit = sendCommit(control.txn);
    Watch controlWatch = watch(KillPoint.never(), controlCommit, t0);
    HttpResponse<byte[]> ok = outcome(controlCommit);
    Duration commitTime = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(ok).as("the uninterrupted commit answered").isNotNull();
    assertThat(ok.statusCode()).as(body(ok)).isEqualTo(200);
    long controlRev = number(ok, "revision");
    verify(control, true, controlRev);
    report.add("uninterrupted commit took " + commitTime.toMillis() + " ms; " + controlWatch);

    List<KillPoint> kills =
        List.of(
            // while the block rows stream in
            KillPoint.whenRunning("INSERT INTO block_version"),
            // every block row written, waiting for the head row (the revision number)
            KillPoint.whenBlockedBy("SELECT rev FROM head FOR UPDATE", "UPDATE head"),
            // revision taken, rows stamped with it; the catalogue's revision row and file versions
            // next
            KillPoint.whenBlockedBy("LOCK TABLE revision IN SHARE MODE", "insert into revision"),
            // a spread in time, whatever step that is on this machine
            KillPoint.after(commitTime.dividedBy(2)),
            KillPoint.after(commitTime.multipliedBy(9).dividedBy(10)));
    int unacknowledged = 0;
    for (int i = 0; i < kills.size(); i++) {
      Round r = prepare(i + 1);
      KillPoint kp = kills.get(i);
      Watch w;
      HttpResponse<byte[]> answer;
      Connection locker = lock(kp.lock());
      try {
        long sent = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> commit = sendCommit(r.txn);
        w = watch(kp, commit, sent);
        service.kill();
        answer = outcome(commit);
      } finally {
        // after the kill: the frozen commit's session may go on only once its client is gone
        release(locker);
      }
      boolean acknowledged = answer != null && answer.statusCode() == 200;
      if (answer != null && !acknowledged) {
        throw new AssertionError(
            "the commit failed before the kill: " + answer.statusCode() + " " + body(answer));
      }
      if (!acknowledged) {
        unacknowledged++;
      }
      awaitNoBackendsLeft();
      service.start();
      String state = verify(r, acknowledged, acknowledged ? number(answer, "revision") : -1);
      report.add(
          "round "
              + (i + 1)
              + " ("
              + kp.describe()
              + "): SIGKILL "
              + w.killAtMs
              + " ms after sending the commit, "
              + (acknowledged ? "after" : "before")
              + " its response; after restart the file is all "
              + state
              + "; "
              + w);
    }
    System.out.println("CrashIT:\n  " + String.join("\n  ", report));
    // The file committed before all those crashes is intact.
    verify(control, true, controlRev);
    assertThat(unacknowledged)
        .as("rounds killed before the commit answered (else nothing was tested)\n%s", report)
        .isGreaterThanOrEqualTo(1);
  }

  // ---------------------------------------------------------------- one round

  /** A file with old content committed and a transaction holding its new content. */
  private record Round(
      String file,
      long oldSeed,
      long newSeed,
      long oldRev,
      List<Long> revisionsBefore,
      String txn) {}

  private Round prepare(int round) {
    long oldSeed = 1000 + 2L * round;
    long newSeed = oldSeed + 1;
    String file =
        service.createFile("{\"name\":\"crash-" + round + "\",\"blockSize\":" + BLOCK + "}");

    JsonNode old = service.replace(file, PatternData.bytes(oldSeed, 0, OLD_SIZE));
    assertThat(old.path("size").asLong()).isEqualTo(OLD_SIZE);
    long oldRev = old.path("revision").asLong();
    List<Long> revisionsBefore = revisions(file);
    assertThat(revisionsBefore).first().isEqualTo(oldRev);

    String txn = service.begin();
    int piece = NEW_SIZE / PIECES + 1;
    for (int off = 0; off < NEW_SIZE; off += piece) {
      int len = Math.min(piece, NEW_SIZE - off);
      service.writeAt(file, off, PatternData.bytes(newSeed, off, len), "?txn=" + txn);
    }
    HttpResponse<byte[]> inTxn =
        service.send(service.request("/v1/files/" + file + "?txn=" + txn).GET());
    assertThat(number(inTxn, "size")).isEqualTo(NEW_SIZE);
    return new Round(file, oldSeed, newSeed, oldRev, revisionsBefore, txn);
  }

  private HttpRequest.Builder commitRequest(String txn) {
    return service
        .request("/v1/transactions/" + txn + "/commit")
        .POST(HttpRequest.BodyPublishers.noBody());
  }

  /** The commit's response, or null if the connection died without one. */
  private static HttpResponse<byte[]> outcome(CompletableFuture<HttpResponse<byte[]>> commit) {
    try {
      return commit.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return null;
    } catch (TimeoutException e) {
      throw new AssertionError("the commit request neither answered nor failed after the kill");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads the file after the crash and checks it is all old or all new, with a consistent size and
   * revision list, and that the old revision is still readable. Returns "old" or "new".
   */
  private String verify(Round r, boolean acknowledged, long acknowledgedRev) {
    HttpResponse<byte[]> info = service.send(service.request("/v1/files/" + r.file).GET());
    assertThat(info.statusCode()).as(body(info)).isEqualTo(200);
    long size = number(info, "size");
    long fileRev = number(info, "revision");
    HttpResponse<byte[]> content =
        service.send(service.request("/v1/files/" + r.file + "/content").GET());
    assertThat(content.statusCode()).isEqualTo(200);
    byte[] bytes = content.body();
    List<Long> revisions = revisions(r.file);

    String seenAs = classify(bytes, r);
    String state;
    if (size == OLD_SIZE) {
      state = "old";
    } else if (size == NEW_SIZE) {
      state = "new";
    } else {
      throw new AssertionError(
          "size "
              + size
              + " is neither the old "
              + OLD_SIZE
              + " nor the new "
              + NEW_SIZE
              + "; content: "
              + seenAs);
    }
    assertThat(seenAs)
        .as("content of file %s whose size is the %s one", r.file, state)
        .isEqualTo(state);
    assertThat(content.headers().firstValue("ETag"))
        .as("the content's ETag names the same version as the file's")
        .isEqualTo(info.headers().firstValue("ETag"))
        .isPresent();
    assertThat(Long.parseLong(content.headers().firstValue("BigFile-Revision").orElseThrow()))
        .as("the revision the read reflects")
        .isGreaterThanOrEqualTo(fileRev);
    if (state.equals("old")) {
      assertThat(acknowledged).as("a commit that answered 200 was lost").isFalse();
      assertThat(revisions)
          .as("revisions of a file the commit did not change")
          .isEqualTo(r.revisionsBefore);
      assertThat(fileRev).isEqualTo(r.oldRev);
    } else {
      assertThat(revisions).as("revisions after the commit").hasSize(r.revisionsBefore.size() + 1);
      assertThat(revisions.subList(1, revisions.size())).isEqualTo(r.revisionsBefore);
      assertThat(revisions.get(0)).isGreaterThan(r.oldRev);
      assertThat(fileRev).isEqualTo(revisions.get(0));
      if (acknowledged) {
        assertThat(fileRev).as("the revision the commit answered").isEqualTo(acknowledgedRev);
      }
    }
    // The old revision is committed data too: still readable, all old.
    byte[] past = service.read(r.file, "?at=" + r.oldRev);
    assertThat(past).hasSize(OLD_SIZE);
    assertThat(classify(past, r)).as("content at the old revision %s", r.oldRev).isEqualTo("old");
    return state;
  }

  /**
   * "old" or "new" if every block of {@code bytes} is that pattern's (and the length fits), else a
   * description of which blocks are old, new or neither.
   */
  private static String classify(byte[] bytes, Round r) {
    List<Integer> old = new ArrayList<>();
    List<Integer> neu = new ArrayList<>();
    List<Integer> neither = new ArrayList<>();
    int blocks = (bytes.length + BLOCK - 1) / BLOCK;
    byte[] expected = new byte[BLOCK];
    for (int b = 0; b < blocks; b++) {
      int from = b * BLOCK;
      int to = Math.min(bytes.length, from + BLOCK);
      boolean isOld = to <= OLD_SIZE && matches(bytes, from, to, r.oldSeed, expected);
      boolean isNew = to <= NEW_SIZE && matches(bytes, from, to, r.newSeed, expected);
      (isOld ? old : isNew ? neu : neither).add(b);
    }
    if (neither.isEmpty() && neu.isEmpty() && bytes.length == OLD_SIZE) {
      return "old";
    }
    if (neither.isEmpty() && old.isEmpty() && bytes.length == NEW_SIZE) {
      return "new";
    }
    return "torn: "
        + bytes.length
        + " bytes; old blocks "
        + ranges(old)
        + ", new blocks "
        + ranges(neu)
        + ", blocks neither old nor new "
        + ranges(neither);
  }

  private static boolean matches(byte[] bytes, int from, int to, long seed, byte[] scratch) {
    PatternData.fill(seed, from, scratch, 0, to - from);
    return Arrays.equals(bytes, from, to, scratch, 0, to - from);
  }

  /** Block numbers as compact ranges: [0-5, 9, 12-40]. */
  private static String ranges(List<Integer> blocks) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < blocks.size(); ) {
      int j = i;
      while (j + 1 < blocks.size() && blocks.get(j + 1) == blocks.get(j) + 1) {
        j++;
      }
      sb.append(sb.length() > 1 ? ", " : "").append(blocks.get(i));
      if (j > i) {
        sb.append('-').append(blocks.get(j));
      }
      i = j + 1;
    }
    return sb.append(']').toString();
  }

  private List<Long> revisions(String file) {
    HttpResponse<byte[]> r =
        service.send(service.request("/v1/files/" + file + "/revisions").GET());
    assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
    return numbers(r, "revision");
  }

  // ---------------------------------------------------------------- kill points

  private CompletableFuture<HttpResponse<byte[]>> sendCommit(String txn) {
    return service
        .http()
        .sendAsync(commitRequest(txn).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * Watches the service's database sessions until the kill point, noting when each statement was
   * first seen running. Between looks it parks for at most 2 ms ({@link LockSupport#parkNanos} in
   * this bounded loop): the moment to catch is in another process, so there is nothing to block on,
   * and looking without a pause would starve the service of CPU.
   */
  private Watch watch(KillPoint kp, CompletableFuture<?> commit, long sent) {
    Map<String, Long> seen = new LinkedHashMap<>();
    long deadline = sent + (kp.delay() != null ? kp.delay() : Duration.ofSeconds(60)).toNanos();
    while (true) {
      long nowMs = ms(sent);
      boolean blocked = false;
      for (String[] q : activeStatements()) {
        seen.putIfAbsent(q[0], nowMs);
        blocked |= q[1] != null && kp.running() != null && q[0].startsWith(kp.running());
      }
      if (kp.lock() != null && blocked) {
        return new Watch("seen waiting for the lock", seen, ms(sent));
      }
      if (kp.lock() == null
          && kp.running() != null
          && seen.keySet().stream().anyMatch(q -> q.startsWith(kp.running()))) {
        return new Watch("seen running", seen, ms(sent));
      }
      if (kp.delay() == null && commit.isDone()) {
        return new Watch(
            kp.running() == null && kp.lock() == null
                ? "not killed"
                : "the commit answered before the kill point was seen",
            seen,
            ms(sent));
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        if (kp.delay() == null) {
          throw new AssertionError("the commit did not answer within a minute; saw " + seen);
        }
        return new Watch("planned time reached", seen, ms(sent));
      }
      LockSupport.parkNanos(Math.min(left, 2_000_000));
    }
  }

  /**
   * A connection holding the lock that {@code lockSql} takes, in an open transaction (closing it
   * rolls back and releases the lock), or null for no lock.
   */
  private static Connection lock(String lockSql) {
    if (lockSql == null) {
      return null;
    }
    TestDatabase.Coordinates c = TestDatabase.get();
    try {
      Connection locker = DriverManager.getConnection(c.url(), c.username(), c.password());
      locker.setAutoCommit(false);
      try (Statement st = locker.createStatement()) {
        st.execute(lockSql);
      }
      return locker;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void release(Connection locker) {
    if (locker == null) {
      return;
    }
    try (locker) {
      locker.rollback();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long ms(long sent) {
    return (System.nanoTime() - sent) / 1_000_000;
  }

  /**
   * The beginnings of the statements the service's sessions run (or last ran, in an open
   * transaction), each with the lock it waits for, if any.
   */
  private List<String[]> activeStatements() {
    try (PreparedStatement ps =
        db.prepareStatement(
            "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 32),"
                + " CASE WHEN wait_event_type = 'Lock' THEN wait_event END"
                + " FROM pg_stat_activity WHERE application_name = ? AND state <> 'idle'")) {
      ps.setString(1, service.applicationName());
      List<String[]> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new String[] {rs.getString(1).strip(), rs.getString(2)});
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until PostgreSQL has ended every session of the killed service, so that nothing it
   * started can still commit after the check.
   */
  private void awaitNoBackendsLeft() {
    ServiceProcess.awaitCondition(
        "the killed service's database sessions to end",
        Duration.ofSeconds(60),
        Duration.ofMillis(20),
        () -> {
          try (PreparedStatement ps =
              db.prepareStatement(
                  "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            ps.setString(1, service.applicationName());
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getLong(1) == 0;
            }
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
  }
}
