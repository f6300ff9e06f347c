package io.bigfile.engine;

import io.bigfile.block.BlockWrite;
import io.bigfile.block.Changeset;
import io.bigfile.block.CommitOutcome;
import io.bigfile.block.ConflictException;
import io.bigfile.block.ConflictKind;
import io.bigfile.block.FileChange;
import io.bigfile.block.StoredConflict;
import io.bigfile.block.UnconfirmedCommitException;
import io.bigfile.file.CommitOutcomeUnknownException;
import io.bigfile.file.FileId;
import io.bigfile.file.PreconditionFailedException;
import io.bigfile.file.TransactionConflictException;
import io.bigfile.file.TransactionState;
import io.bigfile.format.BlockData;
import io.bigfile.format.Bytes;
import io.bigfile.pagecache.BlockKey;
import io.bigfile.pagecache.DirtyPage;
import io.bigfile.pagecache.PageCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Runs the commit sequence of a transaction's dirty pages, and of an autocommit upload, against the
 * store. See {@code package-info.java} for the sequence and its guarantees.
 *
 * <p>It alone moves pages along DIRTY, STORED, CLEAN and alone publishes to the shared page cache.
 * Every page is encoded before the store is called (loading, through the page cache, any previous
 * version an encoding compares with), so the store's commit, which holds the database's head lock
 * for part of its run, never waits for a read of block data. The encodings refer to the pages, so
 * this holds one copy of the dirty data, not two.
 *
 * <p>On failure: a conflict aborts the transaction (its pages were never committed: they go back to
 * DIRTY and are dropped with it); a commit whose answer the database lost leaves the transaction
 * COMMITTING (see {@link Transactions#unconfirmed}), its pages dropped unpublished, and answers
 * {@link CommitOutcomeUnknownException}; any other failure leaves the transaction open with every
 * page DIRTY, so the commit can be retried or the transaction aborted. Pages become CLEAN and are
 * published only after the database confirmed the commit.
 *
 * <p>Thread-safe: it keeps no state of its own; the caller holds the transaction's lock.
 */
final class Committer {

  private final CachedIndexStore store;
  private final PageCache cache;
  private final BlockEncoding encoding;
  private final Transactions transactions;
  private final EngineStats stats;
  private final LongConsumer commitTimer;

  Committer(
      CachedIndexStore store,
      PageCache cache,
      BlockEncoding encoding,
      Transactions transactions,
      EngineStats stats,
      LongConsumer commitTimer) {
    this.store = store;
    this.cache = cache;
    this.encoding = encoding;
    this.transactions = transactions;
    this.stats = stats;
    this.commitTimer = commitTimer;
  }

  /**
   * Commits a transaction whose lock the caller holds, and finishes it: committed (its revision in
   * {@code t.revision}) or, on a conflict, aborted.
   *
   * @throws TransactionConflictException on a conflict; for an autocommit request whose
   *     precondition a later commit broke, {@link PreconditionFailedException} instead
   * @throws CommitOutcomeUnknownException if the database lost the answer to the commit
   */
  void commit(Transaction t) {
    List<TxnFile> files = new ArrayList<>();
    for (TxnFile f : t.files.values()) {
      if (f.changed() && !(f.created() && f.deleted())) {
        files.add(f);
      }
    }
    long t0 = System.nanoTime();
    List<DirtyPage> pages = new ArrayList<>();
    List<BlockWrite> writes = encode(files, pages);
    List<FileChange> changes = files.stream().map(TxnFile::toChange).toList();
    pages.forEach(DirtyPage::markStored);
    Optional<CommitOutcome> out;
    try {
      out =
          store.commit(
              new Changeset(
                  t.snapshot,
                  writes.iterator(),
                  () -> changes,
                  false,
                  t.dirtyBytes(),
                  t.idempotency));
    } catch (ConflictException e) {
      pages.forEach(DirtyPage::markDirty);
      transactions.finish(t, TransactionState.ABORTED, "conflict with a later commit", null);
      throw conflict(e, t.ephemeral);
    } catch (UnconfirmedCommitException e) {
      // not published: the pages go with the transaction, whatever the database decided
      pages.forEach(DirtyPage::markDirty);
      List<Long> touched = List.copyOf(t.files.keySet());
      throw new CommitOutcomeUnknownException(transactions.unconfirmed(t, touched, e.pending()), e);
    } catch (RuntimeException e) {
      pages.forEach(DirtyPage::markDirty);
      throw e;
    }
    pages.forEach(DirtyPage::markClean);
    if (out.isEmpty()) {
      transactions.finish(t, TransactionState.COMMITTED, null, t.snapshot);
      return;
    }
    long rev = out.get().revision();
    publish(files, rev);
    observe(t0);
    transactions.finish(t, TransactionState.COMMITTED, null, rev);
  }

  /**
   * Commits a streamed changeset (an autocommit upload of file {@code fileId}, in the ephemeral
   * transaction {@code t} whose lock the caller holds), which encodes its blocks as they arrive.
   *
   * @return the outcome, or empty when it changed nothing
   * @throws TransactionConflictException or {@link PreconditionFailedException} as {@link #commit}
   * @throws CommitOutcomeUnknownException if the database lost the answer to the commit
   */
  Optional<CommitOutcome> commit(Transaction t, long fileId, Changeset streamed) {
    long t0 = System.nanoTime();
    Optional<CommitOutcome> out;
    try {
      out = store.commit(streamed);
    } catch (ConflictException e) {
      throw conflict(e, true);
    } catch (UnconfirmedCommitException e) {
      throw new CommitOutcomeUnknownException(
          transactions.unconfirmed(t, List.of(fileId), e.pending()), e);
    }
    if (out.isPresent()) {
      observe(t0);
    }
    return out;
  }

  /** The pages of {@code files} encoded, in ascending (file, block) order. */
  private List<BlockWrite> encode(List<TxnFile> files, List<DirtyPage> pages) {
    List<BlockWrite> writes = new ArrayList<>();
    for (TxnFile f : files) {
      for (Map.Entry<Long, DirtyPage> e : f.pages().entrySet()) {
        DirtyPage p = e.getValue();
        writes.add(encoding.encode(f.fileId, f.format(), e.getKey(), p.data(), p.base()));
        pages.add(p);
      }
    }
    return writes;
  }

  /**
   * Puts the committed pages in the shared cache under the new revision. A page mostly of trailing
   * zeros is cached trimmed, so the cache holds about what the database does.
   */
  private void publish(List<TxnFile> files, long rev) {
    for (TxnFile f : files) {
      for (Map.Entry<Long, DirtyPage> e : f.pages().entrySet()) {
        byte[] data = e.getValue().data();
        int len = Bytes.trimmedLength(data, 0, data.length);
        if (len > 0) {
          byte[] kept = len < data.length / 2 ? Arrays.copyOf(data, len) : data;
          cache.put(new BlockKey(f.fileId, e.getKey(), rev), new BlockData(kept, len));
        }
      }
    }
  }

  private void observe(long t0) {
    long nanos = System.nanoTime() - t0;
    stats.commits.increment();
    stats.commitNanos.add(nanos);
    commitTimer.accept(nanos);
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
}
