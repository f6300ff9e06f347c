package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.support.ServiceClient;
import io.bigfile.support.ServiceProcess;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code token} mode as a user meets it, the service run as a child process: secure without a
 * set-up step (a generated token, owner-only, kept across restarts, its path and a curl line in the
 * log), configured tokens instead, and {@code none} only with a warning.
 */
@Timeout(600)
class TokenModeIT {

  private static final String CONFIGURED = "backup-token-0123456789abcdef0123456789abcdef";

  /** What the service logged: its output without the command line that started it. */
  private static String logged(ServiceProcess service) {
    return String.join(
        "\n",
        service
            .output()
            .lines()
            .filter(l -> !l.startsWith(System.getProperty("java.home")))
            .toList());
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void theFirstStartGeneratesAnOwnerOnlyTokenThatLaterStartsReuse() throws Exception {
    try (ServiceProcess service =
        new ServiceProcess("token-file", List.of(), List.of()).withDefaultSecurity()) {
      service.start();
      Path file = service.tokenFile();
      assertThat(file).exists();
      assertThat(Files.getPosixFilePermissions(file))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
      // 256 random bits in base64url
      assertThat(token).hasSize(43).matches("[A-Za-z0-9_-]+");
      assertThat(service.output())
          .contains("generated a bearer token with every scope for the subject 'local' in " + file)
          .contains(
              "curl -H \"Authorization: Bearer $(cat "
                  + file
                  + ")\" http://localhost:"
                  + service.port()
                  + "/v1/files")
          .doesNotContain(token);

      assertThat(service.send(service.request("/v1/files").GET()).statusCode()).isEqualTo(401);
      ServiceClient bad = service.as("x" + token);
      assertThat(bad.send(bad.request("/v1/files").GET()).statusCode()).isEqualTo(401);
      everyScope(service.as(token));

      service.stop();
      service.start();
      assertThat(Files.readString(file, StandardCharsets.US_ASCII).strip()).isEqualTo(token);
      assertThat(Files.getPosixFilePermissions(file))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      assertThat(count(service.output(), "generated a bearer token")).isEqualTo(1);
      assertThat(count(service.output(), "requests need the bearer token in " + file)).isEqualTo(2);
      everyScope(service.as(token));
    }
  }

  /** The generated token may do everything: read, write, delete, and read the metrics. */
  private static void everyScope(ServiceClient client) {
    String id = client.createFile("{\"name\":\"local\"}");
    client.replace(id, "mine".getBytes(StandardCharsets.US_ASCII));
    assertThat(new String(client.read(id), StandardCharsets.US_ASCII)).isEqualTo("mine");
    ServiceClient.assertStatus(client.send(client.request("/actuator/prometheus").GET()), 200);
    ServiceClient.assertStatus(
        client.send(
            client
                .request("/v1/files/" + id)
                .method("DELETE", HttpRequest.BodyPublishers.noBody())),
        204);
  }

  @Test
  void configuredTokensAreTheOnlyOnes() {
    try (ServiceProcess service =
        new ServiceProcess(
            "token-configured",
            List.of(),
            List.of(
                "--bigfile.security.mode=token",
                "--bigfile.security.tokens[0].subject=backup",
                "--bigfile.security.tokens[0].token=" + CONFIGURED,
                "--bigfile.security.tokens[0].scopes=files.read,files.write"))) {
      service.start();
      assertThat(service.tokenFile()).doesNotExist();
      assertThat(logged(service))
          .contains("bearer tokens accepted for: backup [files.read, files.write]")
          .doesNotContain(CONFIGURED);
      ServiceClient backup = service.as(CONFIGURED);
      String id = backup.createFile("{}");
      backup.replace(id, "kept".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(backup.read(id), StandardCharsets.US_ASCII)).isEqualTo("kept");
      HttpResponse<byte[]> delete =
          backup.send(
              backup
                  .request("/v1/files/" + id)
                  .method("DELETE", HttpRequest.BodyPublishers.noBody()));
      assertThat(delete.statusCode()).isEqualTo(403);
      ServiceClient wrong = service.as(CONFIGURED.replace('0', '1'));
      HttpResponse<byte[]> r = wrong.send(wrong.request("/v1/files").GET());
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(ServiceClient.header(r, "WWW-Authenticate")).contains("error=\"invalid_token\"");
    }
  }

  @Test
  void noneMustBeChosenAndSaysSo() {
    try (ServiceProcess service =
        new ServiceProcess("security-none", List.of(), List.of("--bigfile.security.mode=none"))) {
      service.start();
      assertThat(service.output())
          .containsPattern(
              "WARN .*bigfile.security.mode=none: requests are not authenticated; anyone who"
                  + " reaches the service can read, change and delete every file");
      assertThat(service.send(service.request("/v1/files").GET()).statusCode()).isEqualTo(200);
      assertThat(service.tokenFile()).doesNotExist();
    }
  }

  @Test
  void oauth2WithoutAnAudienceRefusesToStart() {
    try (ServiceProcess service =
        new ServiceProcess(
            "oauth2-no-audience",
            List.of(),
            List.of(
                "--bigfile.security.mode=oauth2",
                "--spring.security.oauth2.resourceserver.jwt.jwk-set-uri=http://127.0.0.1:9/jwks"))) {
      assertThatThrownBy(service::start)
          .hasMessageContaining("exited")
          .hasMessageContaining("bigfile.security.audiences");
    }
  }
}
