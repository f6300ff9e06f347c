package io.bigfile.postgres.catalog;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.Generated;
import org.hibernate.generator.EventType;

/**
 * A committed revision: a row of {@code revision}. Its time is the database's clock when the row is
 * inserted, under the head lock, so revision times never go backwards as revisions go up; the token
 * lets a commit whose answer was lost find out whether it landed.
 */
@Entity
@Table(name = "revision")
public class Revision {

  @Id private long rev;

  @Generated(event = EventType.INSERT)
  @Column(name = "committed_at", nullable = false, insertable = false, updatable = false)
  private Instant committedAt;

  @Column(nullable = false)
  private long token;

  protected Revision() {}

  public Revision(long rev, long token) {
    this.rev = rev;
    this.token = token;
  }

  public long rev() {
    return rev;
  }

  public Instant committedAt() {
    return committedAt;
  }

  public long token() {
    return token;
  }
}
