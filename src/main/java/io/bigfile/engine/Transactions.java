package io.bigfile.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.RequestContext;
import io.bigfile.file.RevisionNotRetainedException;
import io.bigfile.file.TransactionInfo;
import io.bigfile.file.TransactionNotOpenException;
import io.bigfile.file.TransactionState;
import io.bigfile.file.UnknownTransactionException;
import io.bigfile.pagecache.DirtyBudget;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The transactions of this process: open ones by id, finished ones kept for look-up for a while,
 * and the snapshots they and running reads pin. It is the one way a request enters its transaction
 * ({@link #enter}): the named open transaction, or an ephemeral one for an autocommit request or a
 * read at a past revision.
 *
 * <p>A named transaction belongs to the owner that began it: {@link #acquire} and {@link #info}
 * find it only for that owner, and answer anyone else exactly as for an unknown id (never "not
 * open", which would tell that the id exists), finished transactions included.
 *
 * <p>Thread-safe. A transaction is used only by the thread that holds its lock ({@link #acquire},
 * {@link #enter}); the expiry sweep only takes locks it can get at once. Finishing a transaction
 * drops its pages, gives back its budget and unpins its snapshot; a finished named transaction
 * stays readable for the finished-retention window (at most {@code maxFinished} of them).
 */
final class Transactions {

  private final CachedIndexStore store;
  private final DirtyBudget budget;
  private final Clock clock;
  private final Duration idleTimeout;
  private final SnapshotPins pins = new SnapshotPins();
  private final ConcurrentHashMap<String, Transaction> open = new ConcurrentHashMap<>();
  private final Cache<String, Finished> finished;
  private final SecureRandom random = new SecureRandom();

  Transactions(
      CachedIndexStore store,
      DirtyBudget budget,
      Clock clock,
      Duration idleTimeout,
      Duration finishedRetention,
      long maxFinished) {
    this.store = store;
    this.budget = budget;
    this.clock = clock;
    this.idleTimeout = idleTimeout;
    this.finished =
        Caffeine.newBuilder().expireAfterWrite(finishedRetention).maximumSize(maxFinished).build();
  }

  /** A finished named transaction, kept for look-up by its owner. */
  private record Finished(String owner, TransactionInfo info) {}

  /** A request's transaction, held (locked and pinned) until closed. */
  final class Entry implements AutoCloseable {
    private final Transaction transaction;
    private final boolean autocommit;
    private boolean closed;

    private Entry(Transaction transaction, boolean autocommit) {
      this.transaction = transaction;
      this.autocommit = autocommit;
    }

    Transaction transaction() {
      return transaction;
    }

    /** Whether the request is its own transaction, to be committed when its write succeeded. */
    boolean autocommit() {
      return autocommit;
    }

    /**
     * Lets a read go on without the transaction's lock, for as long as it streams: a named
     * transaction is released now, so that its other requests (another read, a write, a commit)
     * need not wait for a slow client, and only its snapshot stays pinned; an ephemeral one is the
     * read's own and is kept. The caller took what it reads under the lock (see {@link
     * TxnFile#readView()}).
     *
     * @return what ends the read: unpins the snapshot, or discards the ephemeral transaction
     */
    Runnable detach() {
      if (transaction.ephemeral) {
        return this::close;
      }
      long snapshot = transaction.snapshot;
      pins.pin(snapshot);
      close();
      return () -> {
        pins.unpin(snapshot);
        transaction.lastUsed = clock.instant();
      };
    }

    /**
     * Leaves the transaction: a named one stays open for its next request; an ephemeral one that
     * was not committed is discarded. Idempotent.
     */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (transaction.ephemeral) {
        discard(transaction);
      } else {
        release(transaction);
      }
    }
  }

  /**
   * Enters the request's transaction: the named open transaction (locked), or an ephemeral one at
   * the head (autocommit) or at a past revision (read-only).
   *
   * @throws InvalidRequestException for a write at a past revision, or a revision past the head
   * @throws RevisionNotRetainedException for a revision older than the retained history
   */
  Entry enter(RequestContext ctx, boolean write) {
    if (ctx instanceof RequestContext.InTransaction in) {
      return new Entry(acquire(in.transactionId(), in.owner()), false);
    }
    if (ctx instanceof RequestContext.AtRevision at) {
      if (write) {
        throw new InvalidRequestException("at= reads a past revision; it cannot be written");
      }
      return new Entry(ephemeral(at.revision()), false);
    }
    return new Entry(ephemeral(-1), true);
  }

  TransactionInfo begin(String owner) {
    Objects.requireNonNull(owner, "owner");
    long snapshot = store.headRevision();
    Transaction t = new Transaction(newId(), owner, snapshot, clock.instant(), false, budget);
    pins.pin(snapshot);
    open.put(t.id, t);
    return info(t);
  }

  TransactionInfo info(Transaction t) {
    return t.info(idleTimeout);
  }

  /**
   * An open or recently finished transaction of {@code owner}.
   *
   * @throws UnknownTransactionException if there is no such transaction of this owner
   */
  TransactionInfo info(String id, String owner) {
    Transaction t = open.get(id);
    if (t != null && t.owner.equals(owner)) {
      return info(t);
    }
    Finished done = finished.getIfPresent(id);
    if (done == null || !done.owner().equals(owner)) {
      throw new UnknownTransactionException(id);
    }
    return done.info();
  }

  List<TransactionInfo> openInfos() {
    return open.values().stream().map(this::info).toList();
  }

  int openCount() {
    return open.size();
  }

  SnapshotPins pins() {
    return pins;
  }

  /**
   * Takes the lock of an open transaction of {@code owner} and marks it used.
   *
   * @throws UnknownTransactionException if there is no such transaction of this owner
   * @throws TransactionNotOpenException if it has finished
   */
  Transaction acquire(String id, String owner) {
    Transaction t = open.get(id);
    if (t != null && !t.owner.equals(owner)) {
      throw new UnknownTransactionException(id);
    }
    if (t == null) {
      Finished done = finished.getIfPresent(id);
      if (done != null && done.owner().equals(owner)) {
        throw new TransactionNotOpenException(id, done.info().state(), done.info().reason());
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

  /** Ends a request of a named transaction: publishes what it touched and releases its lock. */
  void release(Transaction t) {
    t.touched = List.copyOf(t.files.keySet());
    t.lastUsed = clock.instant();
    t.lock.unlock();
  }

  /**
   * Finishes a transaction whose lock the caller holds: its pages are dropped, its budget given
   * back and its snapshot unpinned.
   */
  void finish(Transaction t, TransactionState state, String reason, Long revision) {
    t.state = state;
    t.reason = reason;
    t.revision = revision;
    t.files.clear();
    t.settle();
    if (!t.ephemeral) {
      open.remove(t.id);
      finished.put(t.id, new Finished(t.owner, info(t)));
    }
    pins.unpin(t.snapshot);
  }

  /** Aborts open transactions idle for longer than the idle timeout. */
  int expireIdle() {
    Instant now = clock.instant();
    int n = 0;
    for (Transaction t : open.values()) {
      if (t.lastUsed.plus(idleTimeout).isBefore(now) && t.lock.tryLock()) {
        try {
          if (t.state == TransactionState.OPEN && t.lastUsed.plus(idleTimeout).isBefore(now)) {
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

  /** Aborts every open transaction, waiting for the requests that hold them. */
  void abortAll(String reason) {
    for (Transaction t : open.values()) {
      t.lock.lock();
      try {
        if (t.state == TransactionState.OPEN) {
          finish(t, TransactionState.ABORTED, reason, null);
        }
      } finally {
        t.lock.unlock();
      }
    }
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
    Transaction t =
        new Transaction(
            "request", RequestContext.NO_OWNER, snapshot, clock.instant(), true, budget);
    t.lock.lock();
    return t;
  }

  private void discard(Transaction t) {
    if (t.state == TransactionState.OPEN) {
      finish(t, TransactionState.ABORTED, null, null);
    }
    t.lock.unlock();
  }

  String newId() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
