package io.bigfile.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Request bodies: {@code bigfile.uploads.*}. Every body of an API request is received in full,
 * without a thread, before its request is handled (see {@code io.bigfile.web.ReceivedBodies}).
 *
 * @param minRate the slowest a body may arrive, in bytes per second, averaged over each {@code
 *     rateWindow}: a body that brings less in one window (a stalled one brings nothing) is refused
 *     with 408 and its request changes nothing
 * @param rateWindow the span over which the rate is measured: also the longest a client may send
 *     nothing at all
 * @param memoryThreshold a body up to this size is held in memory while it arrives; a larger one
 *     goes to a temporary file (in {@code java.io.tmpdir}), deleted when its request ends
 * @param maxMemory the most memory the bodies being received hold together; past it, bodies go to
 *     temporary files whatever their size
 */
@ConfigurationProperties("bigfile.uploads")
public record UploadsProperties(
    @DefaultValue("1KB") DataSize minRate,
    @DefaultValue("20s") Duration rateWindow,
    @DefaultValue("64KB") DataSize memoryThreshold,
    @DefaultValue("16MB") DataSize maxMemory) {

  public UploadsProperties {
    if (minRate.isNegative()) {
      throw new IllegalArgumentException("bigfile.uploads.min-rate must not be negative");
    }
    if (rateWindow.toMillis() < 100) {
      throw new IllegalArgumentException("bigfile.uploads.rate-window must be at least 100ms");
    }
    if (memoryThreshold.isNegative()
        || memoryThreshold.toBytes() > Integer.MAX_VALUE / 2
        || maxMemory.isNegative()) {
      throw new IllegalArgumentException(
          "bigfile.uploads.memory-threshold must be between 0 and 1GB, max-memory at least 0");
    }
  }
}
