package io.bigfile.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * History: {@code bigfile.history.*}.
 *
 * @param retention revisions committed within this window stay readable with at=
 * @param packInterval how often old versions are removed
 */
@ConfigurationProperties("bigfile.history")
public record HistoryProperties(
    @DefaultValue("1h") Duration retention, @DefaultValue("1m") Duration packInterval) {

  public HistoryProperties {
    if (retention.isNegative() || packInterval.isNegative() || packInterval.isZero()) {
      throw new IllegalArgumentException("bigfile.history durations must be positive");
    }
  }
}
