package io.bigfile.postgres.catalog;

import io.bigfile.block.Change;
import io.bigfile.block.FileChange;
import io.bigfile.block.FileRecord;
import io.bigfile.block.IdempotencyClaim;
import io.bigfile.block.IdempotencyRecord;
import io.bigfile.block.RevisionRecord;
import io.bigfile.file.WriteFormat;
import io.bigfile.postgres.DatabaseErrors;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;
import org.hibernate.exception.ConstraintViolationException;
import org.springframework.dao.DataAccessException;
import org.springframework.data.domain.Limit;
import org.springframework.data.domain.ScrollPosition;
import org.springframework.data.domain.Sort;
import org.springframework.data.jpa.repository.support.JpaRepositoryFactory;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The catalogue (files, their versions, revisions, history bounds, snapshot pins, idempotency keys)
 * through JPA: Spring Data repositories for reads and for the pins, and the commit's rows written
 * as entities on the commit's own JDBC connection. Block data stays on plain JDBC (see the store).
 *
 * <p>Flyway owns the schema; Hibernate only validates that the entities match it, and refuses to
 * start when they do not.
 *
 * <p>Thread-safe. A database failure surfaces as {@link DatabaseErrors#translate} decides; {@link
 * #writeCommit} lets its exception through to the commit writer, whose transaction then rolls back.
 */
public final class Catalogue {

  /** The JPA settings of the catalogue, wherever it is built. */
  public static final Map<String, Object> JPA_PROPERTIES =
      Map.of(
          // the catalogue never joins a JTA transaction through Hibernate: its reads need none, and
          // the commit's rows reach the JTA transaction through the connection it already holds
          "hibernate.transaction.jta.platform",
          "org.hibernate.engine.transaction.jta.platform.internal.NoJtaPlatform",
          "hibernate.hbm2ddl.auto",
          "validate",
          "hibernate.jdbc.batch_size",
          64,
          "hibernate.order_inserts",
          true,
          "hibernate.query.fail_on_pagination_over_collection_fetch",
          true);

  private final SessionFactory sessions;
  private final FileVersionRepository versions;
  private final RevisionRepository revisions;
  private final HistoryRepository history;
  private final SnapshotPinRepository pins;
  private final IdempotencyKeyRepository keys;
  private final TransactionTemplate pinTransactions;

  public Catalogue(
      EntityManagerFactory entityManagerFactory,
      FileVersionRepository versions,
      RevisionRepository revisions,
      HistoryRepository history,
      SnapshotPinRepository pins,
      IdempotencyKeyRepository keys) {
    this.sessions = entityManagerFactory.unwrap(SessionFactory.class);
    this.versions = versions;
    this.revisions = revisions;
    this.history = history;
    this.pins = pins;
    this.keys = keys;
    this.pinTransactions = new TransactionTemplate(new JpaTransactionManager(entityManagerFactory));
  }

  /**
   * An idempotency key was stored already when a commit tried to store it: the commit's transaction
   * is spoiled and must roll back; the caller then reads the stored key.
   */
  public static final class KeyTakenException extends RuntimeException {
    private KeyTakenException(Throwable cause) {
      super("the idempotency key is stored already", cause, false, false);
    }
  }

  /** The entity manager factory of the catalogue on {@code reads}, not yet initialised. */
  public static LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource reads) {
    LocalContainerEntityManagerFactoryBean f = new LocalContainerEntityManagerFactoryBean();
    f.setPersistenceUnitName("catalogue");
    f.setDataSource(reads);
    f.setPackagesToScan(Catalogue.class.getPackageName());
    f.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
    f.setJpaPropertyMap(JPA_PROPERTIES);
    return f;
  }

  /**
   * A catalogue outside a Spring context (tools and tests): its own entity manager factory on
   * {@code reads} and repositories made by Spring Data's factory.
   */
  public static Catalogue standalone(DataSource reads) {
    LocalContainerEntityManagerFactoryBean f = entityManagerFactory(reads);
    f.afterPropertiesSet();
    EntityManagerFactory emf = f.getObject();
    JpaRepositoryFactory repositories =
        new JpaRepositoryFactory(SharedEntityManagerCreator.createSharedEntityManager(emf));
    return new Catalogue(
        emf,
        repositories.getRepository(FileVersionRepository.class),
        repositories.getRepository(RevisionRepository.class),
        repositories.getRepository(HistoryRepository.class),
        repositories.getRepository(SnapshotPinRepository.class),
        repositories.getRepository(IdempotencyKeyRepository.class));
  }

  // ---------------------------------------------------------------- reads at a snapshot

  /** The file as {@code snapshot} sees it, a deleted file's last record too; empty if none. */
  public Optional<FileRecord> file(long fileId, long snapshot) {
    return read(
        () ->
            versions
                .findFirstByFileIdAndRevLessThanEqualOrderByRevDesc(fileId, snapshot)
                .map(Catalogue::record));
  }

  /** Files alive at {@code snapshot} with an id above {@code afterId}, by id. */
  public List<FileRecord> files(long snapshot, long afterId, int limit) {
    // keyset on (fileId, rev): one version per file qualifies, so the rev key never decides
    ScrollPosition after =
        afterId <= 0
            ? ScrollPosition.keyset()
            : ScrollPosition.forward(Map.of("fileId", afterId, "rev", Long.MAX_VALUE));
    return read(
        () ->
            versions
                .findBy(
                    FileVersionRepository.aliveAt(snapshot),
                    q -> q.sortBy(Sort.by("fileId")).limit(limit).scroll(after))
                .map(Catalogue::record)
                .getContent());
  }

  /** Changes of a file visible at {@code snapshot}, below {@code beforeRevision}, newest first. */
  public List<RevisionRecord> revisions(
      long fileId, long snapshot, long beforeRevision, int limit) {
    // keyset on (rev desc, fileId): the file is fixed, so it is the revision's position
    ScrollPosition before =
        beforeRevision == Long.MAX_VALUE
            ? ScrollPosition.keyset()
            : ScrollPosition.forward(Map.of("rev", beforeRevision, "fileId", fileId));
    return read(
        () ->
            versions
                .findByFileIdAndRevLessThanEqualOrderByRevDesc(
                    fileId, snapshot, before, Limit.of(limit))
                .map(v -> new RevisionRecord(v.rev(), v.revision().committedAt(), v.changes()))
                .getContent());
  }

  /** The newest revision committed at or before {@code time}, or -1. */
  public long revisionAtOrBefore(Instant time) {
    return read(() -> revisions.newestAtOrBefore(time));
  }

  /**
   * The time of revision {@code rev} if the commit with {@code token} made it: whether a commit
   * whose answer was lost landed. It runs on connection {@code c}, inside its transaction: the
   * commit writer asks right after it made sure the commit's own transaction is over, on a
   * connection of its own rather than the pool's.
   */
  public Optional<Instant> committed(Connection c, long rev, long token) {
    try (StatelessSession s =
        sessions.withStatelessOptions().connection(c).openStatelessSession()) {
      return s.createSelectionQuery(
              "select r.committedAt from Revision r where r.rev = :rev and r.token = :token",
              Instant.class)
          .setParameter("rev", rev)
          .setParameter("token", token)
          .uniqueResultOptional();
    } catch (PersistenceException e) {
      throw DatabaseErrors.translate("reading", e);
    }
  }

  /** The oldest revision that can still be read. */
  public long oldestRetainedRevision() {
    return read(history::oldestRetainedRevision);
  }

  // ---------------------------------------------------------------- snapshot pins

  /**
   * Records the oldest snapshot {@code replica} reads ({@link Long#MAX_VALUE}: none), stamped with
   * this process's clock.
   */
  public void publishPin(String replica, long oldestSnapshot) {
    read(
        () ->
            pinTransactions.execute(
                s -> {
                  if (oldestSnapshot == Long.MAX_VALUE) {
                    pins.deleteById(replica);
                  } else {
                    pins.save(new SnapshotPin(replica, oldestSnapshot, Instant.now()));
                  }
                  return null;
                }));
  }

  /** The oldest snapshot any replica published within {@code lease}, or {@link Long#MAX_VALUE}. */
  public long oldestPin(Duration lease) {
    Long oldest = read(() -> pins.oldestSince(Instant.now().minus(lease)));
    return oldest == null ? Long.MAX_VALUE : oldest;
  }

  // ---------------------------------------------------------------- idempotency keys

  /** The stored record of an idempotency key, expired or not. */
  public Optional<IdempotencyRecord> idempotencyRecord(String principal, String key) {
    return read(
        () -> keys.findById(new StoredIdempotencyKey.Key(principal, key)).map(Catalogue::record));
  }

  /** Deletes the idempotency keys that expired before {@code now}; returns how many. */
  public int forgetExpiredIdempotencyKeys(Instant now) {
    Integer n = read(() -> pinTransactions.execute(s -> keys.deleteExpired(now)));
    return n == null ? 0 : n;
  }

  // ---------------------------------------------------------------- the commit's rows

  /**
   * Writes a commit's catalogue rows on its connection {@code c}, inside its transaction: the
   * revision row (whose insert notifies listeners of the new head, and whose time the database
   * stamps), the rows of created files, one version row per file and the idempotency key the commit
   * takes, if any.
   *
   * @param claim the idempotency key to store with the commit, or null
   * @return the revision's commit time
   * @throws KeyTakenException if the claim's key is stored already (the transaction must roll back)
   */
  public Instant writeCommit(
      Connection c, long rev, long token, List<FileChange> files, IdempotencyClaim claim) {
    try (StatelessSession s =
        sessions.withStatelessOptions().connection(c).openStatelessSession()) {
      Revision revision = new Revision(rev, token);
      s.insert(revision);
      List<StoredFile> created = new ArrayList<>();
      List<FileVersion> changed = new ArrayList<>(files.size());
      for (FileChange f : files) {
        if (f.created()) {
          created.add(new StoredFile(f.fileId(), f.blockSize(), rev));
        }
        changed.add(
            new FileVersion(
                f.fileId(),
                rev,
                f.name(),
                f.contentType(),
                f.size(),
                (short) f.format().code(),
                f.deleted(),
                (short) Change.mask(f.changes())));
      }
      if (!created.isEmpty()) {
        s.insertMultiple(created);
      }
      s.insertMultiple(changed);
      if (claim != null) {
        insertKey(s, claim, rev);
      }
      return revision.committedAt();
    }
  }

  /**
   * Stores an idempotency key on the connection {@code c} of a commit that changed nothing, inside
   * its transaction: the answer is the file as {@code snapshot} sees it.
   *
   * @throws KeyTakenException if the claim's key is stored already (the transaction must roll back)
   */
  public void writeKey(Connection c, long snapshot, IdempotencyClaim claim) {
    try (StatelessSession s =
        sessions.withStatelessOptions().connection(c).openStatelessSession()) {
      insertKey(s, claim, snapshot);
    }
  }

  /**
   * Inserts the key with a copy of its answer: the claim's file as {@code rev} sees it (this
   * transaction's own version of it included).
   */
  private static void insertKey(StatelessSession s, IdempotencyClaim claim, long rev) {
    FileVersion answer =
        s.createSelectionQuery(
                "from FileVersion v join fetch v.file f join fetch f.created join fetch v.revision"
                    + " where v.fileId = :file and v.rev <= :rev order by v.rev desc",
                FileVersion.class)
            .setParameter("file", claim.fileId())
            .setParameter("rev", rev)
            .setMaxResults(1)
            .getSingleResult();
    try {
      s.insert(
          new StoredIdempotencyKey(
              claim.principal(),
              claim.key(),
              claim.fingerprint().get(),
              rev,
              answer,
              claim.expiresAt()));
    } catch (ConstraintViolationException e) {
      if (e.getKind() == ConstraintViolationException.ConstraintKind.UNIQUE) {
        throw new KeyTakenException(e);
      }
      throw e;
    }
  }

  private static FileRecord record(FileVersion v) {
    return new FileRecord(
        v.fileId(),
        v.file().blockSize(),
        v.name(),
        v.contentType(),
        v.size(),
        WriteFormat.ofCode(v.format()),
        v.deleted(),
        v.rev(),
        v.file().created().committedAt(),
        v.revision().committedAt());
  }

  private static IdempotencyRecord record(StoredIdempotencyKey k) {
    FileRecord answer =
        new FileRecord(
            k.fileId(),
            k.blockSize(),
            k.name(),
            k.contentType(),
            k.size(),
            WriteFormat.ofCode(k.format()),
            k.deleted(),
            k.fileRev(),
            k.fileCreatedAt(),
            k.fileModifiedAt());
    return new IdempotencyRecord(
        k.principal(), k.key(), k.fingerprint(), k.rev(), answer, k.createdAt(), k.expiresAt());
  }

  private static <T> T read(Supplier<T> query) {
    try {
      return query.get();
    } catch (DataAccessException | PersistenceException e) {
      throw DatabaseErrors.translate("reading", e);
    }
  }
}
