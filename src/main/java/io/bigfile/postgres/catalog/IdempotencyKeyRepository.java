package io.bigfile.postgres.catalog;

import java.time.Instant;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.CrudRepository;

/**
 * Idempotency keys. Read here, and forgotten here once expired; a key is written only by the commit
 * that applies its request (on the commit's own connection, see {@link Catalogue}).
 */
public interface IdempotencyKeyRepository
    extends CrudRepository<StoredIdempotencyKey, StoredIdempotencyKey.Key> {

  /** Deletes the keys that expired before {@code now}; returns how many. */
  @Modifying
  @Query("delete from StoredIdempotencyKey k where k.expiresAt <= :now")
  int deleteExpired(Instant now);
}
