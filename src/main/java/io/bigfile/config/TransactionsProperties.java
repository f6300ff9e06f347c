package io.bigfile.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Transactions: {@code bigfile.transactions.*}.
 *
 * @param idleTimeout an open transaction unused for longer is aborted
 * @param finishedRetention how long a finished transaction's state can still be read
 * @param maxDirtyPerTransaction uncommitted block bytes one transaction may hold (413 past it)
 * @param maxDirtyTotal uncommitted block bytes all transactions together may hold (413 past it)
 * @param commitTimeout the longest a commit, or an autocommit upload, may take in the database
 * @param maxFinished finished transactions kept for look-up (the oldest are forgotten first)
 */
@ConfigurationProperties("bigfile.transactions")
public record TransactionsProperties(
    @DefaultValue("5m") Duration idleTimeout,
    @DefaultValue("1h") Duration finishedRetention,
    @DefaultValue("256MB") DataSize maxDirtyPerTransaction,
    @DefaultValue("1GB") DataSize maxDirtyTotal,
    @DefaultValue("6h") Duration commitTimeout,
    @DefaultValue("100000") long maxFinished) {

  public TransactionsProperties {
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("bigfile.transactions.idle-timeout must be positive");
    }
    if (maxDirtyPerTransaction.toBytes() > maxDirtyTotal.toBytes()) {
      throw new IllegalArgumentException(
          "bigfile.transactions.max-dirty-per-transaction must not exceed max-dirty-total");
    }
    if (maxFinished < 1) {
      throw new IllegalArgumentException("bigfile.transactions.max-finished must be at least 1");
    }
    if (commitTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException("bigfile.transactions.commit-timeout must be >= 1s");
    }
  }
}
