package io.bigfile.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bigfile.support.HttpBigFiles;
import io.bigfile.support.ServiceProcess;
import io.bigfile.support.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The randomized model check ({@link ModelCheck}) driven over HTTP through three service processes
 * on one database: interleaved transactions and autocommit writes spread over the replicas, every
 * read compared with the model, every commit's success or conflict decided by it. Whatever replica
 * serves a request, the answer must be the one a single engine would give.
 */
class ReplicasModelIT {

  /**
   * Where each call goes. A transaction lives in the replica that began it, so its requests go
   * there; autocommit requests and reads at a revision go to each replica in turn.
   */
  private static final HttpBigFiles.Routing ROUTING = HttpBigFiles.Routing.transactionsToOwner();

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

  @ParameterizedTest
  @ValueSource(longs = {31, 32, 33})
  void randomOperationsOverReplicasMatchTheModel(long seed) {
    ModelCheck check = new ModelCheck(new HttpBigFiles(services, ROUTING), seed);
    check.run(OPS);
    assertTrue(check.commits > 5, "commits: " + check.commits);
    assertTrue(check.conflicts > 0, "conflicts: " + check.conflicts);
    assertTrue(check.reads > OPS / 10, "reads: " + check.reads);
  }
}
