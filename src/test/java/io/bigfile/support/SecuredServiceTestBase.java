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
 * The whole service on a random port, as {@link ServiceTestBase}, but in {@code token} mode with
 * one configured token per kind of principal ({@link Tokens}), two signed-link keys ({@code old}
 * signs new links, {@code new} is configured too, as during a rotation), CORS on for {@link
 * #ORIGIN}, and the actuator's {@code env} and {@code configprops} endpoints exposed (to show they
 * mask secrets). All subclasses share one application context. Requests carry no token unless a
 * test says which ({@link #as}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class SecuredServiceTestBase extends ServiceClient {

  /** The origin allowed by CORS. */
  public static final String ORIGIN = "https://app.example.test";

  /** 32 bytes, base64: the signed-link key {@code old}, which signs new links. */
  public static final String OLD_LINK_KEY = "b2xkLWtleS1vZi10aGUtc2lnbmVkLWxpbmtzLXRlc3Q=";

  /** 32 bytes, base64: the signed-link key {@code new}, which replaces it in a rotation. */
  public static final String NEW_LINK_KEY = "bmV3LWtleS1vZi10aGUtc2lnbmVkLWxpbmtzLXRlc3Q=";

  /** The configured tokens: each is 48 characters, named after what it may do. */
  public enum Tokens {
    READER("files.read"),
    WRITER("files.write"),
    DELETER("files.delete"),
    ADMIN("files.admin"),
    /** Every scope but read. */
    NO_READ("files.write,files.delete"),
    /** Every scope but write. */
    NO_WRITE("files.read,files.delete"),
    /** Every scope but delete. */
    NO_DELETE("files.read,files.write"),
    /** Every scope but admin. */
    NO_ADMIN("files.read,files.write,files.delete"),
    /** Another principal with every scope but admin: for transactions that are not its own. */
    OTHER("files.read,files.write,files.delete");

    private final String scopes;

    Tokens(String scopes) {
      this.scopes = scopes;
    }

    /** The token's subject: the principal's name, e.g. {@code no-read}. */
    public String subject() {
      return name().toLowerCase().replace('_', '-');
    }

    /** The secret. */
    public String token() {
      String base = "test-token-" + subject() + "-";
      return base + "0123456789abcdef0123456789abcdef0123456789".substring(0, 48 - base.length());
    }

    public String scopes() {
      return scopes;
    }
  }

  @LocalServerPort protected int port;

  /** Transactions begun by the running test, with the token that began each. */
  private final List<String[]> begun = new ArrayList<>();

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    TestDatabase.Coordinates db = TestDatabase.get();
    registry.add("spring.datasource.url", db::url);
    registry.add("spring.datasource.username", db::username);
    registry.add("spring.datasource.password", db::password);
    registry.add("narayana.log-dir", () -> "target/narayana-it-secured");
    registry.add("bigfile.transactions.max-dirty-per-transaction", () -> "8MB");
    registry.add("bigfile.transactions.max-dirty-total", () -> "64MB");
    registry.add("bigfile.files.max-size", () -> "1GB");
    registry.add("bigfile.database.read-connections", () -> "4");
    registry.add("bigfile.database.write-connections", () -> "4");
    registry.add("bigfile.security.mode", () -> "token");
    // a test context closing is no rolling update: what it left open is aborted at once
    registry.add("bigfile.replicas.drain-period", () -> "0s");
    registry.add("bigfile.replicas.advertised-address", () -> "127.0.0.1");
    Tokens[] all = Tokens.values();
    for (int i = 0; i < all.length; i++) {
      Tokens t = all[i];
      String prefix = "bigfile.security.tokens[" + i + "].";
      registry.add(prefix + "subject", t::subject);
      registry.add(prefix + "token", t::token);
      registry.add(prefix + "scopes", t::scopes);
    }
    registry.add("bigfile.security.links.keys.old", () -> OLD_LINK_KEY);
    registry.add("bigfile.security.links.keys.new", () -> NEW_LINK_KEY);
    registry.add("bigfile.security.links.signing-key", () -> "old");
    registry.add("bigfile.security.cors.allowed-origins", () -> ORIGIN);
    registry.add("bigfile.security.cors.max-age", () -> "10m");
    registry.add(
        "management.endpoints.web.exposure.include",
        () -> "health,info,prometheus,env,configprops");
  }

  @Override
  public URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }

  /** This service, called with the token. */
  public ServiceClient as(Tokens token) {
    return as(token.token());
  }

  /** Begins a transaction with the token, aborted after the test if still open. */
  public String begin(Tokens token) {
    String id = as(token).begin();
    begun.add(new String[] {id, token.token()});
    return id;
  }

  /**
   * A failed test must not leave a transaction open: its snapshot pin would hold back history
   * packing for the rest of the test JVM.
   */
  @AfterEach
  protected void abortLeftoverTransactions() {
    for (String[] t : begun) {
      // 409 when already finished
      ServiceClient owner = as(t[1]);
      owner.send(
          owner
              .request("/v1/transactions/" + t[0] + "/abort")
              .POST(HttpRequest.BodyPublishers.noBody()));
    }
    begun.clear();
  }
}
