package io.bigfile.engine;

import static io.bigfile.support.FileBytes.copy;
import static io.bigfile.support.FileBytes.filled;
import static io.bigfile.support.FileBytes.read;
import static io.bigfile.support.FileBytes.readAll;
import static io.bigfile.support.FileBytes.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.block.InMemoryBlockStore;
import io.bigfile.file.DirtyBudgetExceededException;
import io.bigfile.file.FileContent;
import io.bigfile.file.FileId;
import io.bigfile.file.FileTooLargeException;
import io.bigfile.file.FileUpdate;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.NewFile;
import io.bigfile.file.PreconditionFailedException;
import io.bigfile.file.RequestContext;
import io.bigfile.file.RevisionNotRetainedException;
import io.bigfile.file.StorageUnavailableException;
import io.bigfile.file.TransactionConflictException;
import io.bigfile.file.TransactionInfo;
import io.bigfile.file.TransactionNotOpenException;
import io.bigfile.file.TransactionState;
import io.bigfile.file.UnknownFileException;
import io.bigfile.file.WriteFormat;
import io.bigfile.pagecache.DirtyBudget;
import io.bigfile.pagecache.PageCache;
import io.bigfile.support.MutableClock;
import io.bigfile.support.Stores;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine's rules, on the in-memory store with a clock moved by hand. */
class EngineTests {

  private static final int BS = 4096;

  private final MutableClock clock = new MutableClock();
  private InMemoryBlockStore store;
  private DirtyBudget budget;
  private Engine engine;

  @BeforeEach
  void setUp() {
    store = new InMemoryBlockStore(clock);
    budget = new DirtyBudget(64 * BS, 16 * BS);
    EngineSettings s =
        new EngineSettings(
            BS,
            WriteFormat.AUTO,
            1 << 20,
            Duration.ofMinutes(5),
            Duration.ofMinutes(10),
            64 * BS,
            Duration.ofHours(1),
            Duration.ofMinutes(3),
            50_000,
            500_000,
            100_000,
            Duration.ofHours(24));
    engine = new Engine(store, new PageCache(1 << 20), budget, s, clock, n -> {}, Stores.PREFETCH);
  }

  private FileId newFile() {
    return engine.create(RequestContext.AUTOCOMMIT, new NewFile("f", BS, WriteFormat.AUTO)).id();
  }

  private static RequestContext in(String txn) {
    return new RequestContext.InTransaction(txn);
  }

  /**
   * A small read of an uncached block fetches only its bytes; the block's second small read loads
   * it whole into the cache, and later reads of it ask the store nothing: not the file record, not
   * the block index, not the block, until a commit makes a new snapshot.
   */
  @Test
  void smallReadsFetchTheirRangeFirstAndHotBlocksAreCachedWhole() {
    FileId f = newFile();
    byte[] data = new byte[4 * BS];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    write(engine, RequestContext.AUTOCOMMIT, f, 0, data);
    engine.clearCaches();
    int loads = store.calls("load");
    assertThat(read(engine, RequestContext.AUTOCOMMIT, f, BS + 100, 512))
        .isEqualTo(Arrays.copyOfRange(data, BS + 100, BS + 612));
    assertThat(store.calls("loadRange")).isEqualTo(1);
    assertThat(store.calls("load")).isEqualTo(loads);
    assertThat(read(engine, RequestContext.AUTOCOMMIT, f, BS + 1000, 100))
        .isEqualTo(Arrays.copyOfRange(data, BS + 1000, BS + 1100));
    assertThat(store.calls("loadRange")).as("the second read loads the block").isEqualTo(1);
    assertThat(store.calls("load")).isEqualTo(loads + 1);
    int files = store.calls("file");
    int index = store.calls("blocks");
    for (int i = 0; i < 10; i++) {
      assertThat(read(engine, RequestContext.AUTOCOMMIT, f, BS + 10 * i, 10))
          .isEqualTo(Arrays.copyOfRange(data, BS + 10 * i, BS + 10 * i + 10));
    }
    assertThat(store.calls("load")).isEqualTo(loads + 1);
    assertThat(store.calls("loadRange")).isEqualTo(1);
    assertThat(store.calls("file")).as("file records of the snapshot are cached").isEqualTo(files);
    assertThat(store.calls("blocks")).as("the index of the snapshot is cached").isEqualTo(index);
    // a commit makes a new snapshot: its reads see the new bytes
    write(engine, RequestContext.AUTOCOMMIT, f, BS + 10, filled(5, 9));
    assertThat(read(engine, RequestContext.AUTOCOMMIT, f, BS + 8, 9))
        .containsExactly(data[BS + 8], data[BS + 9], 9, 9, 9, 9, 9, data[BS + 15], data[BS + 16]);
  }

