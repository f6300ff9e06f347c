package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceTestBase;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SmokeIT extends ServiceTestBase {

  @Test
  void writesAndReadsBack() {
    String id = createFile("{\"blockSize\":4096}");
    replace(id, "hello world".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(read(id), StandardCharsets.UTF_8)).isEqualTo("hello world");
    var health = send(request("/actuator/health/readiness").GET());
    assertThat(health.statusCode()).isEqualTo(200);
  }

  @Test
  void badJsonIsExplained() {
    var r =
        send(
            request("/v1/files")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"blockSize\": \"big\"}")));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(body(r)).contains("invalid JSON body").contains("big");
  }

  @Test
  void servesItsOpenApiDescriptionAndMetrics() {
    var docs = send(request("/v3/api-docs").GET());
    assertThat(docs.statusCode()).isEqualTo(200);
    assertThat(body(docs))
        .contains(
            "/v1/files/{id}/content", "/v1/transactions/{id}/commit", "readContent", "\"txn\"");
    var metrics = send(request("/actuator/prometheus").GET());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(body(metrics))
        .contains("bigfile_dirty_bytes", "bigfile_cache_bytes", "bigfile_commit_duration_seconds");
  }
}
