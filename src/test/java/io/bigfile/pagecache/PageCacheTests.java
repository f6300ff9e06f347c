package io.bigfile.pagecache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.format.BlockData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PageCacheTests {

  @Test
  void concurrentLoadsOfOneVersionRunTheLoaderOnce() throws Exception {
    PageCache cache = new PageCache(1 << 20);
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<BlockData>> results = new ArrayList<>();
    BlockKey key = new BlockKey(1, 2, 3);
    for (int i = 0; i < 8; i++) {
      results.add(
          pool.submit(
              () -> {
                start.await();
                return cache.get(
                    key,
                    k -> {
                      loads.incrementAndGet();
                      return new BlockData(new byte[] {7}, 1);
                    });
              }));
    }
    start.countDown();
    for (Future<BlockData> f : results) {
      assertThat(f.get(10, TimeUnit.SECONDS).buf()[0]).isEqualTo((byte) 7);
    }
    pool.shutdown();
    assertThat(loads.get()).isEqualTo(1);
  }

  @Test
  void versionsAreSeparateEntriesAndFailedLoadsCacheNothing() {
    PageCache cache = new PageCache(1 << 20);
    cache.put(new BlockKey(1, 0, 5), new BlockData(new byte[] {5}, 1));
    BlockData v6 = cache.get(new BlockKey(1, 0, 6), k -> new BlockData(new byte[] {6}, 1));
    assertThat(v6.buf()[0]).isEqualTo((byte) 6);
    assertThat(cache.get(new BlockKey(1, 0, 5), k -> BlockData.EMPTY).buf()[0]).isEqualTo((byte) 5);
    assertThatThrownBy(
            () ->
                cache.get(
                    new BlockKey(1, 0, 7),
                    k -> {
                      throw new IllegalStateException("database down");
                    }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(cache.get(new BlockKey(1, 0, 7), k -> new BlockData(new byte[] {7}, 1)).buf()[0])
        .isEqualTo((byte) 7);
  }

  @Test
  void theCacheIsBoundedInBytes() {
    PageCache cache = new PageCache(64 * 1024);
    for (int i = 0; i < 100; i++) {
      cache.put(new BlockKey(1, i, 1), new BlockData(new byte[4096], 4096));
    }
    cache.cleanUp();
    assertThat(cache.weightedSize()).isLessThanOrEqualTo(64 * 1024);
  }
}
