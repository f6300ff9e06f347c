package io.bigfile.engine;

import static io.bigfile.support.FileBytes.read;
import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.file.FileId;
import io.bigfile.file.NewFile;
import io.bigfile.file.RequestContext;
import io.bigfile.file.TransactionConflictException;
import io.bigfile.file.WriteFormat;
import io.bigfile.support.FileBytes;
import io.bigfile.support.Stores;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Concurrency on PostgreSQL through the real JTA commit path.
 *
 * <p>Writers keep two blocks of two files equal in every commit (a counter, incremented by
 * read-modify-write transactions); readers check, in transactions, at past revisions and in single
 * long streamed reads, that they never see the two differ. A torn commit, a snapshot that shows
 * part of a commit, or a lost update fails it.
 */
class ConcurrencyIT {

  private static final int BS = 4096;

  /** Far enough apart that one streamed read fetches the block index in several windows. */
  private static final long FAR_BLOCK = 600;

  private final Engine engine = Stores.engine(Stores.postgres());

  private static byte[] block(long value) {
    ByteBuffer b = ByteBuffer.allocate(BS);
    while (b.hasRemaining()) {
      b.putLong(value);
    }
    return b.array();
  }

  private static long valueOf(byte[] block, int off) {
    return ByteBuffer.wrap(block, off, 8).getLong();
  }

  /** Block {@code blk} filled with {@code value}. */
  private void write(RequestContext ctx, FileId f, long blk, long value) {
    FileBytes.write(engine, ctx, f, blk * BS, block(value));
  }

  @Test
  void readersNeverSeeHalfACommit() throws Exception {
    FileId a =
        engine.create(RequestContext.AUTOCOMMIT, new NewFile("a", BS, WriteFormat.AUTO)).id();
    FileId b =
        engine.create(RequestContext.AUTOCOMMIT, new NewFile("b", BS, WriteFormat.CHUNKED)).id();
    write(RequestContext.AUTOCOMMIT, a, 1, 0);
    write(RequestContext.AUTOCOMMIT, b, 2, 0);
    write(RequestContext.AUTOCOMMIT, a, FAR_BLOCK, 0);

    int writers = 4;
    int perWriter = 25;
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger committed = new AtomicInteger();
    AtomicInteger conflicts = new AtomicInteger();
    AtomicInteger checks = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(writers + 3);
    List<Future<?>> futures = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      futures.add(
          pool.submit(
              () -> {
                int mine = 0;
                while (mine < perWriter) {
                  String t = engine.begin().id();
                  RequestContext ctx = new RequestContext.InTransaction(t);
                  long v = valueOf(read(engine, ctx, a, BS, BS), 0);
                  write(ctx, a, 1, v + 1);
                  write(ctx, b, 2, v + 1);
                  write(ctx, a, FAR_BLOCK, v + 1);
                  try {
                    engine.commit(t);
                    mine++;
                    committed.incrementAndGet();
                  } catch (TransactionConflictException e) {
                    conflicts.incrementAndGet();
                  }
                }
              }));
    }
    // reader 1: a transaction reads both files
    futures.add(
        pool.submit(
            () -> {
              while (!done.get()) {
                String t = engine.begin().id();
                RequestContext ctx = new RequestContext.InTransaction(t);
                long va = valueOf(read(engine, ctx, a, BS, BS), 0);
                long vb = valueOf(read(engine, ctx, b, 2 * BS, BS), 0);
                engine.abort(t);
                if (va != vb) {
                  failures.add("transaction saw a=" + va + " b=" + vb);
                }
                checks.incrementAndGet();
              }
            }));
    // reader 2: both files at one past revision
    futures.add(
        pool.submit(
            () -> {
              while (!done.get()) {
                RequestContext at = new RequestContext.AtRevision(engine.headRevision());
                long va = valueOf(read(engine, at, a, BS, BS), 0);
                long vb = valueOf(read(engine, at, b, 2 * BS, BS), 0);
                if (va != vb) {
                  failures.add("at= saw a=" + va + " b=" + vb);
                }
                checks.incrementAndGet();
              }
            }));
    // reader 3: one autocommit request streams from block 1 to the far block
    futures.add(
        pool.submit(
            () -> {
              while (!done.get()) {
                byte[] all = read(engine, RequestContext.AUTOCOMMIT, a, BS, FAR_BLOCK * BS);
                long first = valueOf(all, 0);
                long last = valueOf(all, (int) ((FAR_BLOCK - 1) * BS));
                if (first != last) {
                  failures.add("one streamed read saw block 1=" + first + " far block=" + last);
                }
                checks.incrementAndGet();
              }
            }));
    for (int i = 0; i < writers; i++) {
      futures.get(i).get(5, TimeUnit.MINUTES);
    }
    done.set(true);
    for (Future<?> f : futures) {
      f.get(1, TimeUnit.MINUTES);
    }
    pool.shutdown();

    assertThat(failures).isEmpty();
    assertThat(committed.get()).isEqualTo(writers * perWriter);
    assertThat(checks.get()).isGreaterThan(10);
    // no lost update: every successful read-modify-write commit incremented the counter once
    long finalA = valueOf(read(engine, RequestContext.AUTOCOMMIT, a, BS, BS), 0);
    long finalB = valueOf(read(engine, RequestContext.AUTOCOMMIT, b, 2 * BS, BS), 0);
    assertThat(finalA).isEqualTo(writers * perWriter);
    assertThat(finalB).isEqualTo(finalA);
    assertThat(conflicts.get()).as("writers must have raced").isPositive();
  }

  /**
   * Many commits at once, each on one XA connection enlisted alone: they must all commit on a
   * server without prepared transactions (the test server runs with max_prepared_transactions = 0),
   * never needing two-phase commit.
   */
  @Test
  void manyConcurrentCommitsNeedNoPreparedTransactions() throws Exception {
    int threads = 8;
    int each = 30;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<Integer>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int n = t;
      futures.add(
          pool.submit(
              () -> {
                FileId f =
                    engine
                        .create(
                            RequestContext.AUTOCOMMIT, new NewFile("c" + n, BS, WriteFormat.WHOLE))
                        .id();
                int ok = 0;
                for (int i = 0; i < each; i++) {
                  String txn = engine.begin().id();
                  write(new RequestContext.InTransaction(txn), f, i % 4, i);
                  write(new RequestContext.InTransaction(txn), f, 10 + i % 3, i);
                  engine.commit(txn);
                  write(RequestContext.AUTOCOMMIT, f, 20, i);
                  ok++;
                }
                return ok;
              }));
    }
    int total = 0;
    for (Future<Integer> f : futures) {
      total += f.get(5, TimeUnit.MINUTES);
    }
    pool.shutdown();
    assertThat(total).isEqualTo(threads * each);
  }
}
