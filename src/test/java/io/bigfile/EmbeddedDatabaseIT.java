package io.bigfile;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceProcess;
import java.nio.charset.StandardCharsets;
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
      String id = service.createFile("{\"name\":\"kept\"}");
      service.replace(id, "committed bytes".getBytes(StandardCharsets.UTF_8));

      service.stop();
      service.start();

      assertThat(new String(service.read(id), StandardCharsets.UTF_8)).isEqualTo("committed bytes");
      assertThat(service.output()).contains("EmbeddedPostgres");
    }
  }
}
