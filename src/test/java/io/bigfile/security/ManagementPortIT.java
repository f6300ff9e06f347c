package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceClient;
import io.bigfile.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With the actuator on a separate management port ({@code management.server.port}, as the chart
 * runs it for Prometheus), Spring Boot applies the same security chain there, and the chain lets
 * every request of that port in: the port is reached by the cluster only (the chart keeps it off
 * the Service). The main port still needs tokens, and serves no actuator endpoint.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ManagementPortIT extends ServiceClient {

  private static final String ADMIN = "admin-token-0123456789abcdef0123456789abcdef";

  @LocalServerPort int port;
  @LocalManagementPort int managementPort;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.Coordinates db = TestDatabase.get();
    registry.add("spring.datasource.url", db::url);
    registry.add("spring.datasource.username", db::username);
    registry.add("spring.datasource.password", db::password);
    registry.add("narayana.log-dir", () -> "target/narayana-it-management");
    // the generated signed-link key goes with the build's files, not into the checkout's data/
    registry.add("bigfile.security.links.key-file", () -> "target/link-key-it");
    registry.add("bigfile.database.read-connections", () -> "2");
    registry.add("bigfile.database.write-connections", () -> "2");
    registry.add("management.server.port", () -> "0");
    registry.add("management.server.address", () -> "127.0.0.1");
    registry.add("bigfile.security.mode", () -> "token");
    registry.add("bigfile.security.tokens[0].subject", () -> "admin");
    registry.add("bigfile.security.tokens[0].token", () -> ADMIN);
    registry.add("bigfile.security.tokens[0].scopes", () -> "files.admin");
  }

  @Override
  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  private ServiceClient management() {
    return ServiceClient.onPort(managementPort);
  }

  @Test
  void theManagementPortIsOpenWithoutAToken() {
    assertThat(managementPort).isNotEqualTo(port);
    ServiceClient m = management();
    HttpResponse<byte[]> prometheus = m.send(m.request("/actuator/prometheus").GET());
    assertStatus(prometheus, 200);
    assertThat(body(prometheus)).contains("bigfile_cache_hit_ratio");
    assertStatus(m.send(m.request("/actuator/health/readiness").GET()), 200);
    assertStatus(m.send(m.request("/actuator/info").GET()), 200);
  }

  @Test
  void theMainPortStillNeedsATokenAndServesNoActuator() {
    assertStatus(send(request("/v1/files").GET()), 401);
    assertStatus(send(request("/actuator/prometheus").GET()), 401);
    ServiceClient admin = as(ADMIN);
    assertStatus(admin.send(admin.request("/v1/files").GET()), 200);
    assertStatus(admin.send(admin.request("/actuator/prometheus").GET()), 404);
  }
}
