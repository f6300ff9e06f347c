package io.bigfile.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;

class ReplicasConfigTests {

  private static ReplicasProperties advertised(String address) {
    return new ReplicasProperties(
        address,
        Duration.ofSeconds(2),
        Duration.ofSeconds(10),
        Duration.ofMinutes(2),
        Duration.ofSeconds(2));
  }

  @Test
  void theAdvertisedAddressTakesTheServersPortUnlessItNamesOne() throws Exception {
    ServerProperties server = new ServerProperties();
    assertThat(ReplicasConfig.advertisedAddress(advertised("10.1.2.3"), server, 8080))
        .isEqualTo("10.1.2.3:8080");
    assertThat(ReplicasConfig.advertisedAddress(advertised("10.1.2.3:9000"), server, 8080))
        .isEqualTo("10.1.2.3:9000");
    assertThat(ReplicasConfig.advertisedAddress(advertised("fd00::1"), server, 8080))
        .isEqualTo("[fd00::1]:8080");
    assertThat(ReplicasConfig.advertisedAddress(advertised("[fd00::1]:9000"), server, 8080))
        .isEqualTo("[fd00::1]:9000");
    server.setAddress(InetAddress.getByName("127.0.0.1"));
    assertThat(ReplicasConfig.advertisedAddress(advertised(""), server, 4321))
        .isEqualTo("127.0.0.1:4321");
    server.setAddress(InetAddress.getByName("0.0.0.0"));
    assertThat(ReplicasConfig.advertisedAddress(advertised(""), server, 4321))
        .endsWith(":4321")
        .doesNotStartWith("0.0.0.0");
  }

  @Test
  void aLeaseShorterThanThreeHeartbeatsIsRefused() {
    assertThatThrownBy(
            () ->
                new ReplicasProperties(
                    "",
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(5),
                    Duration.ZERO,
                    Duration.ofSeconds(1)))
        .hasMessageContaining("bigfile.replicas.lease");
  }
}
