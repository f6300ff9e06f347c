package io.bigfile.pagecache;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide limit on dirty bytes held by all transactions. Thread-safe. Each transaction also
 * has its own limit, checked by its owner under the transaction's lock.
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
}
