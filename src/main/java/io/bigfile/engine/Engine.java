package io.bigfile.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.bigfile.block.BlockRef;
import io.bigfile.block.BlockStore;
import io.bigfile.block.BlockWrite;
import io.bigfile.block.Change;
import io.bigfile.block.Changeset;
import io.bigfile.block.CommitOutcome;
import io.bigfile.block.ConflictException;
import io.bigfile.block.ConflictKind;
import io.bigfile.block.FileChange;
import io.bigfile.block.FileRecord;
import io.bigfile.block.RevisionRecord;
import io.bigfile.block.StoredConflict;
import io.bigfile.file.BigFiles;
import io.bigfile.file.DataRanges;
import io.bigfile.file.DirtyBudgetExceededException;
import io.bigfile.file.FileContent;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.FileTooLargeException;
import io.bigfile.file.FileUpdate;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.NewFile;
import io.bigfile.file.Page;
import io.bigfile.file.Precondition;
import io.bigfile.file.PreconditionFailedException;
import io.bigfile.file.RangePart;
import io.bigfile.file.RangeParts;
import io.bigfile.file.RequestContext;
import io.bigfile.file.RevisionInfo;
import io.bigfile.file.RevisionNotRetainedException;
import io.bigfile.file.TransactionConflictException;
import io.bigfile.file.TransactionInfo;
import io.bigfile.file.TransactionNotOpenException;
import io.bigfile.file.TransactionState;
import io.bigfile.file.UnknownFileException;
import io.bigfile.file.UnknownTransactionException;
import io.bigfile.file.WriteFormat;
import io.bigfile.format.BlockData;
import io.bigfile.format.BlockFormat;
import io.bigfile.format.Bytes;
import io.bigfile.format.EncodedBlock;
import io.bigfile.format.Encoders;
import io.bigfile.pagecache.BlockKey;
import io.bigfile.pagecache.DirtyBudget;
import io.bigfile.pagecache.DirtyPage;
import io.bigfile.pagecache.PageCache;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The one implementation of {@link BigFiles}. See {@code package-info.java} for the design.
 *
 * <p>Thread-safe. Requests of one transaction serialise on its lock; requests of different
 * transactions and autocommit requests run in parallel. A request that fails leaves its transaction
 * exactly as it was (changes go through a savepoint). A commit that fails for any reason other than
 * a conflict leaves the transaction open with its dirty pages, so it can be retried or aborted; a
 * conflict aborts it.
 */
public final class Engine implements BigFiles, AutoCloseable {

  private static final int INDEX_WINDOW = 64;
  private static final System.Logger LOG = System.getLogger(Engine.class.getName());

  private final CachedIndexStore store;
  private final PartialReads partials = new PartialReads(100_000, Duration.ofSeconds(30));
  private final PageCache cache;
  private final DirtyBudget budget;
  private final EngineSettings settings;
  private final Clock clock;
  private final LongConsumer commitTimer;

  /** Loads blocks ahead of sequential reads; may run a task in the caller when it is saturated. */
  private final java.util.concurrent.Executor prefetcher;

  private final EngineStats stats = new EngineStats();
  private final SnapshotPins pins = new SnapshotPins();
  private final ConcurrentHashMap<String, Transaction> open = new ConcurrentHashMap<>();
  private final Cache<String, TransactionInfo> finished;
  private final SecureRandom random = new SecureRandom();
  private final String replicaId = newTransactionId();

  public Engine(
      BlockStore store,
      PageCache cache,
      DirtyBudget budget,
      EngineSettings settings,
      Clock clock,
      LongConsumer commitTimer,
      java.util.concurrent.Executor prefetcher) {
    this.store = new CachedIndexStore(store, 50_000, 500_000);
    this.prefetcher = prefetcher;
    this.cache = cache;
    this.budget = budget;
    this.settings = settings;
    this.clock = clock;
    this.commitTimer = commitTimer;
    this.finished =
        Caffeine.newBuilder()
            .expireAfterWrite(settings.finishedRetention())
            .maximumSize(100_000)
            .build();
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
    return open.size();
  }

  /** The oldest snapshot this process reads, or {@link Long#MAX_VALUE}. */
  public long oldestPinnedSnapshot() {
    return pins.oldest();
  }

  // ---------------------------------------------------------------- transactions

  @Override
  public TransactionInfo begin() {
    long snapshot = store.headRevision();
    Transaction t = new Transaction(newTransactionId(), snapshot, clock.instant(), false);
    pins.pin(snapshot);
    open.put(t.id, t);
    return t.info(settings.idleTimeout());
  }

  @Override
  public TransactionInfo transaction(String id) {
    Transaction t = open.get(id);
    if (t != null) {
      return t.info(settings.idleTimeout());
    }
    TransactionInfo done = finished.getIfPresent(id);
    if (done == null) {
      throw new UnknownTransactionException(id);
    }
    return done;
  }

  @Override
  public List<TransactionInfo> openTransactions() {
    return open.values().stream().map(t -> t.info(settings.idleTimeout())).toList();
  }

  @Override
  public TransactionInfo commit(String id) {
    Transaction t = acquire(id);
    try {
      commitLocked(t);
      return t.info(settings.idleTimeout());
    } finally {
      t.lock.unlock();
    }
  }

