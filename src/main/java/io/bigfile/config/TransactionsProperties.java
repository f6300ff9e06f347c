package io.bigfile.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Transactions: {@code bigfile.transactions.*}.
 *
 * @param idleTimeout an open transaction unused for longer is aborted
 * @param finishedRetention how long a finished transaction's state can still be read
 * @param maxDirtyPerTransaction uncommitted block bytes one transaction may hold (413 past it);
 *     {@code auto}: half the dirty total
 * @param maxDirtyTotal uncommitted block bytes all transactions together may hold (413 past it);
 *     {@code auto}: sized from the heap ({@link MemoryBudget})
 * @param commitTimeout the longest a commit, or an autocommit upload, may take in the database
 * @param maxFinished finished transactions kept for look-up (the oldest are forgotten first)
 */
@ConfigurationProperties("bigfile.transactions")
public record TransactionsProperties(
    @DefaultValue("5m") Duration idleTimeout,
    @DefaultValue("1h") Duration finishedRetention,
    @DefaultValue("auto") SizeOrAuto maxDirtyPerTransaction,
    @DefaultValue("auto") SizeOrAuto maxDirtyTotal,
    @DefaultValue("6h") Duration commitTimeout,
    @DefaultValue("100000") long maxFinished) {

  public TransactionsProperties {
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("bigfile.transactions.idle-timeout must be positive");
    }
    if (maxFinished < 1) {
      throw new IllegalArgumentException("bigfile.transactions.max-finished must be at least 1");
    }
    if (commitTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException("bigfile.transactions.commit-timeout must be >= 1s");
    }
  }
}
