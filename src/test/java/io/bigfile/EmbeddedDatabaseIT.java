package io.bigfile;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceProcess;
import java.net.http.HttpRequest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's run command with no database configured: the service starts on an embedded
 * PostgreSQL, and what it committed is still there after a restart.
 */
@Timeout(300)
class EmbeddedDatabaseIT {

  @Test
  void runsOnAnEmbeddedDatabaseThatSurvivesRestarts() {
    try (ServiceProcess service = ServiceProcess.onEmbeddedDatabase("embedded", List.of())) {
      service.start();
      var created =
          service.send(
              service
                  .request("/v1/files")
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"kept\"}")));
      assertThat(created.statusCode()).isEqualTo(201);
      String id = ServiceProcess.field(created, "id");
      var put =
          service.send(
              service
                  .request("/v1/files/" + id + "/content")
                  .PUT(HttpRequest.BodyPublishers.ofString("committed bytes")));
      assertThat(put.statusCode()).isEqualTo(200);

      service.stop();
      service.start();

      var read = service.send(service.request("/v1/files/" + id + "/content").GET());
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(ServiceProcess.body(read)).isEqualTo("committed bytes");
      assertThat(service.output()).contains("EmbeddedPostgres");
    }
  }
}
