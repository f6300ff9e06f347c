package io.bigfile.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The signed-link settings refuse a start that could not sign or verify as configured. */
class LinksPropertiesTests {

  private static final String K1 = "b2xkLWtleS1vZi10aGUtc2lnbmVkLWxpbmtzLXRlc3Q=";
  private static final String K2 = "bmV3LWtleS1vZi10aGUtc2lnbmVkLWxpbmtzLXRlc3Q=";
  private static final Duration P7D = Duration.ofDays(7);
  private static final Path FILE = Path.of("data/link-key");

  @Test
  void theSigningKeyIsTheOnlyKeyOrTheOneNamed() {
    assertThat(new LinksProperties(Map.of("k1", K1), null, P7D, FILE).signingKeyId())
        .isEqualTo("k1");
    assertThat(new LinksProperties(Map.of("k1", K1, "k2", K2), "k2", P7D, FILE).signingKeyId())
        .isEqualTo("k2");
    assertThat(new LinksProperties(null, null, P7D, FILE).configured()).isFalse();
  }

  @Test
  void aConfigurationThatCannotWorkIsRefused() {
    assertThatThrownBy(() -> new LinksProperties(Map.of("k1", K1, "k2", K2), null, P7D, FILE))
        .hasMessageContaining("set bigfile.security.links.signing-key");
    assertThatThrownBy(() -> new LinksProperties(Map.of("k1", K1), "k3", P7D, FILE))
        .hasMessageContaining("'k3' is not one of");
    assertThatThrownBy(() -> new LinksProperties(Map.of(), "k1", P7D, FILE))
        .hasMessageContaining("'k1' is not one of");
    assertThatThrownBy(() -> new LinksProperties(Map.of("k1", "c2hvcnQ="), null, P7D, FILE))
        .hasMessageContaining("'k1' has 5 bytes")
        .hasMessageNotContaining("c2hvcnQ=");
    assertThatThrownBy(() -> new LinksProperties(Map.of("k/1", K1), null, P7D, FILE))
        .hasMessageContaining("key id");
    assertThatThrownBy(() -> new LinksProperties(Map.of("k1", K1), null, Duration.ofDays(8), FILE))
        .hasMessageContaining("at most P7D");
    assertThatThrownBy(() -> new LinksProperties(Map.of("k1", K1), null, Duration.ZERO, FILE))
        .hasMessageContaining("must be positive");
  }
}
