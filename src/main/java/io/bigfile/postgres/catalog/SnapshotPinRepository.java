package io.bigfile.postgres.catalog;

import java.time.Instant;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.CrudRepository;

/** The snapshots replicas publish, so that any replica's pack keeps what the others read. */
public interface SnapshotPinRepository extends CrudRepository<SnapshotPin, String> {

  /** The oldest snapshot published after {@code since}, or null when there is none. */
  @Query("select min(p.minRev) from SnapshotPin p where p.heartbeat > :since")
  Long oldestSince(Instant since);
}
