package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceClient;
import io.bigfile.support.TestDatabase;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.security.oauth2.server.authorization.autoconfigure.servlet.OAuth2AuthorizationServerAutoConfiguration;
import org.springframework.boot.security.oauth2.server.authorization.autoconfigure.servlet.OAuth2AuthorizationServerJwtAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * End to end with a real OAuth2 authorization server: Spring Authorization Server runs in this JVM
 * (its own minimal application context on a loopback port) with two clients; each obtains a token
 * by the client-credentials grant, and the service, which knows only the issuer's URL (it finds the
 * keys by discovery), accepts it with the scopes it carries.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AuthorizationServerIT extends ServiceClient {

  private static final String AUDIENCE = "bigfile";
  private static final HttpClient TOKEN_CLIENT = HttpClient.newHttpClient();
  private static ConfigurableApplicationContext authorizationServer;

  @LocalServerPort int port;

  /**
   * The authorization server: Spring Boot's auto-configuration of Spring Authorization Server
   * (clients from properties, a generated RSA key, discovery and token endpoints), with tokens
   * addressed to this service ({@code aud}), as a deployment configures its resource's audience.
   * Not a {@code @Configuration}: the test's own context, found by {@code @SpringBootTest} among
   * nested configurations, is the service's; this class is only the other application's source.
   */
  @ImportAutoConfiguration({
    TomcatServletWebServerAutoConfiguration.class,
    DispatcherServletAutoConfiguration.class,
    WebMvcAutoConfiguration.class,
    HttpMessageConvertersAutoConfiguration.class,
    JacksonAutoConfiguration.class,
    SecurityAutoConfiguration.class,
    ServletWebSecurityAutoConfiguration.class,
    SecurityFilterAutoConfiguration.class,
    OAuth2AuthorizationServerAutoConfiguration.class,
    OAuth2AuthorizationServerJwtAutoConfiguration.class
  })
  static class AuthorizationServer {

    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> audience() {
      return context -> context.getClaims().audience(List.of(AUDIENCE));
    }
  }

  private static synchronized String issuer() {
    if (authorizationServer == null) {
      String client = "spring.security.oauth2.authorizationserver.client.";
      SpringApplicationBuilder app =
          new SpringApplicationBuilder(AuthorizationServer.class)
              .properties(
                  // not the service's application.yaml
                  "spring.config.name=authorization-server",
                  "spring.main.banner-mode=off",
                  "server.address=127.0.0.1",
                  "server.port=0",
                  client + "backup.registration.client-id=backup",
                  client + "backup.registration.client-secret={noop}backup-secret",
                  client + "backup.registration.client-authentication-methods=client_secret_basic",
                  client + "backup.registration.authorization-grant-types=client_credentials",
                  client + "backup.registration.scopes=files.read,files.write",
                  client + "viewer.registration.client-id=viewer",
                  client + "viewer.registration.client-secret={noop}viewer-secret",
                  client + "viewer.registration.client-authentication-methods=client_secret_basic",
                  client + "viewer.registration.authorization-grant-types=client_credentials",
                  client + "viewer.registration.scopes=files.read");
      // on a thread of its own: Spring's test framework hooks the applications run on the thread
      // that loads the test's context, and this one is not that context
      authorizationServer = CompletableFuture.supplyAsync(() -> app.run()).join();
    }
    int port = ((WebServerApplicationContext) authorizationServer).getWebServer().getPort();
    return "http://127.0.0.1:" + port;
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.Coordinates db = TestDatabase.get();
    registry.add("spring.datasource.url", db::url);
    registry.add("spring.datasource.username", db::username);
    registry.add("spring.datasource.password", db::password);
    registry.add("narayana.log-dir", () -> "target/narayana-it-authorization-server");
    // the generated signed-link key goes with the build's files, not into the checkout's data/
    registry.add("bigfile.security.links.key-file", () -> "target/link-key-it");
    registry.add("bigfile.database.read-connections", () -> "2");
    registry.add("bigfile.database.write-connections", () -> "2");
    registry.add("bigfile.security.mode", () -> "oauth2");
    registry.add("bigfile.security.audiences", () -> AUDIENCE);
    registry.add(
        "spring.security.oauth2.resourceserver.jwt.issuer-uri", AuthorizationServerIT::issuer);
  }

  @AfterAll
  static void stopAuthorizationServer() {
    if (authorizationServer != null) {
      authorizationServer.close();
    }
  }

  @Override
  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  /** An access token for the client, by the client-credentials grant (RFC 6749 section 4.4). */
  private static String token(String clientId, String secret, String scope) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(issuer() + "/oauth2/token"))
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "grant_type=client_credentials&scope="
                        + URLEncoder.encode(scope, StandardCharsets.UTF_8)))
            .build();
    HttpResponse<String> r = TOKEN_CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("token_type").asString()).isEqualTo("Bearer");
    return answer.path("access_token").asString();
  }

  @Test
  void aClientCredentialsTokenOfTheIssuerWorksWithItsScopes() throws Exception {
    ServiceClient backup = as(token("backup", "backup-secret", "files.read files.write"));
    String id = backup.createFile("{\"name\":\"from-the-authorization-server.bin\"}");
    String txn = backup.begin();
    backup.writeAt(id, 0, "issued".getBytes(StandardCharsets.US_ASCII), "?txn=" + txn);
    backup.commit(txn);
    assertThat(new String(backup.read(id), StandardCharsets.US_ASCII)).isEqualTo("issued");

    // the viewer may read, not write; its token's subject (its client id) is not backup's
    ServiceClient viewer = as(token("viewer", "viewer-secret", "files.read"));
    assertThat(new String(viewer.read(id), StandardCharsets.US_ASCII)).isEqualTo("issued");
    HttpResponse<byte[]> write =
        viewer.send(viewer.request(contentPath(id)).PUT(HttpRequest.BodyPublishers.ofString("x")));
    assertThat(write.statusCode()).as(describe(write)).isEqualTo(403);
    String other = backup.begin();
    assertStatus(viewer.send(viewer.request("/v1/transactions/" + other).GET()), 403);
    backup.abort(other);

    // a token of the same server meant for nobody in particular is refused
    HttpResponse<byte[]> noToken = send(request("/v1/files").GET());
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(header(noToken, "WWW-Authenticate")).startsWith("Bearer");
  }

  @Test
  void theResourceMetadataNamesTheAuthorizationServer() throws Exception {
    HttpResponse<byte[]> r = send(request("/.well-known/oauth-protected-resource").GET());
    assertStatus(r, 200);
    assertThat(JSON.readTree(r.body()).path("authorization_servers").toString()).contains(issuer());
  }
}
