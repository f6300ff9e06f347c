package io.bigfile.engine;

import io.bigfile.block.IdempotencyClaim;
import io.bigfile.file.FileId;
import io.bigfile.file.TransactionInfo;
import io.bigfile.file.TransactionState;
import io.bigfile.pagecache.DirtyBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One transaction: its snapshot, state, changed files and its account of the dirty budget. Requests
 * of a transaction take its lock and run one at a time; every field below the lock is guarded by
 * it. {@code lastUsed} is read without the lock by the expiry sweep, and the volatile fields by
 * {@link #info}.
 *
 * <p>Budget: a page is reserved before it is created ({@link #reserve}), from the transaction's own
 * limit and the server-wide one; {@link #settle} gives back what pages dropped by a truncation, a
 * deletion, a failed request or the end of the transaction no longer hold. So the budget taken
 * always equals the pages held once a request ends.
 */
final class Transaction {

  final String id;

  /** Who began it: only requests of the same owner find it (see {@link Transactions}). */
  final String owner;

  final long snapshot;
  final boolean ephemeral;
  final ReentrantLock lock = new ReentrantLock();
  private final DirtyBudget.Account dirty;

  volatile Instant lastUsed;
  volatile TransactionState state = TransactionState.OPEN;
  volatile String reason;
  volatile Long revision;

  /**
   * The ids in {@code files}, republished after every request so that state can be read without the
   * lock.
   */
  volatile List<Long> touched = List.of();

  /**
   * The idempotency key an autocommit request's commit takes, with its record; null for none.
   * Guarded by the lock.
   */
  IdempotencyClaim idempotency;

  /** Files this transaction touched, by id: commit stores them in this order. */
  final TreeMap<Long, TxnFile> files = new TreeMap<>();

  Transaction(
      String id, String owner, long snapshot, Instant now, boolean ephemeral, DirtyBudget budget) {
    this.id = id;
    this.owner = owner;
    this.snapshot = snapshot;
    this.lastUsed = now;
    this.ephemeral = ephemeral;
    this.dirty = budget.account();
  }

  /** Bytes of dirty pages the transaction holds. */
  long dirtyBytes() {
    return dirty.held();
  }

  /**
   * Takes budget for a new page of {@code bytes}.
   *
   * @throws io.bigfile.file.DirtyBudgetExceededException past a limit; nothing is taken then
   */
  void reserve(int bytes) {
    dirty.reserve(bytes);
  }

  /** Gives back the budget of pages the transaction no longer holds. */
  void settle() {
    long actual = 0;
    for (TxnFile f : files.values()) {
      actual += f.dirtyBytes();
    }
    dirty.settle(actual);
  }

  TransactionInfo info(Duration idleTimeout) {
    List<FileId> touched = this.touched.stream().map(FileId::new).toList();
    Instant expires = state == TransactionState.OPEN ? lastUsed.plus(idleTimeout) : null;
    return new TransactionInfo(
        id, state, snapshot, expires, dirty.held(), touched, revision, reason);
  }
}
