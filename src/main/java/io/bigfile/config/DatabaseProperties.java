package io.bigfile.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Connections to PostgreSQL: {@code bigfile.database.*}. Each replica opens at most {@code
 * readConnections + writeConnections} pooled connections, plus one that listens for commit
 * notifications and short-lived ones for the health probe and for settling commits whose answer was
 * lost.
 *
 * <p>The timeouts bound each step of the work, never a whole commit or upload, so a request in
 * flight fails (503) when the database stops answering instead of hanging for the outage, while a
 * commit of any size still works (see {@code io.bigfile.postgres.SessionLimits}).
 *
 * @param readConnections the pool for reads
 * @param writeConnections connections for commits and autocommit uploads: at most this many run at
 *     once (an upload's body has arrived before it takes one: see {@link UploadsProperties})
 * @param connectionWait how long a request waits for a connection (of the read pool, or for commits
 *     and uploads) before answering 503
 * @param headRefresh how often the head revision is re-read even without notifications
 * @param connectTimeout how long opening a connection may take (pgjdbc's {@code connectTimeout} and
 *     {@code loginTimeout})
 * @param statementTimeout PostgreSQL's {@code statement_timeout}: the longest one statement may
 *     run, waiting for another commit's lock included; the statements of a commit that handle all
 *     its rows at once get 1 ms more per row; 0 for none
 * @param socketTimeout pgjdbc's {@code socketTimeout}: the longest the service waits for any one
 *     answer of the database before it drops the connection; more than {@code statementTimeout}; 0
 *     for none
 * @param idleInTransactionTimeout PostgreSQL's {@code idle_in_transaction_session_timeout} on the
 *     write connections: the longest a commit or upload may wait between two statements (an upload
 *     waits for its body's next block); a transaction left behind by a lost connection ends after
 *     it, or after {@code statementTimeout} once it holds the head lock; 0 for none
 */
@ConfigurationProperties("bigfile.database")
public record DatabaseProperties(
    @DefaultValue("16") int readConnections,
    @DefaultValue("16") int writeConnections,
    @DefaultValue("30s") Duration connectionWait,
    @DefaultValue("2s") Duration headRefresh,
    @DefaultValue("5s") Duration connectTimeout,
    @DefaultValue("30s") Duration statementTimeout,
    @DefaultValue("40s") Duration socketTimeout,
    @DefaultValue("10m") Duration idleInTransactionTimeout) {

  public DatabaseProperties {
    if (readConnections < 1 || writeConnections < 1) {
      throw new IllegalArgumentException("bigfile.database connection counts must be at least 1");
    }
    if (connectionWait.isNegative() || headRefresh.isNegative() || headRefresh.isZero()) {
      throw new IllegalArgumentException("bigfile.database durations must be positive");
    }
    if (connectTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException("bigfile.database.connect-timeout must be at least 1s");
    }
    if (statementTimeout.isNegative()
        || socketTimeout.isNegative()
        || idleInTransactionTimeout.isNegative()) {
      throw new IllegalArgumentException("bigfile.database timeouts must not be negative");
    }
    if (!socketTimeout.isZero()
        && (statementTimeout.isZero() || socketTimeout.compareTo(statementTimeout) <= 0)) {
      throw new IllegalArgumentException(
          "bigfile.database.socket-timeout ("
              + socketTimeout
              + ") must be longer than bigfile.database.statement-timeout ("
              + statementTimeout
              + "): the server's cancellation, not a dropped connection, must end a slow"
              + " statement");
    }
  }
}
