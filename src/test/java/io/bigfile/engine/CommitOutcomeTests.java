package io.bigfile.engine;

import static io.bigfile.support.FileBytes.filled;
import static io.bigfile.support.FileBytes.readAll;
import static io.bigfile.support.FileBytes.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.block.InMemoryBlockStore;
import io.bigfile.file.CommitOutcomeUnknownException;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.IdempotencyKey;
import io.bigfile.file.IdempotencyKeyInUseException;
import io.bigfile.file.IdempotencyKeyReusedException;
import io.bigfile.file.NewFile;
import io.bigfile.file.RequestContext;
import io.bigfile.file.TransactionInfo;
import io.bigfile.file.TransactionNotOpenException;
import io.bigfile.file.TransactionState;
import io.bigfile.file.UnknownTransactionException;
import io.bigfile.file.WriteFormat;
import io.bigfile.pagecache.DirtyBudget;
import io.bigfile.pagecache.PageCache;
import io.bigfile.support.MutableClock;
import io.bigfile.support.Stores;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Commits whose answer the database lost, and autocommit writes with an idempotency key, on the
 * in-memory store (which can lose a commit's answer, with or without the commit, and be unreachable
 * for a while) with a clock moved by hand.
 */
class CommitOutcomeTests {

  private static final int BS = 4096;
  private static final Duration RETENTION = Duration.ofHours(24);

  private final MutableClock clock = new MutableClock();
  private InMemoryBlockStore store;
  private Engine engine;

