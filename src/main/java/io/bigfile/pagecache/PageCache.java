package io.bigfile.pagecache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.bigfile.format.BlockData;
import java.util.function.Function;

/**
 * The shared, bounded cache of clean block versions. Thread-safe. Concurrent loads of one version
 * run the loader once; the others wait for its result. A loader that fails caches nothing.
 */
public final class PageCache {

  private final Cache<BlockKey, BlockData> cache;

  public PageCache(long maxBytes) {
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((BlockKey k, BlockData v) -> v.weight())
            .recordStats()
            .build();
  }

  public BlockData get(BlockKey key, Function<BlockKey, BlockData> loader) {
    return cache.get(key, loader);
  }

  /** The version if it is cached, without loading it. */
  public BlockData getIfPresent(BlockKey key) {
    return cache.getIfPresent(key);
  }

  /** Publishes a version that was just committed. */
  public void put(BlockKey key, BlockData data) {
    cache.put(key, data);
  }

  public CacheStats stats() {
    return cache.stats();
  }

  /** Bytes held (approximately, as weighed). */
  public long weightedSize() {
    return cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  public void clear() {
    cache.invalidateAll();
  }

  /** Runs pending evictions now (they otherwise run on later accesses). */
  public void cleanUp() {
    cache.cleanUp();
  }
}
