package io.bigfile.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Connections to PostgreSQL: {@code bigfile.database.*}. Each replica opens at most {@code
 * readConnections + writeConnections} pooled connections, plus one that listens for commit
 * notifications and short-lived ones for the health probe.
 *
 * @param readConnections the pool for reads
 * @param writeConnections connections for commits and autocommit uploads: at most this many run at
 *     once (an upload's body has arrived before it takes one: see {@link UploadsProperties})
 * @param connectionWait how long a commit or upload waits for a write connection before answering
 *     503
 * @param headRefresh how often the head revision is re-read even without notifications
 */
@ConfigurationProperties("bigfile.database")
public record DatabaseProperties(
    @DefaultValue("16") int readConnections,
    @DefaultValue("16") int writeConnections,
    @DefaultValue("30s") Duration connectionWait,
    @DefaultValue("2s") Duration headRefresh) {

  public DatabaseProperties {
    if (readConnections < 1 || writeConnections < 1) {
      throw new IllegalArgumentException("bigfile.database connection counts must be at least 1");
    }
    if (connectionWait.isNegative() || headRefresh.isNegative() || headRefresh.isZero()) {
      throw new IllegalArgumentException("bigfile.database durations must be positive");
    }
  }
}