  @BeforeEach
  void setUp() {
    store = new InMemoryBlockStore(clock);
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
            RETENTION);
    engine =
        new Engine(
            store,
            new PageCache(1 << 20),
            new DirtyBudget(64 * BS, 16 * BS),
            s,
            clock,
            n -> {},
            Stores.PREFETCH);
  }

  private FileId newFile() {
    return engine.create(RequestContext.AUTOCOMMIT, new NewFile("f", BS, WriteFormat.AUTO)).id();
  }

  private static RequestContext in(String txn) {
    return new RequestContext.InTransaction(txn);
  }

  /** An autocommit context with a key whose fingerprint is {@code request}'s bytes. */
  private static RequestContext keyed(String principal, String key, String request) {
    byte[] fp = request.getBytes(StandardCharsets.UTF_8);
    return RequestContext.autocommit(
        RequestContext.NO_OWNER, new IdempotencyKey(principal, key, () -> fp.clone()));
  }

  private FileInfo append(RequestContext ctx, FileId f, byte[] data) {
    return engine.append(ctx, f, data.length, new ByteArrayInputStream(data), null);
  }

  // ---------------------------------------------------------------- unknown outcomes

  @Test
  void anAutocommitWriteWhoseAnswerWasLostSettlesAsCommittedOnceTheDatabaseAnswers() {
    FileId f = newFile();
    long head = engine.headRevision();
    store.reachable(false);
    store.loseNextAnswer(true);

    CommitOutcomeUnknownException e =
        catchUnknown(() -> append(RequestContext.AUTOCOMMIT, f, filled(100, 7)));

    TransactionInfo pending = engine.transaction(e.transactionId());
    assertThat(pending.state()).isEqualTo(TransactionState.COMMITTING);
    assertThat(pending.revision()).isNull();
    assertThat(pending.filesTouched()).containsExactly(f);
    assertThat(engine.settleCommits()).as("the database still cannot tell").isEqualTo(1);
    assertThat(engine.unconfirmedCommitCount()).isEqualTo(1);

    store.reachable(true);
    assertThat(engine.settleCommits()).isZero();
    TransactionInfo settled = engine.transaction(e.transactionId());
    assertThat(settled.state()).isEqualTo(TransactionState.COMMITTED);
    assertThat(settled.revision()).isEqualTo(head + 1);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(filled(100, 7));
    assertThat(engine.dirtyBytes()).isZero();
  }

  @Test
  void aTransactionWhoseCommitLandedAnswersItsRevisionToARetriedCommit() {
    FileId f = newFile();
    String t = engine.begin().id();
    write(engine, in(t), f, 0, filled(10, 1));
    store.reachable(false);
    store.loseNextAnswer(true);

    catchUnknown(() -> engine.commit(t));
    assertThat(engine.transaction(t).state()).isEqualTo(TransactionState.COMMITTING);
    assertThat(engine.dirtyBytes()).as("the pages are dropped either way").isZero();
    assertThat(engine.openTransactionCount()).isZero();
    // nothing is accepted meanwhile, and a retry while the database cannot tell says so again
    assertThatThrownBy(() -> write(engine, in(t), f, 0, filled(1, 2)))
        .isInstanceOf(TransactionNotOpenException.class);
    assertThatThrownBy(() -> engine.abort(t)).isInstanceOf(TransactionNotOpenException.class);
    catchUnknown(() -> engine.commit(t));

    store.reachable(true);
    TransactionInfo retried = engine.commit(t);
    assertThat(retried.state()).isEqualTo(TransactionState.COMMITTED);
    long rev = retried.revision();
    assertThat(engine.transaction(t).revision()).isEqualTo(rev);
    // settled once: a second retry, and a look-up, give the same answer
    assertThat(engine.commit(t).revision()).isEqualTo(rev);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(filled(10, 1));
  }

  @Test
  void aTransactionWhoseCommitNeverReachedTheDatabaseSettlesAsAborted() {
    FileId f = newFile();
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(10, 1));
    long head = engine.headRevision();
    String t = engine.begin().id();
    write(engine, in(t), f, 0, filled(10, 2));
    store.reachable(false);
    store.loseNextAnswer(false);

    catchUnknown(() -> engine.commit(t));
    assertThat(engine.transaction(t).state()).isEqualTo(TransactionState.COMMITTING);

    store.reachable(true);
    engine.settleCommits();
    TransactionInfo settled = engine.transaction(t);
    assertThat(settled.state()).isEqualTo(TransactionState.ABORTED);
    assertThat(settled.revision()).isNull();
    assertThatThrownBy(() -> engine.commit(t)).isInstanceOf(TransactionNotOpenException.class);
    assertThat(engine.headRevision()).isEqualTo(head);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(filled(10, 1));
    assertThat(engine.dirtyBytes()).isZero();
    // the next commit takes the revision the lost one would have had, and reads as itself
    write(engine, RequestContext.AUTOCOMMIT, f, 0, filled(10, 3));
    assertThat(engine.headRevision()).isEqualTo(head + 1);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(filled(10, 3));
  }

  /**
   * A transaction whose commit's outcome is unknown belongs to its owner like any other: an
   * autocommit write's to the principal that made it. Anyone else is told it does not exist.
   */
  @Test
  void anUnknownOutcomeIsItsOwnersOnly() {
    FileId f = newFile();
    store.reachable(false);
    store.loseNextAnswer(true);
    String w =
        catchUnknown(() -> append(RequestContext.autocommit("alice", null), f, filled(3, 1)))
            .transactionId();
    assertThat(engine.transaction(w, "alice").state()).isEqualTo(TransactionState.COMMITTING);
    assertThatThrownBy(() -> engine.transaction(w, "bob"))
        .isInstanceOf(UnknownTransactionException.class);

    String t = engine.begin("alice").id();
    write(engine, new RequestContext.InTransaction(t, "alice"), f, 0, filled(2, 2));
    store.loseNextAnswer(true);
    catchUnknown(() -> engine.commit(t, "alice"));
    assertThatThrownBy(() -> engine.commit(t, "bob"))
        .isInstanceOf(UnknownTransactionException.class);
    assertThatThrownBy(() -> engine.transaction(t, "bob"))
        .isInstanceOf(UnknownTransactionException.class);

    store.reachable(true);
    engine.settleCommits();
    assertThat(engine.transaction(w, "alice").state()).isEqualTo(TransactionState.COMMITTED);
    assertThat(engine.commit(t, "alice").state()).isEqualTo(TransactionState.COMMITTED);
    assertThatThrownBy(() -> engine.commit(t, "bob"))
        .isInstanceOf(UnknownTransactionException.class);
  }

  /** A retried commit does not wait for the background settling: it asks the database itself. */
  @Test
  void aRetriedCommitSettlesTheOutcomeItself() {
    FileId f = newFile();
    String t = engine.begin().id();
    write(engine, in(t), f, 0, filled(10, 1));
    store.loseNextAnswer(true);
    CommitOutcomeUnknownException e = catchUnknown(() -> engine.commit(t));
    assertThat(e.transactionId()).isEqualTo(t);
    assertThat(engine.commit(t).state()).isEqualTo(TransactionState.COMMITTED);
    assertThat(engine.unconfirmedCommitCount()).isZero();
  }

  // ---------------------------------------------------------------- idempotency keys

  @Test
  void aRetryWithTheSameKeyAndRequestAnswersTheFirstOutcomeAndAppliesNothing() {
    FileId f = newFile();
    RequestContext ctx = keyed("anonymous", "k1", "POST append xyz");
    FileInfo first = append(ctx, f, filled(5, 1));
    long head = engine.headRevision();

    FileInfo again = append(ctx, f, filled(5, 1));

    assertThat(again).isEqualTo(first);
    assertThat(engine.headRevision()).isEqualTo(head);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(filled(5, 1));
    assertThat(store.idempotencyKeyCount()).isEqualTo(1);
  }

  @Test
  void theSameKeyWithAnotherRequestIsRefusedAndChangesNothing() {
    FileId f = newFile();
    append(keyed("anonymous", "k1", "POST append 1"), f, filled(5, 1));
    long head = engine.headRevision();

    assertThatThrownBy(() -> append(keyed("anonymous", "k1", "POST append 2"), f, filled(5, 2)))
        .isInstanceOf(IdempotencyKeyReusedException.class);
    assertThat(engine.headRevision()).isEqualTo(head);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(filled(5, 1));
  }

  @Test
  void keysAreScopedPerPrincipal() {
    FileId f = newFile();
    append(keyed("alice", "k1", "POST append"), f, filled(5, 1));
    append(keyed("bob", "k1", "POST append"), f, filled(5, 1));
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).hasSize(10);
  }

  @Test
  void aRetryWhileTheFirstRequestRunsIsRefused() throws Exception {
    FileId f = newFile();
    RequestContext ctx = keyed("anonymous", "k1", "PUT");
    CountDownLatch reading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    InputStream slow =
        new InputStream() {
          private int left = 10;

          @Override
          public int read() throws IOException {
            if (left == 10) {
              reading.countDown();
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                throw new IOException(e);
              }
            }
            return left-- > 0 ? 3 : -1;
          }
        };
    CompletableFuture<FileInfo> first =
        CompletableFuture.supplyAsync(() -> engine.append(ctx, f, 10, slow, null));
    assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();

    assertThatThrownBy(() -> append(ctx, f, filled(10, 3)))
        .isInstanceOf(IdempotencyKeyInUseException.class);

    release.countDown();
    FileInfo done = first.get(30, TimeUnit.SECONDS);
    assertThat(append(ctx, f, filled(10, 3))).isEqualTo(done);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(filled(10, 3));
  }

  @Test
  void aKeyExpiresAfterTheRetentionAndMayBeUsedAgain() {
    FileId f = newFile();
    RequestContext ctx = keyed("anonymous", "k1", "POST append");
    append(ctx, f, filled(5, 1));
    clock.advance(RETENTION.minusSeconds(1));
    append(ctx, f, filled(5, 1));
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).hasSize(5);
    assertThat(engine.forgetExpiredIdempotencyKeys()).isZero();

    clock.advance(Duration.ofSeconds(1));
    append(ctx, f, filled(5, 1));
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f))
        .as("an expired key is a new request")
        .hasSize(10);
    clock.advance(RETENTION);
    assertThat(engine.forgetExpiredIdempotencyKeys()).isEqualTo(1);
    assertThat(store.idempotencyKeyCount()).isZero();
  }

  /**
   * The case keys are for: the first request landed but its answer was lost; the retry with its key
   * answers what the first one did, however long the database took to come back.
   */
  @Test
  void aRetryOfAWriteWhoseAnswerWasLostAnswersTheFirstOutcomeAndAppliesNothing() {
    FileId f = newFile();
    RequestContext ctx = keyed("anonymous", "k1", "POST append");
    long head = engine.headRevision();
    store.reachable(false);
    store.loseNextAnswer(true);
    catchUnknown(() -> append(ctx, f, filled(20, 9)));

    store.reachable(true);
    FileInfo retry = append(ctx, f, filled(20, 9));
    assertThat(retry.revision()).isEqualTo(head + 1);
    assertThat(retry.asOf()).isEqualTo(head + 1);
    assertThat(retry.size()).isEqualTo(20);
    assertThat(engine.headRevision()).isEqualTo(head + 1);
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(filled(20, 9));
  }

  /** A write whose commit never landed took no key: its retry applies it, once. */
  @Test
  void aRetryOfAWriteThatNeverLandedAppliesIt() {
    FileId f = newFile();
    RequestContext ctx = keyed("anonymous", "k1", "POST append");
    store.loseNextAnswer(false);
    catchUnknown(() -> append(ctx, f, filled(20, 9)));
    append(ctx, f, filled(20, 9));
    append(ctx, f, filled(20, 9));
    assertThat(readAll(engine, RequestContext.AUTOCOMMIT, f)).isEqualTo(filled(20, 9));
  }

  /** Keys work for every autocommit change, and a change that changed nothing keeps its key. */
  @Test
  void createsUpdatesAndDeletesTakeKeysToo() {
    RequestContext create = keyed("anonymous", "c", "POST /v1/files");
    FileInfo made = engine.create(create, new NewFile("n", BS, WriteFormat.AUTO));
    assertThat(engine.create(create, new NewFile("n", BS, WriteFormat.AUTO))).isEqualTo(made);
    assertThat(engine.list(RequestContext.AUTOCOMMIT, null, 10).items()).hasSize(1);

    RequestContext resize = keyed("anonymous", "r", "PATCH size 7");
    FileInfo resized =
        engine.update(resize, made.id(), new io.bigfile.file.FileUpdate(7L, null, null), null);
    write(engine, RequestContext.AUTOCOMMIT, made.id(), 0, filled(1, 5));
    assertThat(
            engine.update(resize, made.id(), new io.bigfile.file.FileUpdate(7L, null, null), null))
        .isEqualTo(resized);

    RequestContext delete = keyed("anonymous", "d", "DELETE");
    engine.delete(delete, made.id(), null);
    long head = engine.headRevision();
    engine.delete(delete, made.id(), null);
    assertThat(engine.headRevision()).isEqualTo(head);
  }

  private static CommitOutcomeUnknownException catchUnknown(Runnable r) {
    try {
      r.run();
    } catch (CommitOutcomeUnknownException e) {
      return e;
    }
    throw new AssertionError("expected the commit's outcome to be unknown");
  }
}
