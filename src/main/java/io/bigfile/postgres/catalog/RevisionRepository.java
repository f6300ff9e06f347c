package io.bigfile.postgres.catalog;

import java.time.Instant;
import java.util.Optional;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** Committed revisions. Read-only; revision rows are written by the commit writer. */
public interface RevisionRepository extends Repository<Revision, Long> {

  /** The revision row a commit with {@code token} wrote, if that commit landed. */
  Optional<Revision> findByRevAndToken(long rev, long token);

  /** The newest revision committed at or before {@code time}, or -1. */
  @Query("select coalesce(max(r.rev), -1) from Revision r where r.committedAt <= :time")
  long newestAtOrBefore(Instant time);
}