  @Override
  public TransactionInfo abort(String id) {
    Transaction t = acquire(id);
    try {
      finish(t, TransactionState.ABORTED, "aborted by the client", null);
      return t.info(settings.idleTimeout());
    } finally {
      t.lock.unlock();
    }
  }

  /** Aborts open transactions idle for longer than the idle timeout. */
  public int expireIdleTransactions() {
    Instant now = clock.instant();
    int n = 0;
    for (Transaction t : open.values()) {
      if (t.lastUsed.plus(settings.idleTimeout()).isBefore(now) && t.lock.tryLock()) {
        try {
          if (t.state == TransactionState.OPEN
              && t.lastUsed.plus(settings.idleTimeout()).isBefore(now)) {
            finish(t, TransactionState.ABORTED, "expired after being idle", null);
            n++;
          }
        } finally {
          t.lock.unlock();
        }
      }
    }
    return n;
  }

  /** Aborts every open transaction (at shutdown) and withdraws this replica's pin. */
  @Override
  public void close() {
    try {
      store.publishPin(replicaId, Long.MAX_VALUE);
    } catch (RuntimeException e) {
      // the pin's lease runs out by itself
      LOG.log(System.Logger.Level.WARNING, "could not withdraw the snapshot pin: " + e);
    }
    for (Transaction t : open.values()) {
      t.lock.lock();
      try {
        if (t.state == TransactionState.OPEN) {
          finish(t, TransactionState.ABORTED, "the server shut down", null);
        }
      } finally {
        t.lock.unlock();
      }
    }
  }

  /**
   * Removes history older than the retention window, never what a pinned snapshot can see.
   *
   * @return the horizon used, or -1 when there was nothing to pack
   */
  public long pack() {
    long local = pins.oldest();
    store.publishPin(replicaId, local);
    long byTime = store.revisionAtOrBefore(clock.instant().minus(settings.retention()));
    long horizon = Math.min(byTime, Math.min(local, store.oldestPin(settings.pinLease())));
    if (horizon <= store.oldestRetainedRevision()) {
      return -1;
    }
    store.retainFrom(horizon);
    // a read that pinned its snapshot before the new horizon was visible may still be running: keep
    // what it sees
    long safe = Math.min(horizon, pins.oldest());
    store.pack(safe);
    return safe;
  }

  private Transaction acquire(String id) {
    Transaction t = open.get(id);
    if (t == null) {
      TransactionInfo done = finished.getIfPresent(id);
      if (done != null) {
        throw new TransactionNotOpenException(id, done.state(), done.reason());
      }
      throw new UnknownTransactionException(id);
    }
    t.lock.lock();
    if (t.state != TransactionState.OPEN) {
      t.lock.unlock();
      throw new TransactionNotOpenException(id, t.state, t.reason);
    }
    t.lastUsed = clock.instant();
    return t;
  }

  private void finish(Transaction t, TransactionState state, String reason, Long revision) {
    t.state = state;
    t.reason = reason;
    t.revision = revision;
    t.files.clear();
    settle(t);
    if (!t.ephemeral) {
      open.remove(t.id);
      finished.put(t.id, t.info(settings.idleTimeout()));
    }
    pins.unpin(t.snapshot);
  }

  private String newTransactionId() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  // ---------------------------------------------------------------- request dispatch

  /**
   * Runs {@code op} in the request's transaction: the named open transaction, or an ephemeral one
   * that is committed after a successful write and discarded otherwise. Returns the op's result,
   * with the committed revision for autocommit writes.
   */
  private <R> R run(RequestContext ctx, boolean write, Function<Transaction, R> op) {
    if (ctx instanceof RequestContext.InTransaction in) {
      Transaction t = acquire(in.transactionId());
      try {
        return op.apply(t);
      } finally {
        t.touched = List.copyOf(t.files.keySet());
        t.lastUsed = clock.instant();
        t.lock.unlock();
      }
    }
    if (ctx instanceof RequestContext.AtRevision at) {
      if (write) {
        throw new InvalidRequestException("at= reads a past revision; it cannot be written");
      }
      Transaction t = ephemeral(at.revision());
      try {
        return op.apply(t);
      } finally {
        discard(t);
      }
    }
    Transaction t = ephemeral(-1);
    try {
      R result = op.apply(t);
      if (write) {
        commitLocked(t);
      }
      return result;
    } finally {
      discard(t);
    }
  }

  /**
   * Runs a write op and returns the file as the request sees it afterwards: in a transaction its
   * local view, for autocommit the committed record at the new revision.
   */
  private FileInfo runWrite(RequestContext ctx, Function<Transaction, FileId> op) {
    if (ctx instanceof RequestContext.Autocommit) {
      Transaction[] holder = new Transaction[1];
      FileId id =
          run(
              ctx,
              true,
              t -> {
                holder[0] = t;
                return op.apply(t);
              });
      return infoOf(alive(store.file(id.value(), holder[0].revision), id), holder[0].revision);
    }
    return run(ctx, true, t -> infoOf(t, view(t, op.apply(t).value())));
  }

