package io.bigfile.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.bigfile.pagecache.BlockKey;
import java.time.Duration;

/**
 * Decides when a small read that misses the page cache loads its whole block. A random read of 4
 * KiB should not fetch 2 MiB, so the first small read of a block version fetches only its range and
 * caches nothing; but a block read again soon after (a client walking a file in small ranges, a hot
 * spot) is worth caching whole, so the second small read within {@link #WINDOW} loads and caches
 * the block. Thread-safe.
 */
final class PartialReads {

  /** A second small read of a version within this window loads it whole. */
  static final Duration WINDOW = Duration.ofSeconds(30);

  /** Versions remembered at once (about 100 bytes each). */
  private static final long MAX_ENTRIES = 100_000;

  private final Cache<BlockKey, Boolean> touched =
      Caffeine.newBuilder().maximumSize(MAX_ENTRIES).expireAfterWrite(WINDOW).build();

  /**
   * Whether this is the first small read of the version lately (read only the range); false means
   * load the block whole.
   */
  boolean firstTouch(BlockKey key) {
    boolean[] first = {false};
    touched.get(
        key,
        k -> {
          first[0] = true;
          return Boolean.TRUE;
        });
    if (!first[0]) {
      touched.invalidate(key);
    }
    return first[0];
  }

  void clear() {
    touched.invalidateAll();
  }
}
