package io.bigfile.engine;

import io.bigfile.block.BlockStore;
import io.bigfile.block.IdempotencyRecord;
import io.bigfile.file.BigFiles;
import io.bigfile.file.CommitOutcomeUnknownException;
import io.bigfile.file.DataRanges;
import io.bigfile.file.FileContent;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.FileUpdate;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.NewFile;
import io.bigfile.file.Page;
import io.bigfile.file.Precondition;
import io.bigfile.file.RangeParts;
import io.bigfile.file.RequestContext;
import io.bigfile.file.RevisionInfo;
import io.bigfile.file.TransactionInfo;
import io.bigfile.file.TransactionNotOpenException;
import io.bigfile.file.TransactionState;
import io.bigfile.pagecache.DirtyBudget;
import io.bigfile.pagecache.PageCache;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The one implementation of {@link BigFiles}: a façade that enters each request's transaction and
 * routes it to the class that does the work. See {@code package-info.java} for the design.
 *
 * <p>Thread-safe. Requests of one transaction serialise on its lock; requests of different
 * transactions and autocommit requests run in parallel. A request that fails leaves its transaction
 * exactly as it was (changes go through a savepoint). A commit that fails for any reason other than
 * a conflict leaves the transaction open with its dirty pages, so it can be retried or aborted; a
 * conflict aborts it. A commit whose answer the database lost leaves its transaction COMMITTING
 * until the database says whether it landed ({@link #settleCommits}); an autocommit write may carry
 * an idempotency key, so that its retry applies nothing twice ({@code IdempotentRequests}).
 */
public final class Engine implements BigFiles, AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Engine.class.getName());

  private final CachedIndexStore store;
  private final PageCache cache;
  private final DirtyBudget budget;
  private final EngineSettings settings;
  private final Clock clock;
  private final Executor prefetcher;
  private final EngineStats stats = new EngineStats();
  private final PartialReads partials;
  private final BlockVersions versions;
  private final Transactions transactions;
  private final FileViews views;
  private final Staging staging;
  private final Committer committer;
  private final Uploads uploads;
  private final Retention retention;
  private final IdempotentRequests keys;

  /**
   * @param commitTimer receives the duration of every commit that made a revision, in nanoseconds
   * @param prefetcher loads blocks ahead of sequential reads; may run a task in the caller when it
   *     is saturated
   */
  public Engine(
      BlockStore store,
      PageCache cache,
      DirtyBudget budget,
      EngineSettings settings,
      Clock clock,
      LongConsumer commitTimer,
      Executor prefetcher) {
    this(store, cache, budget, settings, clock, commitTimer, prefetcher, "");
  }

  /**
   * @param transactionIdPrefix begins every transaction id this engine hands out: the replica that
   *     owns the transaction (see {@code io.bigfile.replica}); empty for a single engine
   */
  public Engine(
      BlockStore store,
      PageCache cache,
      DirtyBudget budget,
      EngineSettings settings,
      Clock clock,
      LongConsumer commitTimer,
      Executor prefetcher,
      String transactionIdPrefix) {
    this.store = new CachedIndexStore(store, settings.maxFileRecords(), settings.maxIndexEntries());
    this.cache = cache;
    this.budget = budget;
    this.settings = settings;
    this.clock = clock;
    this.prefetcher = prefetcher;
    this.partials = new PartialReads();
    this.versions = new BlockVersions(this.store, cache);
    this.transactions =
        new Transactions(
            this.store,
            budget,
            clock,
            settings.idleTimeout(),
            settings.finishedRetention(),
            settings.maxFinishedTransactions(),
            transactionIdPrefix);
    this.views = new FileViews(this.store);
    this.staging = new Staging(views, versions, stats, settings);
    BlockEncoding encoding = new BlockEncoding(versions);
    this.committer = new Committer(this.store, cache, encoding, transactions, stats, commitTimer);
    this.uploads = new Uploads(views, versions, encoding, committer, stats, settings.maxFileSize());
    this.retention =
        new Retention(
            this.store,
            transactions.pins(),
            transactions.newId(),
            clock,
            settings.retention(),
            settings.pinLease());
    this.keys = new IdempotentRequests(this.store, clock, settings.idempotencyRetention());
  }

  /**
   * Forgets every cached block, file record and block index entry: the next reads go to the store.
   */
  public void clearCaches() {
    cache.clear();
    cache.cleanUp();
    store.clear();
    partials.clear();
  }

  public EngineStats stats() {
    return stats;
  }

  public long dirtyBytes() {
    return budget.used();
  }

  public int openTransactionCount() {
    return transactions.openCount();
  }

  /** The oldest snapshot this process reads, or {@link Long#MAX_VALUE}. */
  public long oldestPinnedSnapshot() {
    return transactions.pins().oldest();
  }

  /** Aborts open transactions idle for longer than the idle timeout. */
  public int expireIdleTransactions() {
    return transactions.expireIdle();
  }

  /**
   * Settles the transactions whose commit's outcome is unknown, for those the database can tell
   * about now: each becomes COMMITTED at the revision the database holds, or ABORTED.
   *
   * @return how many are still unknown
   */
  public int settleCommits() {
    return transactions.settleAll();
  }

  /** Transactions whose commit's outcome is unknown until the database answers again. */
  public int unconfirmedCommitCount() {
    return transactions.unconfirmedCount();
  }

  /**
   * Forgets the idempotency keys whose retention ended.
   *
   * @return how many were forgotten
   */
  public int forgetExpiredIdempotencyKeys() {
    return keys.forgetExpired();
  }

  /**
   * Removes history older than the retention window, never what a pinned snapshot can see.
   *
   * @return the horizon used, or -1 when there was nothing to pack
   */
  public long pack() {
    return retention.pack();
  }

  /** Aborts every open transaction (at shutdown) and withdraws this replica's pin. */
  @Override
  public void close() {
    try {
      retention.withdrawPin();
    } catch (RuntimeException e) {
      // the pin's lease runs out by itself
      LOG.log(System.Logger.Level.WARNING, "could not withdraw the snapshot pin: " + e);
    }
    transactions.abortAll("the server shut down");
  }

  // ---------------------------------------------------------------- transactions

  @Override
  public TransactionInfo begin(String owner) {
    return transactions.begin(owner);
  }

  @Override
  public TransactionInfo transaction(String id, String owner) {
    return transactions.info(id, owner);
  }

  @Override
  public List<TransactionInfo> openTransactions() {
    return transactions.openInfos();
  }

  /**
   * {@inheritDoc}
   *
   * <p>A transaction whose commit's outcome was unknown is settled first, if the database can tell:
   * a commit that landed answers its revision again, one that did not is 409 (aborted), and one
   * that still cannot be told answers {@link CommitOutcomeUnknownException} again.
   */
  @Override
  public TransactionInfo commit(String id, String owner) {
    TransactionInfo settled = transactions.retriedCommit(id, owner);
    if (settled != null) {
      return switch (settled.state()) {
        case COMMITTED -> settled;
        case COMMITTING -> throw new CommitOutcomeUnknownException(id, null);
        default -> throw new TransactionNotOpenException(id, settled.state(), settled.reason());
      };
    }
    Transaction t = transactions.acquire(id, owner);
    try {
      committer.commit(t);
      return transactions.info(t);
    } finally {
      t.lock.unlock();
    }
  }

  @Override
  public TransactionInfo abort(String id, String owner) {
    Transaction t = transactions.acquire(id, owner);
    try {
      transactions.finish(t, TransactionState.ABORTED, "aborted by the client", null);
      return transactions.info(t);
    } finally {
      t.lock.unlock();
    }
  }

  @Override
  public long headRevision() {
    return store.headRevision();
  }

  // ---------------------------------------------------------------- reads

  @Override
  public FileInfo stat(RequestContext ctx, FileId id) {
    return read(ctx, t -> views.info(t, views.view(t, id.value())));
  }

  @Override
  public Page<FileInfo> list(RequestContext ctx, String cursor, int limit) {
    FileViews.checkLimit(limit);
    long afterId = FileViews.cursor(cursor, c -> FileId.parse(c).value(), 0);
    return read(ctx, t -> views.list(t, afterId, limit));
  }

  @Override
  public Page<RevisionInfo> revisions(RequestContext ctx, FileId id, String cursor, int limit) {
    FileViews.checkLimit(limit);
    long beforeRev = FileViews.cursor(cursor, Long::parseLong, Long.MAX_VALUE);
    return read(ctx, t -> views.revisions(t, id, beforeRev, limit));
  }

  @Override
  public DataRanges ranges(RequestContext ctx, FileId id, Long since, String cursor, int limit) {
    FileViews.checkLimit(limit);
    long from = FileViews.cursor(cursor, Long::parseLong, 0);
    if (from < 0) {
      throw new InvalidRequestException("malformed cursor '" + cursor + "'");
    }
    return read(ctx, t -> views.ranges(t, id, since, from, limit));
  }

  @Override
  public FileContent open(RequestContext ctx, FileId id) {
    Transactions.Entry e = transactions.enter(ctx, false);
    FileInfo info;
    long snapshot;
    TxnFile.ReadView overlay;
    try {
      Transaction t = e.transaction();
      FileViews.View v = views.view(t, id.value());
      info = views.info(t, v);
      snapshot = t.snapshot;
      overlay = v.file() == null ? null : v.file().readView();
    } catch (RuntimeException ex) {
      e.close();
      throw ex;
    }
    return new ContentReader(
        store,
        versions,
        stats,
        info,
        snapshot,
        overlay,
        settings.readAheadBytes(),
        prefetcher,
        partials,
        e.detach());
  }

  private <R> R read(RequestContext ctx, Function<Transaction, R> op) {
    try (Transactions.Entry e = transactions.enter(ctx, false)) {
      return op.apply(e.transaction());
    }
  }

  // ---------------------------------------------------------------- changes

  @Override
  public FileInfo create(RequestContext ctx, NewFile spec) {
    return keys.run(
        ctx,
        this::replay,
        claims -> {
          try (Transactions.Entry e = transactions.enter(ctx, true)) {
            return answer(e, staging.create(e.transaction(), spec, clock.instant()), claims);
          }
        });
  }

  @Override
  public FileInfo update(
      RequestContext ctx, FileId id, FileUpdate update, Precondition precondition) {
    if (update.isEmpty()) {
      throw new InvalidRequestException(
          "nothing to change: give size, format, name or contentType");
    }
    return change(
        ctx,
        id,
        precondition,
        (t, f, sp) -> {
          if (update.name() != null) {
            f.rename(update.name());
          }
          if (update.contentType() != null) {
            f.changeContentType(update.newContentType());
          }
          if (update.format() != null) {
            f.changeFormat(update.format());
          }
          if (update.size() != null) {
            staging.resize(t, f, update.size(), sp);
          }
        });
  }

  @Override
  public void delete(RequestContext ctx, FileId id, Precondition precondition) {
    keys.run(
        ctx,
        first -> Boolean.TRUE,
        claims -> {
          try (Transactions.Entry e = transactions.enter(ctx, true)) {
            staging.change(e.transaction(), id.value(), precondition, (f, sp) -> f.delete());
            if (e.autocommit()) {
              e.transaction().idempotency = claims.claim(id.value());
              committer.commit(e.transaction());
            }
          }
          return Boolean.TRUE;
        });
  }

  @Override
  public FileInfo write(
      RequestContext ctx,
      FileId id,
      long offset,
      long length,
      InputStream body,
      Long sizeAfter,
      Precondition precondition) {
    staging.checkWrite(offset, length, sizeAfter);
    return write(
        ctx, id, new BodyWrite(BodyWrite.Mode.AT, offset, length, body, sizeAfter), precondition);
  }

  @Override
  public FileInfo replace(
      RequestContext ctx, FileId id, long length, InputStream body, Precondition precondition) {
    if (length >= 0) {
      staging.checkMaxSize(length);
    }
    return write(
        ctx, id, new BodyWrite(BodyWrite.Mode.REPLACE, 0, length, body, null), precondition);
  }

  @Override
  public FileInfo append(
      RequestContext ctx, FileId id, long length, InputStream body, Precondition precondition) {
    return write(
        ctx, id, new BodyWrite(BodyWrite.Mode.APPEND, 0, length, body, null), precondition);
  }

  @Override
  public FileInfo patch(
      RequestContext ctx, FileId id, RangeParts parts, Precondition precondition) {
    return change(ctx, id, precondition, (t, f, sp) -> staging.patch(t, f, sp, parts));
  }

  /** An autocommit body streams into the database; in a transaction it is staged in pages. */
  private FileInfo write(
      RequestContext ctx, FileId id, BodyWrite write, Precondition precondition) {
    return keys.run(
        ctx,
        this::replay,
        claims -> {
          try (Transactions.Entry e = transactions.enter(ctx, true)) {
            Transaction t = e.transaction();
            if (e.autocommit()) {
              return uploads.upload(t, id, write, precondition, claims.claim(id.value()));
            }
            staging.change(
                t, id.value(), precondition, (f, sp) -> staging.writeBody(t, f, sp, write));
            return answer(e, id, claims);
          }
        });
  }

  /** A change of one file inside a transaction. */
  @FunctionalInterface
  private interface FileOp {
    void apply(Transaction t, TxnFile f, TxnFile.Savepoint sp);
  }

  /**
   * Runs one all-or-nothing change of a file in the request's transaction (committed at once for
   * autocommit) and returns the file as the request sees it afterwards.
   */
  private FileInfo change(RequestContext ctx, FileId id, Precondition precondition, FileOp op) {
    return keys.run(
        ctx,
        this::replay,
        claims -> {
          try (Transactions.Entry e = transactions.enter(ctx, true)) {
            Transaction t = e.transaction();
            staging.change(t, id.value(), precondition, (f, sp) -> op.apply(t, f, sp));
            return answer(e, id, claims);
          }
        });
  }

  /**
   * The file as a write's request sees it afterwards: in a transaction its local view; for
   * autocommit, after committing (and taking the request's idempotency key, if any), the record at
   * the new revision.
   */
  private FileInfo answer(Transactions.Entry e, FileId id, IdempotentRequests.Claims claims) {
    Transaction t = e.transaction();
    if (!e.autocommit()) {
      return views.info(t, views.view(t, id.value()));
    }
    t.idempotency = claims.claim(id.value());
    committer.commit(t);
    return views.committedInfo(id, t.revision);
  }

  /**
   * The answer of the request that used an idempotency key first: the file as that request's commit
   * left it (or as it read it, when it changed nothing), exactly what it answered.
   */
  private FileInfo replay(IdempotencyRecord first) {
    return FileViews.info(first.answer(), first.revision());
  }
}
