package io.bigfile.postgres.catalog;

import java.time.Instant;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** Committed revisions. Read-only; revision rows are written by the commit writer. */
public interface RevisionRepository extends Repository<Revision, Long> {

  /** The newest revision committed at or before {@code time}, or -1. */
  @Query("select coalesce(max(r.rev), -1) from Revision r where r.committedAt <= :time")
  long newestAtOrBefore(Instant time);
}