  /** A transaction for one request, at the head or at a past revision; pinned until discarded. */
  private Transaction ephemeral(long at) {
    long snapshot;
    if (at < 0) {
      snapshot = store.headRevision();
      pins.pin(snapshot);
    } else {
      pins.pin(at);
      long head = store.headRevision();
      if (at > head) {
        // a revision another replica committed may not have been announced here yet
        head = store.freshHeadRevision();
      }
      long oldest = store.oldestRetainedRevision();
      if (at > head) {
        pins.unpin(at);
        throw new InvalidRequestException(
            "revision " + at + " does not exist yet; the head revision is " + head);
      }
      if (at < oldest) {
        pins.unpin(at);
        throw new RevisionNotRetainedException(at, oldest);
      }
      snapshot = at;
    }
    Transaction t = new Transaction("request", snapshot, clock.instant(), true);
    t.lock.lock();
    return t;
  }

  private void discard(Transaction t) {
    if (t.state == TransactionState.OPEN) {
      finish(t, TransactionState.ABORTED, null, null);
    }
    t.lock.unlock();
  }

  // ---------------------------------------------------------------- files

  @Override
  public FileInfo create(RequestContext ctx, NewFile spec) {
    int blockSize = spec.blockSize() == null ? settings.defaultBlockSize() : spec.blockSize();
    if (!EngineSettings.validBlockSize(blockSize)) {
      throw new InvalidRequestException(
          "blockSize must be a power of two from 4096 to 16777216, not " + blockSize);
    }
    WriteFormat format = spec.format() == null ? settings.defaultFormat() : spec.format();
    return runWrite(
        ctx,
        t -> {
          long id = newFileId();
          TxnFile f = new TxnFile(id, blockSize, spec.name(), format, clock.instant());
          t.files.put(id, f);
          return new FileId(id);
        });
  }

  @Override
  public FileInfo stat(RequestContext ctx, FileId id) {
    return run(ctx, false, t -> infoOf(t, view(t, id.value())));
  }

  @Override
  public Page<FileInfo> list(RequestContext ctx, String cursor, int limit) {
    checkLimit(limit);
    long afterId = cursor(cursor, c -> FileId.parse(c).value(), 0);
    return run(
        ctx,
        false,
        t -> {
          List<FileRecord> stored = store.files(t.snapshot, afterId, limit + 1);
          TreeMap<Long, FileInfo> merged = new TreeMap<>();
          for (FileRecord r : stored) {
            TxnFile f = t.files.get(r.id());
            if (f == null) {
              merged.put(r.id(), infoOf(r, t.snapshot));
            } else if (!f.deleted) {
              merged.put(r.id(), infoOf(t, f));
            }
          }
          long storedLast = stored.size() > limit ? stored.get(limit).id() : Long.MAX_VALUE;
          for (TxnFile f : t.files.values()) {
            if (f.created() && !f.deleted && f.fileId > afterId && f.fileId <= storedLast) {
              merged.put(f.fileId, infoOf(t, f));
            }
          }
          List<FileInfo> items = new ArrayList<>(merged.values());
          boolean more = items.size() > limit;
          if (more) {
            items = items.subList(0, limit);
          }
          String next = more ? items.get(items.size() - 1).id().toString() : null;
          return new Page<>(List.copyOf(items), next);
        });
  }

  @Override
  public FileInfo update(
      RequestContext ctx, FileId id, FileUpdate update, Precondition precondition) {
    if (update.isEmpty()) {
      throw new InvalidRequestException("nothing to change: give size, format or name");
    }
    return changeFile(
        ctx,
        id,
        precondition,
        (t, f, sp) -> {
          if (update.name() != null) {
            f.name = update.name();
            f.changed(Change.NAME);
          }
          if (update.format() != null) {
            f.format = update.format();
            f.changed(Change.FORMAT);
          }
          if (update.size() != null) {
            resize(t, f, update.size(), sp);
          }
        });
  }

  @Override
  public void delete(RequestContext ctx, FileId id, Precondition precondition) {
    run(
        ctx,
        true,
        t -> {
          change(
              t,
              id.value(),
              precondition,
              (f, sp) -> {
                f.deleted = true;
                f.pages = new TreeMap<>();
                f.changed(Change.DELETED);
              });
          return null;
        });
  }

  @Override
  public FileContent open(RequestContext ctx, FileId id) {
    if (ctx instanceof RequestContext.InTransaction in) {
      Transaction t = acquire(in.transactionId());
      try {
        View v = view(t, id.value());
        return new ContentReader(
            store,
            cache,
            stats,
            infoOf(t, v),
            t.snapshot,
            v.file,
            settings.readAheadBytes(),
            prefetcher,
            partials,
            () -> {
              t.lastUsed = clock.instant();
              t.lock.unlock();
            });
      } catch (RuntimeException e) {
        t.lock.unlock();
        throw e;
      }
    }
    long at = ctx instanceof RequestContext.AtRevision a ? a.revision() : -1;
    Transaction t = ephemeral(at);
    try {
      View v = view(t, id.value());
      return new ContentReader(
          store,
          cache,
          stats,
          infoOf(t, v),
          t.snapshot,
          null,
          settings.readAheadBytes(),
          prefetcher,
          partials,
          () -> discard(t));
    } catch (RuntimeException e) {
      discard(t);
      throw e;
    }
  }

