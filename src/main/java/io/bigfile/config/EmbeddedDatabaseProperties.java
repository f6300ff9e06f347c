package io.bigfile.config;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The embedded PostgreSQL used when no {@code spring.datasource.url} is set: {@code
 * bigfile.embedded.*}.
 *
 * @param dataDir where its data lives; kept across restarts
 * @param port its port (0: any free port)
 */
@ConfigurationProperties("bigfile.embedded")
public record EmbeddedDatabaseProperties(
    @DefaultValue("data/postgres") Path dataDir, @DefaultValue("0") int port) {}
