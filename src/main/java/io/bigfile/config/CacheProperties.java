package io.bigfile.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The page cache: {@code bigfile.cache.*}.
 *
 * @param maxSize bytes of clean block versions kept in memory
 * @param readAhead how much of the block index a read fetches at a time
 */
@ConfigurationProperties("bigfile.cache")
public record CacheProperties(
    @DefaultValue("256MB") DataSize maxSize, @DefaultValue("32MB") DataSize readAhead) {

  public CacheProperties {
    if (maxSize.toBytes() < 0 || readAhead.toBytes() < 1) {
      throw new IllegalArgumentException("bigfile.cache sizes must be positive");
    }
  }
}