  @Override
  public Page<RevisionInfo> revisions(RequestContext ctx, FileId id, String cursor, int limit) {
    checkLimit(limit);
    long beforeRev = cursor(cursor, Long::parseLong, Long.MAX_VALUE);
    return run(
        ctx,
        false,
        t -> {
          view(t, id.value());
          List<RevisionRecord> recs = store.revisions(id.value(), t.snapshot, beforeRev, limit + 1);
          boolean more = recs.size() > limit;
          List<RevisionInfo> items =
              recs.stream()
                  .limit(limit)
                  .map(
                      r ->
                          new RevisionInfo(
                              r.revision(), r.committedAt(), Change.names(r.changesMask())))
                  .toList();
          return new Page<>(
              items, more ? String.valueOf(items.get(items.size() - 1).revision()) : null);
        });
  }

  private static void checkLimit(int limit) {
    if (limit < 1 || limit > 1000) {
      throw new InvalidRequestException("limit must be between 1 and 1000");
    }
  }

  /** The position a page cursor names, or {@code first} without a cursor. */
  private static long cursor(
      String cursor, java.util.function.ToLongFunction<String> parse, long first) {
    if (cursor == null || cursor.isEmpty()) {
      return first;
    }
    try {
      return parse.applyAsLong(cursor);
    } catch (RuntimeException e) {
      throw new InvalidRequestException("malformed cursor '" + cursor + "'");
    }
  }

  @Override
  public long headRevision() {
    return store.headRevision();
  }

  // ---------------------------------------------------------------- writes

  private enum Mode {
    AT,
    APPEND,
    REPLACE
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
    if (offset < 0 || length < 0) {
      throw new InvalidRequestException("offset and length must not be negative");
    }
    if (sizeAfter != null && sizeAfter < offset + length) {
      throw new InvalidRequestException(
          "the complete length " + sizeAfter + " is smaller than the end of the written range");
    }
    checkMaxSize(offset + length);
    if (sizeAfter != null) {
      checkMaxSize(sizeAfter);
    }
    return writeBody(ctx, id, Mode.AT, offset, length, body, sizeAfter, precondition);
  }

  @Override
  public FileInfo replace(
      RequestContext ctx, FileId id, long length, InputStream body, Precondition precondition) {
    if (length >= 0) {
      checkMaxSize(length);
    }
    return writeBody(ctx, id, Mode.REPLACE, 0, length, body, null, precondition);
  }

  @Override
  public FileInfo append(
      RequestContext ctx, FileId id, long length, InputStream body, Precondition precondition) {
    return writeBody(ctx, id, Mode.APPEND, 0, length, body, null, precondition);
  }

  private void checkMaxSize(long size) {
    if (size > settings.maxFileSize()) {
      throw new FileTooLargeException(size, settings.maxFileSize());
    }
  }

  private FileInfo writeBody(
      RequestContext ctx,
      FileId id,
      Mode mode,
      long offset,
      long length,
      InputStream body,
      Long sizeAfter,
      Precondition precondition) {
    if (ctx instanceof RequestContext.Autocommit) {
      return upload(id, mode, offset, length, body, sizeAfter, precondition);
    }
    return changeFile(
        ctx,
        id,
        precondition,
        (t, f, sp) -> {
          long start = mode == Mode.APPEND ? f.size : offset;
          if (mode == Mode.REPLACE) {
            f.pages = new TreeMap<>();
            f.zeroFrom = 0;
            f.size = 0;
            f.changed(Change.SIZE);
          }
          writeInto(t, f, sp, start, length, body, sizeAfter);
        });
  }

  /** Writes a body into a transaction's pages at {@code start}, then sets the size if asked. */
  private void writeInto(
      Transaction t,
      TxnFile f,
      TxnFile.Savepoint sp,
      long start,
      long length,
      InputStream body,
      Long sizeAfter) {
    if (length >= 0) {
      checkMaxSize(start + length);
    }
    BodyWalker walker =
        new BodyWalker(
            f.blockSize, start, length, body, settings.maxFileSize(), new TxnPageSink(t, f, sp));
    walker.run();
    if (walker.written() > 0) {
      f.changed(Change.BLOCKS);
    }
    if (walker.position() > f.size) {
      f.size = walker.position();
      f.changed(Change.SIZE);
    }
    if (sizeAfter != null && sizeAfter != f.size) {
      resize(t, f, sizeAfter, sp);
    }
    stats.bytesWritten.add(walker.written());
  }

  @Override
  public FileInfo patch(
      RequestContext ctx, FileId id, RangeParts parts, Precondition precondition) {
    return changeFile(
        ctx,
        id,
        precondition,
        (t, f, sp) -> {
          int n = 0;
          for (RangePart part = nextPart(parts); part != null; part = nextPart(parts)) {
            writeInto(t, f, sp, part.offset(), part.length(), part.body(), part.completeLength());
            n++;
          }
          if (n == 0) {
            throw new InvalidRequestException("the patch holds no range");
          }
        });
  }

  private static RangePart nextPart(RangeParts parts) {
    try {
      return parts.next();
    } catch (java.io.IOException e) {
      throw new InvalidRequestException("could not read the request body: " + e.getMessage(), e);
    }
  }