  /**
   * A replica that has not heard of another's commit yet still serves {@code at=} that commit's
   * revision: a revision past the head it knows is checked against the database before it is
   * refused.
   */
  @Test
  void atARevisionNotYetAnnouncedReadsIt() {
    FileId f = newFile();
    store.freezeHead(true);
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(10, 4));
    long rev = store.freshHeadRevision();
    assertThat(store.headRevision()).isLessThan(rev);
    assertThat(readAll(engine, new RequestContext.AtRevision(rev), f))
        .containsExactly(filled(10, 4));
    assertThatThrownBy(() -> readAll(engine, new RequestContext.AtRevision(rev + 1), f))
        .isInstanceOf(InvalidRequestException.class);
    store.freezeHead(false);
  }

  /**
   * A replica that has not heard of another's commit yet (the client committed through another
   * replica a moment ago) writes and begins after it: an autocommit write, and a transaction's
   * first write of the same block, do not conflict with the commit the client already saw.
   */
  @Test
  void writesAndBeginsStartAfterCommitsNotYetAnnounced() {
    FileId f = newFile();
    store.freezeHead(true);
    try {
      write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(10, 4));
      write(engine, RequestContext.AUTOCOMMIT, f, 5, filled(10, 5));
      String t = engine.begin().id();
      assertThat(engine.transaction(t).snapshotRevision()).isEqualTo(store.freshHeadRevision());
      write(engine, new RequestContext.InTransaction(t), f, 2, filled(2, 6));
      engine.commit(t);
      assertThat(readAll(engine, new RequestContext.AtRevision(store.freshHeadRevision()), f))
          .containsExactly(4, 4, 6, 6, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5);
    } finally {
      store.freezeHead(false);
    }
  }

  @Test
  void holesReadAsZerosAndReadsStopAtTheSize() {
    FileId f = newFile();
    write(engine, RequestContext.AUTOCOMMIT, f, 3 * BS + 10, filled(5, 7));
    byte[] all = readAll(engine, RequestContext.AUTOCOMMIT, f);
    assertThat(all).hasSize(3 * BS + 15);
    assertThat(Arrays.copyOf(all, 3 * BS + 10)).containsOnly(0);
    assertThat(Arrays.copyOfRange(all, 3 * BS + 10, all.length)).containsOnly(7);
  }

  /**
   * A read inside a transaction takes its view of the transaction when it begins and streams
   * without the transaction's lock: a stalled reader keeps no other request of the transaction
   * waiting, and what the transaction writes meanwhile does not tear what the reader sends.
   */
  @Test
  void aReadInATransactionHoldsNoLockWhileItStreamsAndSeesTheTransactionAsItBegan()
      throws Exception {
    FileId f = newFile();
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(4 * BS, 1));
    String t = engine.begin().id();
    write(engine, in(t), f, 0, filled(2 * BS, 2));
    java.util.concurrent.ExecutorService other =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try (FileContent reading = engine.open(in(t), f)) {
      // another request of the same transaction, on another thread, while the read has not
      // sent a byte: it must not wait for the reader
      other
          .submit(
              () -> {
                write(engine, in(t), f, 0, filled(4 * BS, 3));
                return engine.commit(t);
              })
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
      byte[] expected = filled(4 * BS, 1);
      java.util.Arrays.fill(expected, 0, 2 * BS, (byte) 2);
      assertThat(copy(reading, 0, 4 * BS)).isEqualTo(expected);
    } finally {
      other.shutdownNow();
    }
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(filled(4 * BS, 3));
  }

  @Test
  void aFailedRequestLeavesItsTransactionExactlyAsItWas() {
    FileId f = newFile();
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(3 * BS, 1));
    String t = engine.begin().id();
    write(engine, in(t), f, 100, filled(BS, 2));
    TransactionInfo before = engine.transaction(t);
    byte[] seen = readAll(engine, in(t), f);

    // a body shorter than declared, overwriting a dirty page and creating new ones
    assertThatThrownBy(
            () ->
                engine.write(
                    in(t), f, 50, 3 * BS, new ByteArrayInputStream(filled(2 * BS, 3)), null, null))
        .isInstanceOf(InvalidRequestException.class);
    // a replace that fails after dropping everything
    assertThatThrownBy(
            () -> engine.replace(in(t), f, 10 * BS, new ByteArrayInputStream(filled(5, 4)), null))
        .isInstanceOf(InvalidRequestException.class);
    // a truncation that would need more budget than the transaction has is refused whole
    assertThat(readAll(engine, in(t), f)).isEqualTo(seen);
    TransactionInfo after = engine.transaction(t);
    assertThat(after.dirtyBytes()).isEqualTo(before.dirtyBytes());
    assertThat(after.filesTouched()).isEqualTo(before.filesTouched());
    assertThat(budget.used()).isEqualTo(before.dirtyBytes());
    engine.commit(t);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(seen);
  }

  @Test
  void writesOverTheDirtyBudgetAreRefusedAndChangeNothing() {
    FileId f = newFile();
    String t = engine.begin().id();
    write(engine, in(t), f, 0, filled(10 * BS, 1));
    assertThatThrownBy(() -> write(engine, in(t), f, 10 * BS, filled(7 * BS, 2)))
        .isInstanceOf(DirtyBudgetExceededException.class);
    assertThat(engine.transaction(t).dirtyBytes()).isEqualTo(10 * BS);
    assertThat(readAll(engine, in(t), f)).hasSize(10 * BS).containsOnly(1);
    // the server-wide budget counts every transaction
    FileId g = newFile();
    FileId h = newFile();
    String u = engine.begin().id();
    write(engine, in(u), g, 0, filled(16 * BS, 1));
    String v = engine.begin().id();
    write(engine, in(v), h, 0, filled(16 * BS, 1));
    String x = engine.begin().id();
    write(engine, in(x), g, 16 * BS, filled(16 * BS, 1));
    String w = engine.begin().id();
    assertThatThrownBy(() -> write(engine, in(w), h, 0, filled(16 * BS, 1)))
        .isInstanceOf(DirtyBudgetExceededException.class)
        .hasMessageContaining("server");
    engine.abort(u);
    write(engine, in(w), h, 0, filled(16 * BS, 1));
    // an autocommit patch is staged like a transaction, so the per-transaction budget limits it
    boolean[] given = {false};
    io.bigfile.file.RangeParts big =
        () -> {
          if (given[0]) {
            return null;
          }
          given[0] = true;
          return new io.bigfile.file.RangePart(
              0, 17 * BS, null, new ByteArrayInputStream(filled(17 * BS, 6)));
        };
    engine.abort(x);
    assertThatThrownBy(() -> engine.patch(RequestContext.AUTOCOMMIT, f, big, null))
        .isInstanceOf(DirtyBudgetExceededException.class)
        .hasMessageContaining("transaction");
    // autocommit writes stream to the store and are not limited by the budget
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(40 * BS, 5));
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).hasSize(40 * BS);
  }

  @Test
  void writesPastTheMaximumSizeAreRefused() {
    FileId f = newFile();
    assertThatThrownBy(
            () -> write(engine, RequestContext.AUTOCOMMIT, f, (1 << 20) - 2, filled(5, 1)))
        .isInstanceOf(FileTooLargeException.class);
    assertThatThrownBy(
            () ->
                engine.append(
                    RequestContext.AUTOCOMMIT,
                    f,
                    -1,
                    new ByteArrayInputStream(new byte[(1 << 20) + 1]),
                    null))
        .isInstanceOf(FileTooLargeException.class);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEmpty();
  }

  @Test
  void aCommitThatFailsInTheStoreLeavesTheTransactionOpenForARetry() {
    FileId f = newFile();
    String t = engine.begin().id();
    write(engine, in(t), f, 0, filled(BS, 9));
    store.failNextCommits(1);
    assertThatThrownBy(() -> engine.commit(t)).isInstanceOf(StorageUnavailableException.class);
    assertThat(engine.transaction(t).state()).isEqualTo(TransactionState.OPEN);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEmpty();
    TransactionInfo done = engine.commit(t);
    assertThat(done.state()).isEqualTo(TransactionState.COMMITTED);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).containsOnly(9).hasSize(BS);
    assertThat(budget.used()).isZero();
  }

  /**
   * A small change of a block is encoded against the version the transaction saw; that version is
   * read before the store's commit starts, never from inside it (where PostgreSQL's commit may
   * already hold the head lock).
   */
  @Test
  void aCommitReadsThePreviousVersionsItEncodesAgainstBeforeTheStoreCommits() {
    FileId f = newFile();
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(BS, 7));
    String t = engine.begin().id();
    write(engine, in(t), f, 100, filled(10, 8));
    engine.clearCaches();
    int loads = store.calls("load");
    engine.commit(t);
    assertThat(store.calls("load")).as("the previous version was read").isGreaterThan(loads);
    assertThat(store.calls("loadDuringCommit")).isZero();
    byte[] expected = filled(BS, 7);
    java.util.Arrays.fill(expected, 100, 110, (byte) 8);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(expected);
  }

  @Test
  void aConflictAbortsTheLoserAndKeepsTheWinner() {
    FileId f = newFile();
    String a = engine.begin().id();
    String b = engine.begin().id();
    write(engine, in(a), f, 0, filled(10, 1));
    write(engine, in(b), f, 5, filled(10, 2));
    engine.commit(a);
    assertThatThrownBy(() -> engine.commit(b))
        .isInstanceOf(TransactionConflictException.class)
        .satisfies(
            e -> {
              var c = ((TransactionConflictException) e).conflicts().get(0);
              assertThat(c.file()).isEqualTo(f);
              assertThat(c.blocks()).containsExactly(0L);
            });
    assertThat(engine.transaction(b).state()).isEqualTo(TransactionState.ABORTED);
    assertThatThrownBy(() -> write(engine, in(b), f, 0, filled(1, 1)))
        .isInstanceOf(TransactionNotOpenException.class);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).containsOnly(1);
    // read your commits: a transaction begun after a commit sees it
    String c = engine.begin().id();
    assertThat(readAll(engine, in(c), f)).containsOnly(1);
  }

  /**
   * The media type is an attribute like the name: set at creation, changed and removed by an
   * update, seen inside the transaction that changed it, and first committer wins between two
   * transactions that both change it, while a change of another attribute merges with it.
   */
  @Test
  void concurrentContentTypeChangesConflictAndOtherChangesMerge() {
    FileId f =
        engine
            .create(
                RequestContext.AUTOCOMMIT,
                new NewFile("clip.mp4", BS, WriteFormat.AUTO, "video/mp4"))
            .id();
    assertThat(engine.stat(RequestContext.AUTOCOMMIT, f).contentType()).isEqualTo("video/mp4");
    String a = engine.begin().id();
    String b = engine.begin().id();
    String c = engine.begin().id();
    engine.update(in(a), f, new FileUpdate(null, null, null, "video/webm"), null);
    engine.update(in(b), f, new FileUpdate(null, null, null, "application/mp4"), null);
    engine.update(in(c), f, new FileUpdate(null, null, "clip-2.mp4"), null);
    assertThat(engine.stat(in(a), f).contentType()).isEqualTo("video/webm");
    assertThat(engine.stat(in(b), f).contentType()).isEqualTo("application/mp4");
    engine.commit(a);
    assertThatThrownBy(() -> engine.commit(b))
        .isInstanceOfSatisfying(
            TransactionConflictException.class,
            e ->
                assertThat(e.conflicts())
                    .singleElement()
                    .satisfies(x -> assertThat(x.what()).containsExactly("contentType")));
    engine.commit(c);
    var now = engine.stat(RequestContext.AUTOCOMMIT, f);
    assertThat(now.contentType()).as("the rename kept the winner's type").isEqualTo("video/webm");
    assertThat(now.name()).isEqualTo("clip-2.mp4");
    assertThat(engine.revisions(RequestContext.AUTOCOMMIT, f, null, 10).items())
        .extracting(r -> r.changes())
        .containsExactly(
            java.util.List.of("name"),
            java.util.List.of("contentType"),
            java.util.List.of("created"));

    engine.update(
        RequestContext.AUTOCOMMIT,
        f,
        new FileUpdate(null, null, null, FileUpdate.NO_CONTENT_TYPE),
        null);
    assertThat(engine.stat(RequestContext.AUTOCOMMIT, f).contentType()).isNull();
    assertThatThrownBy(
            () ->
                engine.update(
                    RequestContext.AUTOCOMMIT, f, new FileUpdate(null, null, null, "video"), null))
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void aStalePreconditionChangesNothing() {
    FileId f = newFile();
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(10, 1));
    assertThatThrownBy(
            () ->
                engine.write(
                    RequestContext.AUTOCOMMIT,
                    f,
                    0,
                    3,
                    new ByteArrayInputStream(filled(3, 2)),
                    null,
                    info -> false))
        .isInstanceOf(PreconditionFailedException.class);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).containsOnly(1);
  }

  @Test
  void idleTransactionsExpireAndFreeTheirMemory() {
    FileId f = newFile();
    String t = engine.begin().id();
    write(engine, in(t), f, 0, filled(3 * BS, 1));
    assertThat(budget.used()).isEqualTo(3 * BS);
    clock.advance(Duration.ofMinutes(4));
    assertThat(engine.expireIdleTransactions()).isZero();
    clock.advance(Duration.ofMinutes(2));
    assertThat(engine.expireIdleTransactions()).isEqualTo(1);
    assertThat(engine.transaction(t).state()).isEqualTo(TransactionState.ABORTED);
    assertThat(engine.transaction(t).reason()).contains("idle");
    assertThat(budget.used()).isZero();
  }

  @Test
  void historyOlderThanTheRetentionIsPackedAndAnswersGone() {
    FileId f = newFile();
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(10, 1));
    long old = engine.headRevision();
    clock.advance(Duration.ofMinutes(90));
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(10, 2));
    long recent = engine.headRevision();
    // an open transaction pins its snapshot
    String t = engine.begin().id();
    clock.advance(Duration.ofMinutes(61));
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(10, 3));
    long horizon = engine.pack();
    assertThat(horizon).isEqualTo(recent);
    assertThat(readAll(engine, in(t), f)).containsOnly(2);
    assertThatThrownBy(() -> readAll(engine, new RequestContext.AtRevision(old), f))
        .isInstanceOf(RevisionNotRetainedException.class);
    assertThat(readAll(engine, new RequestContext.AtRevision(recent), f)).containsOnly(2);
    engine.abort(t);
    assertThat(engine.pack()).as("nothing new is older than the retention").isEqualTo(-1);
    clock.advance(Duration.ofMinutes(61));
    assertThat(engine.pack()).isEqualTo(engine.headRevision());
    assertThatThrownBy(() -> readAll(engine, new RequestContext.AtRevision(recent), f))
        .isInstanceOf(RevisionNotRetainedException.class);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).containsOnly(3);
  }

  @Test
  void truncateAndExtendReadZerosAndDeletedFilesAreGone() {
    FileId f = newFile();
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(3 * BS, 1));
    engine.update(RequestContext.AUTOCOMMIT, f, new FileUpdate(BS + 1L, null, null), null);
    engine.update(RequestContext.AUTOCOMMIT, f, new FileUpdate(3L * BS, null, "renamed"), null);
    byte[] all = readAll(engine, RequestContext.AUTOCOMMIT, f);
    assertThat(Arrays.copyOf(all, BS + 1)).containsOnly(1);
    assertThat(Arrays.copyOfRange(all, BS + 1, 3 * BS)).containsOnly(0);
    assertThat(engine.stat(RequestContext.AUTOCOMMIT, f).name()).isEqualTo("renamed");
    long before = engine.headRevision();
    engine.delete(RequestContext.AUTOCOMMIT, f, null);
    assertThatThrownBy(() -> engine.stat(RequestContext.AUTOCOMMIT, f))
        .isInstanceOf(UnknownFileException.class);
    assertThat(readAll(engine, new RequestContext.AtRevision(before), f)).hasSize(3 * BS);
  }

  @Test
  void shutdownAbortsOpenTransactions() {
    FileId f = newFile();
    String t = engine.begin().id();
    write(engine, in(t), f, 0, filled(10, 1));
    engine.close();
    assertThat(engine.transaction(t).state()).isEqualTo(TransactionState.ABORTED);
    assertThat(budget.used()).isZero();
  }

  @Test
  void aChunkedFileWritesOnlyChangedChunks() {
    FileId f =
        engine
            .create(RequestContext.AUTOCOMMIT, new NewFile("c", 16 * BS, WriteFormat.CHUNKED))
            .id();
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(16 * BS, 1));
    write(engine, RequestContext.AUTOCOMMIT, f, 5 * BS + 3, filled(1, 2));
    byte[] all = readAll(engine, RequestContext.AUTOCOMMIT, f);
    assertThat(all[5 * BS + 3]).isEqualTo((byte) 2);
    assertThat(all[5 * BS + 4]).isEqualTo((byte) 1);
    engine.update(
        RequestContext.AUTOCOMMIT, f, new FileUpdate(null, WriteFormat.WHOLE, null), null);
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(1, 3));
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)[0]).isEqualTo((byte) 3);
    assertThat(Stores.settings().defaultBlockSize()).isEqualTo(BS);
  }
}
