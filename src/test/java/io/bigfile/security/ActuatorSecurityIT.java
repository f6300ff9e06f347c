package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.SecuredServiceTestBase;
import io.bigfile.support.TestDatabase;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The operations surface on the main port: the probes are open, every other actuator endpoint needs
 * files.admin, and none shows a secret, even to an administrator.
 */
class ActuatorSecurityIT extends SecuredServiceTestBase {

  @Test
  void probesAreOpen() {
    for (String path :
        new String[] {
          "/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness"
        }) {
      HttpResponse<byte[]> r = send(request(path).GET());
      assertThat(r.statusCode()).as(describe(r)).isEqualTo(200);
      assertThat(body(r)).contains("\"status\":\"UP\"").doesNotContain("details");
    }
  }

  @Test
  void prometheusNeedsFilesAdmin() {
    assertStatus(send(request("/actuator/prometheus").GET()), 401);
    assertStatus(
        as(Tokens.NO_ADMIN).send(as(Tokens.NO_ADMIN).request("/actuator/prometheus").GET()), 403);
    HttpResponse<byte[]> r =
        as(Tokens.ADMIN).send(as(Tokens.ADMIN).request("/actuator/prometheus").GET());
    assertStatus(r, 200);
    assertThat(body(r)).contains("bigfile_cache_hit_ratio");
  }

  @Test
  void noSecretIsShownEvenToAnAdministrator() {
    TestDatabase.Coordinates db = TestDatabase.get();
    for (String path : new String[] {"/actuator/env", "/actuator/configprops"}) {
      HttpResponse<byte[]> r = as(Tokens.ADMIN).send(as(Tokens.ADMIN).request(path).GET());
      assertStatus(r, 200);
      String body = body(r);
      for (Tokens t : Tokens.values()) {
        assertThat(body).as(path).doesNotContain(t.token());
      }
      // the signed-link keys
      assertThat(body).as(path).doesNotContain(OLD_LINK_KEY).doesNotContain(NEW_LINK_KEY);
      if (db.password() != null && !db.password().isEmpty()) {
        assertThat(body).as(path).doesNotContain(db.password());
      }
      assertThat(body).as(path).contains("******");
    }
    JsonNode token =
        JSON.readTree(
            as(Tokens.ADMIN)
                .send(
                    as(Tokens.ADMIN)
                        .request("/actuator/env/bigfile.security.tokens%5B0%5D.token")
                        .GET())
                .body());
    assertThat(token.path("property").path("value").asString()).isEqualTo("******");
  }

  @Test
  void theResourceDescribesItselfOpenly() {
    HttpResponse<byte[]> r = send(request("/.well-known/oauth-protected-resource").GET());
    assertStatus(r, 200);
    JsonNode m = JSON.readTree(r.body());
    assertThat(m.path("resource").asString()).isEqualTo(uri("").toString());
    assertThat(m.path("scopes_supported").toString())
        .contains("files.read", "files.write", "files.delete", "files.admin");
    assertThat(m.path("bearer_methods_supported").toString()).contains("header");
  }

  @Test
  void errorBodiesCarryNoStackTrace() {
    HttpResponse<byte[]> r =
        as(Tokens.ADMIN).send(as(Tokens.ADMIN).request("/v1/files/not%20an%20id").GET());
    assertThat(r.statusCode()).isBetween(400, 499);
    assertThat(header(r, "Content-Type")).startsWith("application/problem+json");
    assertThat(body(r)).doesNotContain("trace", "exception", "at io.bigfile", "SQL");
  }
}