  @Override
  public DataRanges ranges(RequestContext ctx, FileId id, Long since, String cursor, int limit) {
    checkLimit(limit);
    long from = cursor(cursor, Long::parseLong, 0);
    if (from < 0) {
      throw new InvalidRequestException("malformed cursor '" + cursor + "'");
    }
    return run(
        ctx,
        false,
        t -> {
          View v = view(t, id.value());
          FileInfo info = infoOf(t, v);
          Long sizeAtSince = null;
          if (since != null) {
            if (since > t.snapshot) {
              throw new InvalidRequestException(
                  "since=" + since + " is after the revision read, " + t.snapshot);
            }
            long oldest = store.oldestRetainedRevision();
            if (since < oldest) {
              throw new RevisionNotRetainedException(since, oldest);
            }
            sizeAtSince =
                store
                    .file(id.value(), since)
                    .filter(r -> !r.deleted())
                    .map(FileRecord::size)
                    .orElse(0L);
          }
          RangeLister lister =
              new RangeLister(store, id.value(), info.blockSize(), t.snapshot, since, v.file);
          return lister.page(info, sizeAtSince, from, limit);
        });
  }

  /**
   * Changes the size inside a transaction. Shrinking drops dirty pages past the end, zeroes the
   * tail of the new last block and hides committed blocks past it; growing needs nothing, since
   * bytes past the end are zero.
   */
  private void resize(Transaction t, TxnFile f, long newSize, TxnFile.Savepoint sp) {
    checkMaxSize(newSize);
    if (newSize == f.size) {
      return;
    }
    if (newSize < f.size) {
      int bs = f.blockSize;
      long keep = (newSize + bs - 1) / bs;
      f.pages = new TreeMap<>(f.pages.headMap(keep));
      f.zeroFrom = Math.min(f.zeroFrom, keep);
      int tail = (int) (newSize % bs);
      long tailBlk = newSize / bs;
      if (tail != 0) {
        // The new last block counts as changed even when it holds no data in this snapshot: a
        // concurrent commit
        // may write past the new end inside that block, and only a change of the block makes the
        // two conflict.
        byte[] page = new TxnPageSink(t, f, sp).page(tailBlk, tail, bs, bs);
        Arrays.fill(page, tail, bs, (byte) 0);
      }
    }
    f.size = newSize;
    f.changed(Change.SIZE);
  }

  /**
   * Writes body bytes into a transaction's dirty pages. A page that did not exist is created (its
   * budget taken) and filled with the committed content where the write does not cover it; a page
   * that existed has the bytes it is about to lose saved in the savepoint.
   */
  private final class TxnPageSink implements BodyWalker.PageSink {
    private final Transaction t;
    private final TxnFile f;
    private final TxnFile.Savepoint sp;
    private final RefWindow refs;

    TxnPageSink(Transaction t, TxnFile f, TxnFile.Savepoint sp) {
      this.t = t;
      this.f = f;
      this.sp = sp;
      this.refs = new RefWindow(f.created() ? -1 : f.fileId, t.snapshot);
    }

    @Override
    public byte[] page(long blk, int from, int coverTo, int mayWriteTo) {
      DirtyPage p = f.pages.get(blk);
      if (p != null) {
        if (sp.existedBefore(blk, p)) {
          sp.saveRange(p, from, mayWriteTo);
        }
        return p.data();
      }
      reserve(t, f.blockSize);
      BlockRef base = refs.get(blk);
      byte[] data = new byte[f.blockSize];
      if (base != null
          && base.format() != BlockFormat.ZERO
          && f.committedVisible(blk)
          && (from > 0 || coverTo < f.blockSize)) {
        load(f.fileId, f.blockSize, base).copyTo(0, data, 0, f.blockSize);
      }
      f.pages.put(blk, new DirtyPage(data, base));
      return data;
    }

    @Override
    public void done(long blk, byte[] page, int from, int to) {
      // the page is already in the transaction
    }
  }

  /**
   * Block index entries of one file at one snapshot, fetched {@value #INDEX_WINDOW} blocks at a
   * time.
   */
  private final class RefWindow {
    private final long fileId;
    private final long snapshot;
    private long from = -1;
    private long to = -1;
    private final Map<Long, BlockRef> refs = new HashMap<>();

    /** {@code fileId} -1: a file with no committed blocks. */
    RefWindow(long fileId, long snapshot) {
      this.fileId = fileId;
      this.snapshot = snapshot;
    }

    BlockRef get(long blk) {
      if (fileId < 0) {
        return null;
      }
      if (blk < from || blk >= to) {
        refs.clear();
        from = blk;
        to = blk + INDEX_WINDOW;
        for (BlockRef r : store.blocks(fileId, snapshot, from, to)) {
          refs.put(r.blk(), r);
        }
      }
      return refs.get(blk);
    }
  }

  private void reserve(Transaction t, int bytes) {
    if (t.dirtyBytes + bytes > budget.maxPerTransaction()) {
      throw new DirtyBudgetExceededException(
          "the transaction would hold more than "
              + budget.maxPerTransaction()
              + " bytes of uncommitted blocks; commit or write less");
    }
    if (!budget.tryReserve(bytes)) {
      throw new DirtyBudgetExceededException(
          "the server holds its maximum of "
              + budget.maxTotal()
              + " bytes of uncommitted blocks; retry after other transactions finish");
    }
    t.dirtyBytes += bytes;
  }

