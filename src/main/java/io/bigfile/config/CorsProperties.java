package io.bigfile.config;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Cross-origin requests from browsers (CORS): {@code bigfile.security.cors.*}.
 *
 * @param allowedOrigins the origins whose scripts may call the service ({@code
 *     https://app.example.com}); none by default, and then CORS is off
 * @param maxAge how long a browser may cache the answer to a preflight
 */
@ConfigurationProperties("bigfile.security.cors")
public record CorsProperties(List<String> allowedOrigins, @DefaultValue("1h") Duration maxAge) {

  public CorsProperties {
    allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    for (String o : allowedOrigins) {
      if (o.isBlank() || o.endsWith("/")) {
        throw new IllegalArgumentException(
            "bigfile.security.cors.allowed-origins: '"
                + o
                + "' is no origin (scheme://host[:port], without a path)");
      }
    }
    if (maxAge.isNegative()) {
      throw new IllegalArgumentException("bigfile.security.cors.max-age must not be negative");
    }
  }
}
