package io.bigfile.postgres.catalog;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * The oldest snapshot one replica reads, as it last published it: a row of {@code snapshot_pin}.
 * Pack keeps what any pin published within its lease can see.
 */
@Entity
@Table(name = "snapshot_pin")
public class SnapshotPin {

  @Id
  @Column(columnDefinition = "text")
  private String replica;

  @Column(name = "min_rev")
  private Long minRev;

  @Column(nullable = false)
  private Instant heartbeat;

  protected SnapshotPin() {}

  public SnapshotPin(String replica, long minRev, Instant heartbeat) {
    this.replica = replica;
    this.minRev = minRev;
    this.heartbeat = heartbeat;
  }

  public String replica() {
    return replica;
  }

  public Long minRev() {
    return minRev;
  }

  public Instant heartbeat() {
    return heartbeat;
  }
}