  /** Gives back the budget of pages a transaction no longer holds. */
  private void settle(Transaction t) {
    long actual = 0;
    for (TxnFile f : t.files.values()) {
      actual += f.dirtyBytes();
    }
    if (actual < t.dirtyBytes) {
      budget.release(t.dirtyBytes - actual);
      t.dirtyBytes = actual;
    }
  }

  private BlockData load(long fileId, int blockSize, BlockRef ref) {
    return cache.get(
        new BlockKey(fileId, ref.blk(), ref.rev()), k -> store.load(fileId, blockSize, ref));
  }

  // ---------------------------------------------------------------- autocommit uploads

  /**
   * An autocommit write streams the body into the database as it arrives: each block is encoded and
   * written before the next is read, so memory stays at about two blocks whatever the body's size,
   * and the dirty budget does not apply. The database transaction stays open while the body
   * streams; the head lock is taken only at the end, so other commits go on meanwhile.
   */
  private FileInfo upload(
      FileId id,
      Mode mode,
      long offset,
      long length,
      InputStream body,
      Long sizeAfter,
      Precondition precondition) {
    long snapshot = store.headRevision();
    pins.pin(snapshot);
    try {
      FileRecord rec = alive(store.file(id.value(), snapshot), id);
      checkPrecondition(precondition, infoOf(rec, snapshot));
      long start = mode == Mode.APPEND ? rec.size() : offset;
      if (length >= 0) {
        checkMaxSize(start + length);
      }
      Upload u = new Upload(rec, snapshot, mode, start, length, body, sizeAfter);
      Optional<CommitOutcome> out;
      long t0 = System.nanoTime();
      try {
        out =
            store.commit(
                new Changeset(snapshot, u, () -> u.fileChanges(precondition != null), true));
      } catch (ConflictException e) {
        throw conflict(e, true);
      }
      stats.bytesWritten.add(u.walker.written());
      if (out.isEmpty()) {
        return infoOf(rec, snapshot);
      }
      observeCommit(t0);
      long rev = out.get().revision();
      return infoOf(alive(store.file(id.value(), rev), id), rev);
    } finally {
      pins.unpin(snapshot);
    }
  }

  /** The blocks of one upload, pulled by the store one at a time. */
  private final class Upload implements Iterator<BlockWrite>, BodyWalker.PageSink {
    private final FileRecord rec;
    private final Mode mode;
    private final Long sizeAfter;
    private final byte[] buf;
    private final RefWindow refs;
    private final BodyWalker walker;
    private BlockWrite pending;
    private boolean tailDone;

    Upload(
        FileRecord rec,
        long snapshot,
        Mode mode,
        long start,
        long length,
        InputStream body,
        Long sizeAfter) {
      this.rec = rec;
      this.mode = mode;
      this.sizeAfter = sizeAfter;
      this.buf = new byte[rec.blockSize()];
      this.refs = new RefWindow(rec.id(), snapshot);
      this.walker =
          new BodyWalker(rec.blockSize(), start, length, body, settings.maxFileSize(), this);
    }

    private boolean visible(BlockRef ref) {
      return ref != null && ref.format() != BlockFormat.ZERO && mode != Mode.REPLACE;
    }

    @Override
    public byte[] page(long blk, int from, int coverTo, int mayWriteTo) {
      int bs = rec.blockSize();
      if (from > 0 || coverTo < bs) {
        BlockRef ref = refs.get(blk);
        if (visible(ref)) {
          load(rec.id(), bs, ref).copyTo(0, buf, 0, bs);
        } else {
          Arrays.fill(buf, (byte) 0);
        }
      }
      return buf;
    }

    @Override
    public void done(long blk, byte[] page, int from, int to) {
      zeroPastSizeAfter(blk, page);
      pending = encode(rec.id(), rec.format(), rec.size(), blk, page, refs.get(blk));
    }

    private void zeroPastSizeAfter(long blk, byte[] page) {
      if (sizeAfter != null) {
        long blkStart = blk * rec.blockSize();
        if (sizeAfter < blkStart + rec.blockSize()) {
          Arrays.fill(page, (int) Math.max(0, sizeAfter - blkStart), rec.blockSize(), (byte) 0);
        }
      }
    }

    @Override
    public boolean hasNext() {
      if (pending == null) {
        if (!walker.step()) {
          truncatedTail();
        }
      }
      return pending != null;
    }

    /**
     * After the body: the new last block when a complete length cuts it and the body did not write
     * it. It is written even when it holds no data, so that a concurrent write past the new end
     * conflicts with this one.
     */
    private void truncatedTail() {
      if (tailDone || sizeAfter == null) {
        return;
      }
      tailDone = true;
      int bs = rec.blockSize();
      long tailBlk = sizeAfter / bs;
      long lastWritten = walker.written() == 0 ? -1 : (walker.position() - 1) / bs;
      if (sizeAfter % bs == 0 || tailBlk <= lastWritten || sizeAfter >= rec.size()) {
        return;
      }
      BlockRef ref = refs.get(tailBlk);
      if (visible(ref)) {
        load(rec.id(), bs, ref).copyTo(0, buf, 0, bs);
      } else {
        Arrays.fill(buf, (byte) 0);
      }
      zeroPastSizeAfter(tailBlk, buf);
      pending = encode(rec.id(), rec.format(), rec.size(), tailBlk, buf, ref);
    }

