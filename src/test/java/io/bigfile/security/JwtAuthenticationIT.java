package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.bigfile.security.audit.CapturedAudit;
import io.bigfile.support.ServiceClient;
import io.bigfile.support.TestDatabase;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code oauth2} mode against keys published on loopback (a JDK HTTP server serving a JWKS), with
 * RS256 tokens minted here: a good token works; an expired one, one from another issuer, for
 * another audience, signed by another key, without an expiry, or lacking the scope is refused with
 * the problem of a 401 or 403; the clock skew is bounded; the keys are fetched once and cached.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class JwtAuthenticationIT extends ServiceClient {

  private static final String ISSUER = "https://issuer.bigfile.test";
  private static final String AUDIENCE = "bigfile";

  private static final RSAKey KEY = rsa("key-1");

  /** Another key under the same key id: its signatures must not verify. */
  private static final RSAKey IMPOSTOR = rsa("key-1");

  private static final AtomicInteger JWKS_FETCHES = new AtomicInteger();
  private static HttpServer jwks;

  @LocalServerPort int port;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.Coordinates db = TestDatabase.get();
    registry.add("spring.datasource.url", db::url);
    registry.add("spring.datasource.username", db::username);
    registry.add("spring.datasource.password", db::password);
    registry.add("narayana.log-dir", () -> "target/narayana-it-jwt");
    // the generated signed-link key goes with the build's files, not into the checkout's data/
    registry.add("bigfile.security.links.key-file", () -> "target/link-key-it");
    registry.add("bigfile.database.read-connections", () -> "2");
    registry.add("bigfile.database.write-connections", () -> "2");
    registry.add("bigfile.security.mode", () -> "oauth2");
    registry.add("bigfile.security.audiences", () -> "other-name-of-bigfile," + AUDIENCE);
    registry.add("bigfile.security.clock-skew", () -> "60s");
    registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", () -> ISSUER);
    registry.add(
        "spring.security.oauth2.resourceserver.jwt.jwk-set-uri", JwtAuthenticationIT::jwksUri);
  }

  private static synchronized String jwksUri() {
    if (jwks == null) {
      try {
        jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      byte[] body = new JWKSet(KEY.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
      jwks.createContext(
          "/jwks",
          exchange -> {
            JWKS_FETCHES.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          });
      jwks.start();
    }
    return "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks";
  }

  @AfterAll
  static void stopJwks() {
    if (jwks != null) {
      jwks.stop(0);
    }
  }

  @Override
  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  private static RSAKey rsa(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token of {@code sub} alice, for this service, valid for 5 minutes, then changed. */
  private static String mint(RSAKey key, Consumer<JWTClaimsSet.Builder> change) {
    Instant now = Instant.now();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject("alice")
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(300)))
            .claim("scope", "files.read files.write");
    change.accept(claims);
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims.build());
    try {
      jwt.sign(new RSASSASigner(key));
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  private static String mint(Consumer<JWTClaimsSet.Builder> change) {
    return mint(KEY, change);
  }

  private HttpResponse<byte[]> listFiles(String token) {
    ServiceClient c = as(token);
    return c.send(c.request("/v1/files").GET());
  }

  private void refused(String token, String why) {
    HttpResponse<byte[]> r = listFiles(token);
    assertThat(r.statusCode()).as(describe(r)).isEqualTo(401);
    assertThat(header(r, "WWW-Authenticate"))
        .startsWith("Bearer ")
        .contains("error=\"invalid_token\"");
    JsonNode p = json(r);
    assertThat(header(r, "Content-Type")).startsWith("application/problem+json");
    assertThat(text(p, "type")).isEqualTo("https://bigfile.io/problems/unauthenticated");
    assertThat(text(p, "detail")).containsIgnoringCase(why);
  }

  @Test
  void aGoodTokenWorks() {
    ServiceClient alice = as(mint(c -> {}));
    try (CapturedAudit audit = new CapturedAudit()) {
      String id = alice.createFile("{\"name\":\"jwt.bin\"}");
      alice.replace(id, "signed".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(alice.read(id), StandardCharsets.US_ASCII)).isEqualTo("signed");
      // the audit log names the token's subject, authenticated by a JWT
      assertThat(audit.await("writeContent", "bigfile.file", id))
          .containsEntry("user.name", "alice")
          .containsEntry("bigfile.auth", "oauth2");
    }
  }

  @Test
  void anExpiredTokenIsRefused() {
    refused(mint(c -> expiredAgo(c, 300)), "expired");
  }

  /** Issued ten minutes ago, expired {@code seconds} ago. */
  private static void expiredAgo(JWTClaimsSet.Builder c, long seconds) {
    Instant now = Instant.now();
    c.issueTime(Date.from(now.minusSeconds(600)))
        .expirationTime(Date.from(now.minusSeconds(seconds)));
  }

  @Test
  void theClockSkewIsBounded() {
    // expired 20 s ago: within the 60 s of skew allowed for clocks that differ
    assertStatus(listFiles(mint(c -> expiredAgo(c, 20))), 200);
    // 120 s ago: beyond it
    refused(mint(c -> expiredAgo(c, 120)), "expired");
  }

  @Test
  void aTokenWithoutAnExpiryIsRefused() {
    refused(mint(c -> c.expirationTime(null)), "exp");
  }

  @Test
  void aTokenWithoutASubjectIsRefused() {
    refused(mint(c -> c.subject(null)), "sub");
  }

  @Test
  void aTokenOfAnotherIssuerIsRefused() {
    refused(mint(c -> c.issuer("https://elsewhere.test")), "iss");
  }

  @Test
  void aTokenForAnotherAudienceIsRefused() {
    refused(mint(c -> c.audience("another-service")), "aud");
    refused(mint(c -> c.audience((String) null)), "aud");
    // one of several audiences is enough
    assertStatus(listFiles(mint(c -> c.audience(List.of("another-service", AUDIENCE)))), 200);
  }

  @Test
  void aTokenSignedByAnotherKeyIsRefused() {
    refused(mint(IMPOSTOR, c -> {}), "Signed JWT rejected");
    refused(mint(rsa("unknown-key"), c -> {}), "Signed JWT rejected");
  }

  @Test
  void aTokenLackingTheScopeIsForbidden() {
    String readOnly = mint(c -> c.claim("scope", "files.read"));
    assertStatus(listFiles(readOnly), 200);
    ServiceClient reader = as(readOnly);
    HttpResponse<byte[]> r =
        reader.send(
            reader
                .request("/v1/files")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertThat(r.statusCode()).as(describe(r)).isEqualTo(403);
    assertThat(header(r, "WWW-Authenticate")).contains("error=\"insufficient_scope\"");
    JsonNode p = json(r);
    assertThat(text(p, "type")).isEqualTo("https://bigfile.io/problems/forbidden");
    assertThat(text(p, "detail")).contains("files.write");
    // scp as a list works as scope does
    assertStatus(
        listFiles(mint(c -> c.claim("scope", null).claim("scp", List.of("files.read")))), 200);
  }

  @Test
  void transactionsBelongToTheTokensSubject() {
    String txn = as(mint(c -> {})).begin();
    ServiceClient bob = as(mint(c -> c.subject("bob")));
    assertStatus(bob.send(bob.request("/v1/transactions/" + txn).GET()), 404);
    as(mint(c -> {})).abort(txn);
  }

  @Test
  void theKeysAreFetchedOnceAndCached() {
    String token = mint(c -> {});
    assertStatus(listFiles(token), 200);
    int before = JWKS_FETCHES.get();
    for (int i = 0; i < 20; i++) {
      assertStatus(listFiles(mint(c -> c.subject("carol"))), 200);
    }
    assertThat(JWKS_FETCHES.get()).isEqualTo(before);
  }
}
