package io.bigfile.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits on Range headers: {@code bigfile.ranges.*}. A request over a limit gets the whole body
 * (200).
 *
 * @param maxRanges the most ranges one Range header may ask for, unless they ascend without
 *     overlapping
 * @param maxOverlapping the most ranges of one header that may overlap another of it
 * @param maxAscendingRanges the most ranges one Range header may ask for when they are in ascending
 *     order, none overlapping another, and add up to no more than the file (such a set cannot
 *     amplify; GDAL sends up to 250)
 */
@ConfigurationProperties("bigfile.ranges")
public record RangesProperties(
    @DefaultValue("100") int maxRanges,
    @DefaultValue("2") int maxOverlapping,
    @DefaultValue("2000") int maxAscendingRanges) {

  public RangesProperties {
    if (maxRanges < 1 || maxOverlapping < 0 || maxAscendingRanges < 1) {
      throw new IllegalArgumentException(
          "bigfile.ranges.max-ranges and max-ascending-ranges must be >= 1 and max-overlapping >= 0");
    }
  }
}
