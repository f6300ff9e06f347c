package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceTestBase;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

class SmokeIT extends ServiceTestBase {

  @Test
  void writesAndReadsBack() {
    String id = createFile("{\"blockSize\":4096}");
    var put =
        send(
            request("/v1/files/" + id + "/content")
                .PUT(HttpRequest.BodyPublishers.ofByteArray("hello world".getBytes())));
    assertThat(put.statusCode()).isEqualTo(200);
    var get = send(request("/v1/files/" + id + "/content").GET());
    assertThat(body(get)).isEqualTo("hello world");
    var health = send(request("/actuator/health/readiness").GET());
    assertThat(health.statusCode()).isEqualTo(200);
  }
}
