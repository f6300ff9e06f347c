package io.bigfile.postgres.catalog;

import jakarta.persistence.criteria.Root;
import jakarta.persistence.criteria.Subquery;
import java.util.Optional;
import org.springframework.data.domain.Limit;
import org.springframework.data.domain.ScrollPosition;
import org.springframework.data.domain.Window;
import org.springframework.data.jpa.domain.Specification;
import org.springframework.data.jpa.repository.EntityGraph;
import org.springframework.data.jpa.repository.JpaSpecificationExecutor;
import org.springframework.data.repository.Repository;

/**
 * Files as a snapshot sees them, and their history. Every method reads at a snapshot: the newest
 * version of a file at or below it. Read-only; versions are written by the commit writer.
 */
public interface FileVersionRepository
    extends Repository<FileVersion, FileVersion.Key>, JpaSpecificationExecutor<FileVersion> {

  /** The version {@code snapshot} sees of a file (a deleted file's last one too), if any. */
  @EntityGraph(attributePaths = {"revision", "file.created"})
  Optional<FileVersion> findFirstByFileIdAndRevLessThanEqualOrderByRevDesc(
      long fileId, long snapshot);

  /** The versions of a file visible at {@code snapshot}, newest first, a window at a time. */
  @EntityGraph(attributePaths = "revision")
  Window<FileVersion> findByFileIdAndRevLessThanEqualOrderByRevDesc(
      long fileId, long snapshot, ScrollPosition position, Limit limit);

  /**
   * Versions that are the newest at or below {@code snapshot} of a file that is alive there (for
   * the listing of files), fetched with their file and revisions.
   */
  static Specification<FileVersion> aliveAt(long snapshot) {
    return (root, query, cb) -> {
      if (FileVersion.class.equals(query.getResultType())) {
        root.fetch("revision");
        root.fetch("file").fetch("created");
      }
      Subquery<Long> newest = query.subquery(Long.class);
      Root<FileVersion> other = newest.from(FileVersion.class);
      newest
          .select(cb.max(other.get("rev")))
          .where(
              cb.equal(other.get("fileId"), root.get("fileId")), cb.le(other.get("rev"), snapshot));
      return cb.and(
          cb.equal(root.get("rev"), newest),
          cb.isFalse(root.get("deleted")),
          cb.le(root.get("file").get("createdRev"), snapshot));
    };
  }
}