    @Override
    public BlockWrite next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      BlockWrite w = pending;
      pending = null;
      return w;
    }

    List<FileChange> fileChanges(boolean requireUnchanged) {
      long newSize =
          mode == Mode.REPLACE ? walker.position() : Math.max(rec.size(), walker.position());
      if (sizeAfter != null) {
        newSize = sizeAfter;
      }
      var changes = EnumSet.noneOf(Change.class);
      if (walker.written() > 0) {
        changes.add(Change.BLOCKS);
      }
      if (newSize != rec.size()) {
        changes.add(Change.SIZE);
      }
      long zeroFrom = Long.MAX_VALUE;
      if (mode == Mode.REPLACE) {
        zeroFrom = 0;
        if (rec.size() > 0) {
          changes.add(Change.BLOCKS);
        }
      }
      if (newSize < rec.size()) {
        zeroFrom = Math.min(zeroFrom, (newSize + rec.blockSize() - 1) / rec.blockSize());
      }
      if (changes.isEmpty()) {
        return List.of();
      }
      return List.of(
          new FileChange(
              rec.id(),
              rec.blockSize(),
              rec.name(),
              newSize,
              rec.format(),
              false,
              changes,
              zeroFrom,
              requireUnchanged));
    }
  }

  // ---------------------------------------------------------------- commit

  /** Encodes one block write in the file's write format, against the version its snapshot saw. */
  private BlockWrite encode(
      long fileId, WriteFormat format, long baseSize, long blk, byte[] page, BlockRef base) {
    int bs = page.length;
    boolean needPrevious =
        base != null
            && (base.format() == BlockFormat.CHUNKED
                ? format != WriteFormat.WHOLE
                : format == WriteFormat.AUTO && base.format() == BlockFormat.WHOLE);
    Encoders.Previous previous =
        needPrevious
            ? new Encoders.Previous(base.format(), load(fileId, bs, base))
            : base == null ? Encoders.Previous.NONE : new Encoders.Previous(base.format(), null);
    BlockFormat target =
        switch (format) {
          case WHOLE -> BlockFormat.WHOLE;
          case CHUNKED -> BlockFormat.CHUNKED;
          case AUTO -> {
            long tailBlk = baseSize == 0 ? 0 : (baseSize - 1) / bs;
            int before = previous.content() == null ? 0 : previous.content().length();
            boolean appendFilled =
                blk >= tailBlk && before < bs && Bytes.trimmedLength(page, 0, bs) == bs;
            yield Encoders.chooseAuto(page, previous, appendFilled);
          }
        };
    EncodedBlock enc = Encoders.encode(page, target, previous);
    long runStart =
        enc instanceof EncodedBlock.Chunked c && !c.newRun() && base != null ? base.runStart() : 0;
    return new BlockWrite(fileId, blk, enc, runStart);
  }

  private void commitLocked(Transaction t) {
    List<TxnFile> files = new ArrayList<>();
    for (TxnFile f : t.files.values()) {
      if (!f.changes.isEmpty() && !(f.created() && f.deleted)) {
        files.add(f);
      }
    }
    long t0 = System.nanoTime();
    Optional<CommitOutcome> out;
    try {
      out =
          store.commit(
              new Changeset(
                  t.snapshot, dirtyBlocks(files), () -> fileChanges(files), false, t.dirtyBytes));
    } catch (ConflictException e) {
      finish(t, TransactionState.ABORTED, "conflict with a later commit", null);
      throw conflict(e, t.ephemeral);
    } catch (RuntimeException e) {
      for (TxnFile f : files) {
        for (DirtyPage p : f.pages.values()) {
          p.markDirty();
        }
      }
      throw e;
    }
    if (out.isEmpty()) {
      finish(t, TransactionState.COMMITTED, null, t.snapshot);
      return;
    }
    long rev = out.get().revision();
    for (TxnFile f : files) {
      if (f.deleted) {
        continue;
      }
      for (var e : f.pages.entrySet()) {
        byte[] data = e.getValue().data();
        int len = Bytes.trimmedLength(data, 0, data.length);
        if (len > 0) {
          byte[] kept = len < data.length / 2 ? Arrays.copyOf(data, len) : data;
          cache.put(new BlockKey(f.fileId, e.getKey(), rev), new BlockData(kept, len));
        }
        e.getValue().markClean();
      }
    }
    observeCommit(t0);
    finish(t, TransactionState.COMMITTED, null, rev);
  }

  private void observeCommit(long t0) {
    long nanos = System.nanoTime() - t0;
    stats.commits.increment();
    stats.commitNanos.add(nanos);
    commitTimer.accept(nanos);
  }

  private Iterator<BlockWrite> dirtyBlocks(List<TxnFile> files) {
    return new Iterator<>() {
      private final Iterator<TxnFile> fileIt = files.iterator();
      private TxnFile file;
      private Iterator<Map.Entry<Long, DirtyPage>> pageIt = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!pageIt.hasNext() && fileIt.hasNext()) {
          file = fileIt.next();
          pageIt = file.deleted ? Collections.emptyIterator() : file.pages.entrySet().iterator();
        }
        return pageIt.hasNext();
      }

      @Override
      public BlockWrite next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        var e = pageIt.next();
        DirtyPage p = e.getValue();
        long baseSize = file.base == null ? 0 : file.base.size();
        BlockWrite w = encode(file.fileId, file.format, baseSize, e.getKey(), p.data(), p.base());
        p.markStored();
        return w;
      }
    };
  }

  private static List<FileChange> fileChanges(List<TxnFile> files) {
    List<FileChange> out = new ArrayList<>();
    for (TxnFile f : files) {
      out.add(
          new FileChange(
              f.fileId,
              f.blockSize,
              f.name,
              f.size,
              f.format,
              f.deleted,
              f.changes,
              f.created() ? Long.MAX_VALUE : f.zeroFrom,
              f.requireUnchanged));
    }
    return out;
  }

  private RuntimeException conflict(ConflictException e, boolean autocommit) {
    stats.conflicts.increment();
    boolean onlyPrecondition =
        e.conflicts().stream().anyMatch(c -> c.what().contains(ConflictKind.MODIFIED));
    if (autocommit && onlyPrecondition) {
      return new PreconditionFailedException(
          "the file was changed by another commit while the request ran");
    }
    List<TransactionConflictException.Conflict> list = new ArrayList<>();
    for (StoredConflict c : e.conflicts()) {
      List<String> what = c.what().stream().map(ConflictKind::wireName).toList();
      list.add(new TransactionConflictException.Conflict(new FileId(c.fileId()), what, c.blocks()));
    }
    return new TransactionConflictException(list);
  }

  // ---------------------------------------------------------------- views

  /** A file as a transaction sees it: its own changed copy, or the committed record. */
  private record View(TxnFile file, FileRecord record) {}

  private View view(Transaction t, long id) {
    TxnFile f = t.files.get(id);
    if (f != null) {
      if (f.deleted) {
        throw new UnknownFileException(new FileId(id).toString());
      }
      return new View(f, null);
    }
    return new View(null, alive(store.file(id, t.snapshot), new FileId(id)));
  }

  private static FileRecord alive(Optional<FileRecord> rec, FileId id) {
    if (rec.isEmpty() || rec.get().deleted()) {
      throw new UnknownFileException(id.toString());
    }
    return rec.get();
  }

  private static void checkPrecondition(Precondition precondition, FileInfo current) {
    if (precondition != null && !precondition.test(current)) {
      throw new PreconditionFailedException(
          "the file does not match the request's preconditions: its version is now "
              + current.version()
              + ", last modified "
              + current.modifiedAt());
    }
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
  private FileInfo changeFile(RequestContext ctx, FileId id, Precondition precondition, FileOp op) {
    return runWrite(
        ctx,
        t -> {
          change(t, id.value(), precondition, (f, sp) -> op.apply(t, f, sp));
          return id;
        });
  }

  /**
   * Changes one file in a transaction, all or nothing: the request's precondition is checked on the
   * file as the transaction sees it, and if {@code op} fails, the file (and whether the transaction
   * touches it at all, and whether it claimed the file unchanged) is exactly as before.
   */
  private void change(
      Transaction t,
      long id,
      Precondition precondition,
      java.util.function.BiConsumer<TxnFile, TxnFile.Savepoint> op) {
    TxnFile existing = t.files.get(id);
    TxnFile f;
    if (existing == null) {
      FileRecord rec = alive(store.file(id, t.snapshot), new FileId(id));
      checkPrecondition(precondition, infoOf(rec, t.snapshot));
      f = new TxnFile(rec);
    } else {
      if (existing.deleted) {
        throw new UnknownFileException(new FileId(id).toString());
      }
      checkPrecondition(precondition, infoOf(t, existing));
      f = existing;
    }
    TxnFile.Savepoint sp = f.savepoint();
    if (existing == null) {
      t.files.put(id, f);
    }
    try {
      if (precondition != null) {
        f.requireUnchanged = true;
      }
      op.accept(f, sp);
    } catch (RuntimeException e) {
      sp.restore();
      if (existing == null) {
        t.files.remove(id);
      }
      settle(t);
      throw e;
    }
    settle(t);
  }

  private FileInfo infoOf(Transaction t, View v) {
    return v.file != null ? infoOf(t, v.file) : infoOf(v.record, t.snapshot);
  }

  private static FileInfo infoOf(FileRecord r, long asOf) {
    return new FileInfo(
        new FileId(r.id()),
        r.name(),
        r.size(),
        r.blockSize(),
        r.format(),
        r.revision(),
        "r" + r.revision(),
        r.createdAt(),
        r.modifiedAt(),
        asOf);
  }

  private static FileInfo infoOf(Transaction t, TxnFile f) {
    Long rev = f.base == null ? null : f.base.revision();
    String version = f.changes.isEmpty() ? "r" + rev : "t" + t.id + "." + f.localVersion;
    Instant modified = f.base == null ? f.createdAt : f.base.modifiedAt();
    return new FileInfo(
        new FileId(f.fileId),
        f.name,
        f.size,
        f.blockSize,
        f.format,
        rev,
        version,
        f.createdAt,
        modified,
        t.snapshot);
  }

  private long newFileId() {
    long id;
    do {
      id = random.nextLong() & Long.MAX_VALUE;
    } while (id == 0);
    return id;
  }
}
