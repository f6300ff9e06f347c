package io.bigfile.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bigfile.support.HttpBigFiles;
import io.bigfile.support.ServiceProcess;
import io.bigfile.support.TestDatabase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The randomized model check ({@link ModelCheck}) driven over HTTP through three service processes
 * on one database, its requests sent to the replicas round-robin (a transaction's too, which the
 * replicas forward to the one that began it): interleaved transactions and autocommit writes, every
 * read compared with the model, every commit's success or conflict decided by it. Whatever replica
 * serves a request, the answer must be the one a single engine would give.
 *
 * <p>The check sends its requests one after the other, so a request often reaches another replica
 * than the one whose commit answered just before. A replica learns of other replicas' commits from
 * the notification PostgreSQL sends as each commit becomes visible, and a request that arrives
 * first meets the older head: a read misses the commit, and an autocommit write takes a snapshot
 * before it and conflicts with it (409; autocommit writes and begins now take the database's head,
 * see {@code SeveralReplicasIT}). On a busy 2-core machine that happened within seconds in every
 * seed. The client therefore brings each replica up to the newest revision it has been answered
 * before sending it a request ({@link #READ_YOUR_COMMITS}), as the README tells clients to do with
 * {@code at=}. Autocommit requests are recorded at the revision they answer ({@link
 * io.bigfile.file.FileInfo#asOf()}), not at a head asked for afterwards.
 */
class ReplicasModelIT {

  /**
   * Where each call goes: every request to the next replica in turn, whichever began its
   * transaction; a replica forwards a request of another replica's transaction to it.
   */
  private static final HttpBigFiles.Routing ROUTING = HttpBigFiles.Routing.roundRobin();

  /**
   * Whether each replica is brought up to the newest revision the client has seen before a request
   * (see the class comment); false shows what a client that does not do so meets.
   */
  private static final boolean READ_YOUR_COMMITS = true;

  private static final int REPLICAS = 3;
  private static final int OPS = 500;

  private static final List<ServiceProcess> services = new ArrayList<>();

  @BeforeAll
  static void start() {
    TestDatabase.Coordinates db = TestDatabase.get();
    for (int i = 1; i <= REPLICAS; i++) {
      services.add(
          new ServiceProcess(
                  "replica" + i,
                  List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                  List.of(
                      // three services on a database that CI gives 100 connections
                      "--bigfile.database.read-connections=3",
                      "--bigfile.database.write-connections=3",
                      // Narayana: one node identifier per replica
                      "--narayana.node-identifier=" + i))
              .withDatabase(db));
    }
    // the services start in parallel: most of a start is waiting for the JVM and Spring
    CompletableFuture.allOf(
            services.stream()
                .map(s -> CompletableFuture.runAsync(s::start))
                .toArray(CompletableFuture[]::new))
        .join();
  }

  @AfterAll
  static void stop() {
    services.forEach(ServiceProcess::close);
    services.clear();
  }

  /** The seeds: 31, 32 and 33, or those of {@code -Dbigfile.replicas-model.seeds=1,2,3}. */
  static LongStream seeds() {
    return Arrays.stream(System.getProperty("bigfile.replicas-model.seeds", "31,32,33").split(","))
        .mapToLong(x -> Long.parseLong(x.strip()));
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void randomOperationsOverReplicasMatchTheModel(long seed) {
    ModelCheck check = new ModelCheck(new HttpBigFiles(services, ROUTING, READ_YOUR_COMMITS), seed);
    check.run(OPS);
    assertTrue(check.commits > 5, "commits: " + check.commits);
    assertTrue(check.conflicts > 0, "conflicts: " + check.conflicts);
    assertTrue(check.reads > OPS / 10, "reads: " + check.reads);
  }
}
