package io.bigfile.postgres.catalog;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * How much history is kept: the single row of {@code history}. Reads below the oldest retained
 * revision are refused; pack has removed what no revision at or above its packed revision sees.
 */
@Entity
@Table(name = "history")
public class History {

  @Id private boolean singleton;

  @Column(name = "oldest_retained_rev", nullable = false)
  private long oldestRetainedRev;

  @Column(name = "packed_rev", nullable = false)
  private long packedRev;

  protected History() {}

  public long oldestRetainedRev() {
    return oldestRetainedRev;
  }

  public long packedRev() {
    return packedRev;
  }
}
