package io.bigfile.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.bigfile.block.PendingCommit;
import io.bigfile.block.Settlement;
import io.bigfile.file.FileId;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The transactions of this process: open ones by id, those whose commit's outcome is unknown until
 * the database settles it, finished ones kept for look-up for a while, and the snapshots they and
 * running reads pin. It is the one way a request enters its transaction ({@link #enter}): the named
 * open transaction, or an ephemeral one for an autocommit request or a read at a past revision.
 *
 * <p>A named transaction belongs to the owner that began it: {@link #acquire} and {@link #info}
 * find it only for that owner, and answer anyone else exactly as for an unknown id (never "not
 * open", which would tell that the id exists), finished transactions included.
 *
 * <p>Thread-safe. A transaction is used only by the thread that holds its lock ({@link #acquire},
 * {@link #enter}); the expiry sweep only takes locks it can get at once. Finishing a transaction
 * drops its pages, gives back its budget and unpins its snapshot; a finished named transaction
 * stays readable for the finished-retention window (at most {@code maxFinished} of them).
 *
 * <p>A commit whose answer the database lost ({@link #unconfirmed}) leaves its transaction
 * COMMITTING: its pages are dropped at once (neither outcome needs them: a landed commit is read
 * back from the database like any other, and a lost one is aborted), and it is looked up here until
 * {@link #settle} learns from the database whether the commit landed. An autocommit request's
 * ephemeral transaction gets an id then, so that its client can look the outcome up too. Each such
 * transaction is settled exactly once: COMMITTED with the revision the database holds, or ABORTED.
 */
final class Transactions {

  private final CachedIndexStore store;
  private final DirtyBudget budget;
  private final Clock clock;
  private final Duration idleTimeout;
  private final SnapshotPins pins = new SnapshotPins();
  private final ConcurrentHashMap<String, Transaction> open = new ConcurrentHashMap<>();
  private final Cache<String, Finished> finished;

  /** Transactions whose commit's outcome is unknown, by id, until settled. */
  private final ConcurrentHashMap<String, Unconfirmed> unconfirmed = new ConcurrentHashMap<>();

  /**
   * Ids of transactions whose unknown commit settled as landed: a retry of their commit answers the
   * outcome instead of 409.
   */
  private final Cache<String, Boolean> landedLate;

  private final SecureRandom random = new SecureRandom();

  /**
   * An autocommit write's snapshot: the head the database holds, not the one this process last
   * heard of (another replica's commit is announced a moment after it answered), so that a client
   * writing through several replicas in turn never conflicts with its own previous write.
   */
  private static final long FRESH_HEAD = -2;

  private final String idPrefix;

  /** A transaction whose commit's answer was lost, as it is described until settled. */
  private record Unconfirmed(String owner, TransactionInfo info, PendingCommit pending) {}

  Transactions(
      CachedIndexStore store,
      DirtyBudget budget,
      Clock clock,
      Duration idleTimeout,
      Duration finishedRetention,
      long maxFinished,
      String idPrefix) {
    this.store = store;
    this.idPrefix = Objects.requireNonNull(idPrefix, "idPrefix");
    this.budget = budget;
    this.clock = clock;
    this.idleTimeout = idleTimeout;
    this.finished =
        Caffeine.newBuilder().expireAfterWrite(finishedRetention).maximumSize(maxFinished).build();
    this.landedLate =
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
      return new Entry(ephemeral(at.revision(), RequestContext.NO_OWNER), false);
    }
    String owner = ctx instanceof RequestContext.Autocommit a ? a.owner() : RequestContext.NO_OWNER;
    return new Entry(ephemeral(write ? FRESH_HEAD : -1, owner), true);
  }

  /**
   * Begins at the head the database holds, not the one this process last heard of: a client that
   * committed through another replica a moment ago begins after its own commit, and its writes do
   * not conflict with it.
   */
  TransactionInfo begin(String owner) {
    Objects.requireNonNull(owner, "owner");
    long snapshot = store.freshHeadRevision();
    Transaction t = new Transaction(newId(), owner, snapshot, clock.instant(), false, budget);
    pins.pin(snapshot);
    open.put(t.id, t);
    return info(t);
  }

  TransactionInfo info(Transaction t) {
    return t.info(idleTimeout);
  }

  /**
   * An open, committing or recently finished transaction of {@code owner}.
   *
   * @throws UnknownTransactionException if there is no such transaction of this owner
   */
  TransactionInfo info(String id, String owner) {
    Transaction t = open.get(id);
    if (t != null && t.owner.equals(owner)) {
      return info(t);
    }
    Unconfirmed u = unconfirmed.get(id);
    if (u != null && u.owner().equals(owner)) {
      return u.info();
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
      Unconfirmed u = unconfirmed.get(id);
      if (u != null && u.owner().equals(owner)) {
        throw new TransactionNotOpenException(id, u.info().state(), u.info().reason());
      }
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

  /**
   * Marks a transaction, whose lock the caller holds, COMMITTING after the database lost the answer
   * to its commit: its pages are dropped, its budget given back and its snapshot unpinned, and it
   * is looked up by id, by its owner, until {@link #settle} decides its outcome. An ephemeral
   * transaction gets an id of its own here (its owner is the request's).
   *
   * @param touched the files the commit changed
   * @return the transaction's id, for its client to look the outcome up
   */
  String unconfirmed(Transaction t, List<Long> touched, PendingCommit pending) {
    String id = t.ephemeral ? newId() : t.id;
    t.state = TransactionState.COMMITTING;
    t.reason = UNCONFIRMED;
    t.files.clear();
    t.settle();
    List<FileId> files = touched.stream().map(FileId::new).toList();
    TransactionInfo info =
        new TransactionInfo(
            id, TransactionState.COMMITTING, t.snapshot, null, 0, files, null, UNCONFIRMED);
    unconfirmed.put(id, new Unconfirmed(t.owner, info, pending));
    if (!t.ephemeral) {
      open.remove(t.id);
    }
    pins.unpin(t.snapshot);
    return id;
  }

  static final String UNCONFIRMED =
      "the database did not confirm the commit; it is settled as soon as the database answers";

  static final String LOST = "the commit did not reach the database";

  /**
   * Asks the store whether the commit of a COMMITTING transaction landed, and finishes the
   * transaction when it can tell: COMMITTED at the revision the database holds, or ABORTED. Safe to
   * call from several threads at once: the database gives them all the same answer.
   *
   * @return the transaction as it is now, or null if it is not COMMITTING (any more)
   */
  private TransactionInfo settle(String id) {
    Unconfirmed u = unconfirmed.get(id);
    if (u == null) {
      return null;
    }
    Settlement s = store.settle(u.pending());
    TransactionInfo before = u.info();
    TransactionInfo after =
        switch (s.kind()) {
          case UNKNOWN -> before;
          case LANDED ->
              new TransactionInfo(
                  id,
                  TransactionState.COMMITTED,
                  before.snapshotRevision(),
                  null,
                  0,
                  before.filesTouched(),
                  s.outcome().revision(),
                  null);
          case LOST ->
              new TransactionInfo(
                  id,
                  TransactionState.ABORTED,
                  before.snapshotRevision(),
                  null,
                  0,
                  before.filesTouched(),
                  null,
                  LOST);
        };
    if (after != before) {
      // finished before it stops being COMMITTING, so that a look-up never misses it
      finished.put(id, new Finished(u.owner(), after));
      if (s.kind() == Settlement.Kind.LANDED) {
        landedLate.put(id, Boolean.TRUE);
      }
      unconfirmed.remove(id, u);
    }
    return after;
  }

  /**
   * Settles every COMMITTING transaction the database can tell about now. It stops at the first one
   * the database cannot tell about: the others wait for the same database (or the same head lock),
   * and asking again for each would only multiply the wait.
   *
   * @return how many are still COMMITTING
   */
  int settleAll() {
    for (String id : new ArrayList<>(unconfirmed.keySet())) {
      TransactionInfo now = settle(id);
      if (now != null && now.state() == TransactionState.COMMITTING) {
        break;
      }
    }
    return unconfirmed.size();
  }

  /** Transactions whose commit's outcome is still unknown. */
  int unconfirmedCount() {
    return unconfirmed.size();
  }

  /**
   * A COMMITTING transaction of {@code owner}, settled first if the database can tell, or one whose
   * unknown commit settled as landed earlier: what a retry of its commit answers. Null for any
   * other transaction, whose commit goes the usual way.
   */
  TransactionInfo retriedCommit(String id, String owner) {
    Unconfirmed u = unconfirmed.get(id);
    if (u != null) {
      return u.owner().equals(owner) ? settle(id) : null;
    }
    Finished done = finished.getIfPresent(id);
    if (landedLate.getIfPresent(id) == null || done == null || !done.owner().equals(owner)) {
      return null;
    }
    return done.info();
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

  /**
   * A transaction for one request of {@code owner}, at the head or at a past revision; pinned until
   * discarded.
   */
  private Transaction ephemeral(long at, String owner) {
    long snapshot;
    if (at == FRESH_HEAD) {
      snapshot = store.freshHeadRevision();
      pins.pin(snapshot);
    } else if (at < 0) {
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
    Transaction t = new Transaction("request", owner, snapshot, clock.instant(), true, budget);
    t.lock.lock();
    return t;
  }

  private void discard(Transaction t) {
    if (t.state == TransactionState.OPEN) {
      finish(t, TransactionState.ABORTED, null, null);
    }
    t.lock.unlock();
  }

  /** A new transaction id: the prefix this process was given, then 128 random bits. */
  String newId() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return idPrefix + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
