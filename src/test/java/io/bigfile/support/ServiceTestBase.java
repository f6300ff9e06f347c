package io.bigfile.support;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Runs the whole service on a random port against the test JVM's PostgreSQL, and talks to it over
 * real HTTP. All subclasses share one application context. Access control is off ({@code
 * bigfile.security.mode=none}): these tests are about other things; {@link SecuredServiceTestBase}
 * runs the service with tokens.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ServiceTestBase extends ServiceClient {

  @LocalServerPort protected int port;

  /** Transactions begun by the running test; whatever is still open is aborted after it. */
  private final List<String> begun = new ArrayList<>();

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    TestDatabase.Coordinates db = TestDatabase.get();
    registry.add("spring.datasource.url", db::url);
    registry.add("spring.datasource.username", db::username);
    registry.add("spring.datasource.password", db::password);
    registry.add("narayana.log-dir", () -> "target/narayana-it");
    registry.add("bigfile.transactions.max-dirty-per-transaction", () -> "8MB");
    registry.add("bigfile.transactions.max-dirty-total", () -> "64MB");
    registry.add("bigfile.files.max-size", () -> "1GB");
    // the generated signed-link key goes with the build's files, not into the checkout's data/
    registry.add("bigfile.security.links.key-file", () -> "target/link-key-it");
    // the local server is shared by every test JVM and service of a build (max_connections=100)
    registry.add("bigfile.database.read-connections", () -> "4");
    registry.add("bigfile.database.write-connections", () -> "4");
    registry.add("bigfile.security.mode", () -> "none");
    // a test context closing is no rolling update: what it left open is aborted at once
    registry.add("bigfile.replicas.drain-period", () -> "0s");
    registry.add("bigfile.replicas.advertised-address", () -> "127.0.0.1");
  }

  @Override
  public URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }

  @Override
  public String begin() {
    String id = super.begin();
    begun.add(id);
    return id;
  }

  /**
   * A failed test must not leave a transaction open: its snapshot pin would hold back history
   * packing for the rest of the test JVM.
   */
  @AfterEach
  protected void abortLeftoverTransactions() {
    for (String t : begun) {
      // 409 when already finished
      send(request("/v1/transactions/" + t + "/abort").POST(HttpRequest.BodyPublishers.noBody()));
    }
    begun.clear();
  }
}
