package io.bigfile.pagecache;

import io.bigfile.file.DirtyBudgetExceededException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The limits on dirty bytes: server-wide, over all transactions (thread-safe), and per transaction,
 * kept by each transaction's {@link Account}.
 */
public final class DirtyBudget {

  private final long maxTotal;
  private final long maxPerTransaction;
  private final AtomicLong used = new AtomicLong();

  public DirtyBudget(long maxTotal, long maxPerTransaction) {
    this.maxTotal = maxTotal;
    this.maxPerTransaction = maxPerTransaction;
  }

  public long maxPerTransaction() {
    return maxPerTransaction;
  }

  public long maxTotal() {
    return maxTotal;
  }

  /**
   * Takes {@code bytes} from the server-wide budget; false (and nothing taken) if that would exceed
   * it.
   */
  public boolean tryReserve(long bytes) {
    while (true) {
      long cur = used.get();
      if (cur + bytes > maxTotal) {
        return false;
      }
      if (used.compareAndSet(cur, cur + bytes)) {
        return true;
      }
    }
  }

  public void release(long bytes) {
    used.addAndGet(-bytes);
  }

  public long used() {
    return used.get();
  }

  /** A new transaction's account, holding nothing. */
  public Account account() {
    return new Account();
  }

  /**
   * What one transaction holds of the budget. A page's bytes are reserved before the page is
   * created; {@link #settle} gives back what the transaction no longer holds (pages dropped by a
   * truncation, a deletion, a failed request or the end of the transaction), so once a request
   * ends, the account equals the pages held. Guarded by the transaction's lock; {@link #held} may
   * be read by any thread.
   */
  public final class Account {
    private volatile long held;

    private Account() {}

    /** Bytes reserved. */
    public long held() {
      return held;
    }

    /**
     * Takes {@code bytes} for a new page.
     *
     * @throws DirtyBudgetExceededException past the transaction's or the server's limit; nothing is
     *     taken then
     */
    public void reserve(long bytes) {
      if (held + bytes > maxPerTransaction) {
        throw new DirtyBudgetExceededException(
            "the transaction would hold more than "
                + maxPerTransaction
                + " bytes of uncommitted blocks; commit or write less");
      }
      if (!tryReserve(bytes)) {
        throw new DirtyBudgetExceededException(
            "the server holds its maximum of "
                + maxTotal
                + " bytes of uncommitted blocks; retry after other transactions finish");
      }
      held += bytes;
    }

    /** Gives back what is reserved beyond {@code actual}, the bytes of the pages still held. */
    public void settle(long actual) {
      if (actual < held) {
        release(held - actual);
        held = actual;
      }
    }
  }
}
