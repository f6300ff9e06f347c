package io.bigfile.config;

/**
 * How the heap is shared: the one place where the memory sizes left at {@code auto} are derived
 * from the maximum heap, and where sizes that cannot fit in it together are refused.
 *
 * <p>The rule. Of a heap of {@code H} bytes, {@link #reserve(long) max(H/4, 128 MiB)} stays for the
 * service itself (Spring, Tomcat, the catalogue: about 64 MiB) and for blocks in flight (a block is
 * up to 16 MiB; each request holds about two, each prefetch thread one, and the JDBC driver a copy
 * of the row it reads). The page cache and the dirty pages share the rest, the <em>room</em>:
 *
 * <ul>
 *   <li>{@code bigfile.cache.max-size}: {@code min(H/4, room/2)};
 *   <li>{@code bigfile.cache.read-ahead}: an eighth of the cache (and never more than a quarter of
 *       it, configured or not, so that read-ahead does not evict what it just loaded);
 *   <li>{@code bigfile.transactions.max-dirty-total}: {@code min(H/4, room/2)};
 *   <li>{@code bigfile.transactions.max-dirty-per-transaction}: half the dirty total.
 * </ul>
 *
 * With {@code -Xmx256m}: 64 MiB of cache with 8 MiB read-ahead, 64 MiB of dirty pages with 32 MiB
 * per transaction. With the image's default heap (75% of the chart's 2 GiB limit, 1.5 GiB): 384 MiB
 * of cache with 48 MiB read-ahead, 384 MiB of dirty pages with 192 MiB per transaction.
 *
 * <p>Configured sizes are taken as they are, but the cache and the dirty total together must fit in
 * the room, and a transaction's share must not exceed the total: otherwise the service refuses to
 * start, saying what fits. A heap with less than {@link #MIN_ROOM} of room is refused too.
 *
 * @param heap the maximum heap the sizes were derived from
 * @param cache bytes of clean block versions kept in memory
 * @param readAhead how much of a file one read fetches ahead, at most a quarter of the cache
 * @param dirtyTotal uncommitted bytes all transactions together may hold
 * @param dirtyPerTransaction uncommitted bytes one transaction may hold
 */
public record MemoryBudget(
    long heap, long cache, long readAhead, long dirtyTotal, long dirtyPerTransaction) {

  private static final long MiB = 1024 * 1024;

  /** The least the reserve is: the service's own needs and a few 16 MiB blocks in flight. */
  public static final long MIN_RESERVE = 128 * MiB;

  /** The least room a heap must leave for the cache and dirty pages together. */
  static final long MIN_ROOM = 32 * MiB;

  /** The part of a heap of {@code heap} bytes kept for the service and blocks in flight. */
  public static long reserve(long heap) {
    return Math.max(heap / 4, MIN_RESERVE);
  }

  /**
   * Resolves the sizes left at {@code auto} for a heap of {@code heap} bytes ({@code
   * Runtime.maxMemory()}) and checks that they fit together.
   *
   * @throws IllegalStateException when they do not, saying what fits
   */
  public static MemoryBudget of(long heap, CacheProperties cache, TransactionsProperties tx) {
    long room = heap - reserve(heap);
    if (room < MIN_ROOM) {
      throw new IllegalStateException(
          "the heap of "
              + mib(heap)
              + " is too small: bigfile keeps "
              + mib(reserve(heap))
              + " for itself and blocks in flight and needs "
              + mib(MIN_ROOM)
              + " more for its cache and dirty pages; start the JVM with at least -Xmx"
              + (MIN_RESERVE + MIN_ROOM) / MiB
              + "m");
    }
    long share = Math.min(heap / 4, room / 2);
    long cacheBytes = cache.maxSize().bytesOr(share);
    long total = tx.maxDirtyTotal().bytesOr(share);
    long perTxn = tx.maxDirtyPerTransaction().bytesOr(total / 2);
    if (cacheBytes + total > room) {
      throw new IllegalStateException(
          "bigfile.cache.max-size ("
              + mib(cacheBytes)
              + (cache.maxSize().isAuto() ? ", auto" : "")
              + ") and bigfile.transactions.max-dirty-total ("
              + mib(total)
              + (tx.maxDirtyTotal().isAuto() ? ", auto" : "")
              + ") do not fit in the heap of "
              + mib(heap)
              + ": together they may take at most "
              + mib(room)
              + " (the heap less "
              + mib(reserve(heap))
              + " for the service and blocks in flight), such as "
              + mib(share)
              + " each (the defaults for this heap, auto); lower them or give the JVM more heap"
              + " (-Xmx)");
    }
    if (perTxn > total) {
      throw new IllegalStateException(
          "bigfile.transactions.max-dirty-per-transaction ("
              + mib(perTxn)
              + ") must not exceed bigfile.transactions.max-dirty-total ("
              + mib(total)
              + (tx.maxDirtyTotal().isAuto() ? ", auto for a heap of " + mib(heap) : "")
              + ")");
    }
    long readAhead = cache.readAhead().bytesOr(cacheBytes / 8);
    readAhead = Math.max(1, Math.min(readAhead, cacheBytes / 4));
    return new MemoryBudget(heap, cacheBytes, readAhead, total, perTxn);
  }

  /** Bytes in MiB, for messages (rounded down). */
  static String mib(long bytes) {
    return bytes % MiB == 0 ? bytes / MiB + " MiB" : bytes + " bytes (" + bytes / MiB + " MiB)";
  }

  @Override
  public String toString() {
    return "heap "
        + mib(heap)
        + ": page cache "
        + mib(cache)
        + " (read-ahead "
        + mib(readAhead)
        + "), dirty pages "
        + mib(dirtyTotal)
        + " ("
        + mib(dirtyPerTransaction)
        + " per transaction)";
  }
}
