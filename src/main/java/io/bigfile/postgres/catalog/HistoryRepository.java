package io.bigfile.postgres.catalog;

import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** The retained history's bounds. */
public interface HistoryRepository extends Repository<History, Boolean> {

  /** The oldest revision that can still be read. */
  @Query("select h.oldestRetainedRev from History h")
  long oldestRetainedRevision();
}
