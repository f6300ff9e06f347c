package io.bigfile;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ProxiedService;
import io.bigfile.support.ServiceClient;
import io.bigfile.support.ServiceProcess;
import io.bigfile.support.TcpProxy;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readiness follows the database: the service reaches the test database through a TCP proxy that
 * the test cuts (new connections refused, open ones broken) and reopens. Readiness must answer 503
 * (DOWN) while the database is unreachable and 200 again once it is back, promptly both ways, and
 * liveness must stay 200 throughout: a database outage is no reason to restart the process.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReadinessIT {

  /** Well within a probe's patience, and far below the read pool's 30 s connection timeout. */
  private static final Duration PROMPTLY = Duration.ofSeconds(20);

  private ProxiedService started;
  private TcpProxy proxy;
  private ServiceProcess service;

  @AfterEach
  void cleanUp() {
    if (started != null) {
      started.close();
    }
  }

  @Test
  void readinessFailsWhileTheDatabaseIsUnreachableAndRecoversWhenItReturns() {
    started = ProxiedService.start("readiness", List.of("-XX:TieredStopAtLevel=1"));
    proxy = started.proxy();
    service = started.service();
    assertThat(service.status("/actuator/health/liveness")).isEqualTo(200);
    assertThat(createFile().statusCode()).as("the service works through the proxy").isEqualTo(201);

    proxy.cut();
    ServiceProcess.awaitCondition(
        "readiness DOWN with the database unreachable",
        PROMPTLY,
        Duration.ofMillis(200),
        () -> {
          assertThat(service.status("/actuator/health/liveness")).as("liveness").isEqualTo(200);
          return service.readinessStatus() == 503;
        });
    var down = service.send(service.request("/actuator/health/readiness").GET());
    assertThat(ServiceClient.body(down)).contains("\"status\":\"DOWN\"");
    assertThat(service.status("/actuator/health/liveness")).isEqualTo(200);

    proxy.reopen();
    ServiceProcess.awaitCondition(
        "readiness UP with the database back",
        PROMPTLY,
        Duration.ofMillis(200),
        () -> {
          assertThat(service.status("/actuator/health/liveness")).as("liveness").isEqualTo(200);
          return service.readinessStatus() == 200;
        });
    // A pooled connection broken by the outage fails the one request that finds it (503, with
    // Retry-After) and is dropped; requests succeed again at once after that.
    ServiceProcess.awaitCondition(
        "requests succeed again",
        PROMPTLY,
        Duration.ofMillis(200),
        () -> {
          HttpResponse<byte[]> r = createFile();
          if (r.statusCode() == 503) {
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
          } else {
            assertThat(r.statusCode()).as(ServiceClient.body(r)).isEqualTo(201);
          }
          return r.statusCode() == 201;
        });
    assertThat(createFile().statusCode()).isEqualTo(201);
    assertThat(service.output())
        .contains("the database is unreachable")
        .contains("the database is reachable again");
  }

  private HttpResponse<byte[]> createFile() {
    return service.sendCreateFile("{\"blockSize\":4096}");
  }
}
