package io.bigfile.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Idempotency keys of autocommit writes: {@code bigfile.idempotency.*}.
 *
 * @param retention how long a key is kept after its request: a retry within it answers the first
 *     request's outcome; after it the key is forgotten and may be used again
 */
@ConfigurationProperties("bigfile.idempotency")
public record IdempotencyProperties(@DefaultValue("24h") Duration retention) {

  public IdempotencyProperties {
    if (retention.toSeconds() < 1) {
      throw new IllegalArgumentException("bigfile.idempotency.retention must be at least 1s");
    }
  }
}
