package io.bigfile.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits on Range headers: {@code bigfile.ranges.*}. A request over a limit gets the whole body
 * (200).
 *
 * @param maxRanges the most ranges one Range header may ask for
 * @param maxOverlapping the most ranges of one header that may overlap another of it
 */
@ConfigurationProperties("bigfile.ranges")
public record RangesProperties(
    @DefaultValue("100") int maxRanges, @DefaultValue("2") int maxOverlapping) {

  public RangesProperties {
    if (maxRanges < 1 || maxOverlapping < 0) {
      throw new IllegalArgumentException(
          "bigfile.ranges.max-ranges must be >= 1 and max-overlapping >= 0");
    }
  }
}
