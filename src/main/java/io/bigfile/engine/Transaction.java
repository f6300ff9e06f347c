package io.bigfile.engine;

import io.bigfile.file.FileId;
import io.bigfile.file.TransactionInfo;
import io.bigfile.file.TransactionState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One transaction: its snapshot, state and changed files. Requests of a transaction take its lock
 * and run one at a time; every field below the lock is guarded by it. {@code lastUsed} is read
 * without the lock by the expiry sweep.
 */
final class Transaction {

  final String id;
  final long snapshot;
  final boolean ephemeral;
  final ReentrantLock lock = new ReentrantLock();

  volatile Instant lastUsed;
  volatile TransactionState state = TransactionState.OPEN;
  volatile String reason;
  volatile Long revision;
  volatile long dirtyBytes;

  /**
   * The ids in {@code files}, republished after every request so that state can be read without the
   * lock.
   */
  volatile List<Long> touched = List.of();

  /** Files this transaction touched, by id: commit stores them in this order. */
  final TreeMap<Long, TxnFile> files = new TreeMap<>();

  Transaction(String id, long snapshot, Instant now, boolean ephemeral) {
    this.id = id;
    this.snapshot = snapshot;
    this.lastUsed = now;
    this.ephemeral = ephemeral;
  }

  TransactionInfo info(Duration idleTimeout) {
    List<FileId> touched = this.touched.stream().map(FileId::new).toList();
    Instant expires = state == TransactionState.OPEN ? lastUsed.plus(idleTimeout) : null;
    return new TransactionInfo(id, state, snapshot, expires, dirtyBytes, touched, revision, reason);
  }
}
