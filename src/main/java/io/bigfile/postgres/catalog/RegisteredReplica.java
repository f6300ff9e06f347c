package io.bigfile.postgres.catalog;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A running replica of the service as it registered itself: a row of {@code replica}. Its times are
 * the database's clock, set by the database.
 */
@Entity
@Table(name = "replica")
public class RegisteredReplica {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  @Column(columnDefinition = "text")
  private String address;

  @Column(name = "started_at", nullable = false, insertable = false, updatable = false)
  private Instant startedAt;

  @Column(name = "heartbeat_at", nullable = false, insertable = false, updatable = false)
  private Instant heartbeatAt;

  @Column(nullable = false)
  private boolean draining;

  protected RegisteredReplica() {}

  RegisteredReplica(String address) {
    this.address = address;
  }

  public long id() {
    return id;
  }

  /** host:port of its HTTP port, or null while it does not listen yet. */
  public String address() {
    return address;
  }

  public Instant startedAt() {
    return startedAt;
  }

  public Instant heartbeatAt() {
    return heartbeatAt;
  }

  public boolean draining() {
    return draining;
  }
}
