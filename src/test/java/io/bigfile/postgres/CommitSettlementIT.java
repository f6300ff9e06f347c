package io.bigfile.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.block.BlockWrite;
import io.bigfile.block.Change;
import io.bigfile.block.Changeset;
import io.bigfile.block.ConflictException;
import io.bigfile.block.FileChange;
import io.bigfile.block.IdempotencyClaim;
import io.bigfile.block.IdempotencyKeyTakenException;
import io.bigfile.block.IdempotencyRecord;
import io.bigfile.block.PendingCommit;
import io.bigfile.block.Settlement;
import io.bigfile.file.WriteFormat;
import io.bigfile.format.EncodedBlock;
import io.bigfile.support.Stores;
import io.bigfile.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * How the PostgreSQL store settles a commit whose answer was lost, and how it stores idempotency
 * keys: from the database alone, and never both answers to one commit.
 */
class CommitSettlementIT {

  private static final int BS = 4096;
  private final PostgresBlockStore store = Stores.postgres();

  private static Connection connect() throws SQLException {
    TestDatabase.Coordinates db = TestDatabase.get();
    return DriverManager.getConnection(db.url(), db.username(), db.password());
  }

  /** The token the commit of {@code rev} wrote into its revision row. */
  private static long tokenOf(long rev) throws SQLException {
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement("SELECT token FROM revision WHERE rev = ?")) {
      ps.setLong(1, rev);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getLong(1);
      }
    }
  }

  private static FileChange created(long id) {
    return new FileChange(
        id,
        BS,
        "settled",
        null,
        BS,
        WriteFormat.WHOLE,
        false,
        EnumSet.of(Change.CREATED, Change.BLOCKS, Change.SIZE),
        Long.MAX_VALUE,
        false);
  }

  private long commitNewFile(long id, IdempotencyClaim claim) {
    byte[] page = new byte[BS];
    page[0] = 1;
    List<BlockWrite> blocks = List.of(new BlockWrite(id, 0, new EncodedBlock.Whole(page, 1), 0));
    try {
      return store
          .commit(
              new Changeset(
                  store.headRevision(),
                  blocks.iterator(),
                  () -> List.of(created(id)),
                  false,
                  BS,
                  claim))
          .orElseThrow()
          .revision();
    } catch (ConflictException e) {
      throw new AssertionError("a new file conflicts with nothing", e);
    }
  }

  @Test
  void aCommitThatLandedSettlesAsLandedAndAnyOtherTokenAsLost() throws Exception {
    long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    long rev = commitNewFile(id, null);
    long token = tokenOf(rev);

    Settlement landed = store.settle(new PendingCommit(rev, token));
    assertThat(landed.kind()).isEqualTo(Settlement.Kind.LANDED);
    assertThat(landed.outcome().revision()).isEqualTo(rev);
    // another commit that was to be this revision (and lost it) never landed
    assertThat(store.settle(new PendingCommit(rev, token + 1)).kind())
        .isEqualTo(Settlement.Kind.LOST);
    // nor did one that was to be the next revision, which nobody committed yet
    assertThat(store.settle(new PendingCommit(store.freshHeadRevision() + 1, 42)).kind())
        .isEqualTo(Settlement.Kind.LOST);
  }

  /**
   * While a transaction holds the head lock (a commit whose COMMIT may still arrive), nothing can
   * be said of a pending commit: it may be that one. Only once the lock is free is LOST final.
   */
  @Test
  void nothingIsSettledWhileTheHeadLockIsHeld() throws Exception {
    long next;
    try (Connection holder = connect()) {
      holder.setAutoCommit(false);
      try (Statement s = holder.createStatement();
          ResultSet rs = s.executeQuery("UPDATE head SET rev = rev + 1 RETURNING rev")) {
        rs.next();
        next = rs.getLong(1);
      }
      assertThat(store.settle(new PendingCommit(next, 7)).kind())
          .isEqualTo(Settlement.Kind.UNKNOWN);
      holder.rollback();
    }
    assertThat(store.settle(new PendingCommit(next, 7)).kind()).isEqualTo(Settlement.Kind.LOST);
  }

  /**
   * The key is stored by the commit, with a copy of its answer; a second commit with the same key
   * is refused whole (what the contract requires of any replica racing with another).
   */
  @Test
  void aKeyIsStoredByItsCommitAndRefusesASecondOne() {
    String key = UUID.randomUUID().toString();
    byte[] fingerprint = {1, 2, 3};
    Instant expires = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
    long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    long rev =
        commitNewFile(id, new IdempotencyClaim("anonymous", key, () -> fingerprint, id, expires));

    IdempotencyRecord stored = store.idempotencyRecord("anonymous", key).orElseThrow();
    assertThat(stored.fingerprint()).isEqualTo(fingerprint);
    assertThat(stored.revision()).isEqualTo(rev);
    assertThat(stored.expiresAt()).isEqualTo(expires);
    assertThat(stored.answer()).isEqualTo(store.file(id, rev).orElseThrow());
    assertThat(store.idempotencyRecord("someone-else", key)).isEmpty();

    long head = store.freshHeadRevision();
    long other = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    assertThatThrownBy(
            () ->
                commitNewFile(
                    other,
                    new IdempotencyClaim("anonymous", key, () -> new byte[] {9}, other, expires)))
        .isInstanceOfSatisfying(
            IdempotencyKeyTakenException.class,
            e -> assertThat(e.existing().revision()).isEqualTo(rev));
    assertThat(store.freshHeadRevision()).as("nothing of it committed").isEqualTo(head);
    assertThat(store.file(other, head)).isEmpty();

    // (other tests' keys on this database expire sooner, and are forgotten on the way)
    store.forgetExpiredIdempotencyKeys(expires.minusSeconds(1));
    assertThat(store.idempotencyRecord("anonymous", key)).as("not expired yet").isPresent();
    assertThat(store.forgetExpiredIdempotencyKeys(expires)).isPositive();
    assertThat(store.idempotencyRecord("anonymous", key)).isEmpty();
  }
}
