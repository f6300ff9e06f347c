package io.bigfile.config;

import io.bigfile.engine.EngineSettings;
import io.bigfile.file.WriteFormat;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Files: {@code bigfile.files.*}.
 *
 * @param defaultBlockSize block size of a file created without one (a power of two, 4KB to 16MB)
 * @param defaultFormat write format of a file created without one
 * @param maxSize no write may make a file larger (413)
 */
@ConfigurationProperties("bigfile.files")
public record FilesProperties(
    @DefaultValue("2MB") DataSize defaultBlockSize,
    @DefaultValue("auto") WriteFormat defaultFormat,
    @DefaultValue("16TB") DataSize maxSize) {

  public FilesProperties {
    if (!EngineSettings.validBlockSize(defaultBlockSize.toBytes())) {
      throw new IllegalArgumentException(
          "bigfile.files.default-block-size must be a power of two from 4KB to 16MB");
    }
    if (maxSize.toBytes() <= 0) {
      throw new IllegalArgumentException("bigfile.files.max-size must be positive");
    }
  }
}
