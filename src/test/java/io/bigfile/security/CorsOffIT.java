package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceTestBase;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** With no origin configured (the default), CORS is off: no origin gets CORS headers. */
class CorsOffIT extends ServiceTestBase {

  @Test
  void noOriginIsAllowedByDefault() {
    HttpResponse<byte[]> pre =
        send(
            request("/v1/files")
                .header("Origin", "https://app.example.test")
                .header("Access-Control-Request-Method", "GET")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    assertThat(header(pre, "Access-Control-Allow-Origin")).isNull();
    HttpResponse<byte[]> r =
        send(request("/v1/files").header("Origin", "https://app.example.test").GET());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(header(r, "Access-Control-Allow-Origin")).isNull();
  }
}
