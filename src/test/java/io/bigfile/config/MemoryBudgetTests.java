package io.bigfile.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The memory sizes: derived from the heap when left at auto, refused when they cannot fit. */
class MemoryBudgetTests {

  private static final long MiB = 1024 * 1024;

  private static CacheProperties cache(Map<String, String> settings) {
    return bind(settings).bindOrCreate("bigfile.cache", CacheProperties.class);
  }

  private static TransactionsProperties tx(Map<String, String> settings) {
    return bind(settings).bindOrCreate("bigfile.transactions", TransactionsProperties.class);
  }

  private static Binder bind(Map<String, String> settings) {
    return new Binder(new MapConfigurationPropertySource(settings));
  }

  private static MemoryBudget budget(long heap, Map<String, String> settings) {
    return MemoryBudget.of(heap, cache(settings), tx(settings));
  }

  @Test
  void theDefaultsAreAuto() {
    assertThat(cache(Map.of()).maxSize().isAuto()).isTrue();
    assertThat(cache(Map.of()).readAhead().isAuto()).isTrue();
    assertThat(tx(Map.of()).maxDirtyTotal().isAuto()).isTrue();
    assertThat(tx(Map.of()).maxDirtyPerTransaction().isAuto()).isTrue();
  }

  @Test
  void a256MiBHeapGetsAQuarterForTheCacheAndAQuarterForDirtyPages() {
    MemoryBudget b = budget(256 * MiB, Map.of());
    assertThat(b.cache()).isEqualTo(64 * MiB);
    assertThat(b.readAhead()).isEqualTo(8 * MiB);
    assertThat(b.dirtyTotal()).isEqualTo(64 * MiB);
    assertThat(b.dirtyPerTransaction()).isEqualTo(32 * MiB);
    assertThat(b.cache() + b.dirtyTotal() + MemoryBudget.reserve(b.heap())).isEqualTo(256 * MiB);
  }

  @Test
  void theImagesDefaultHeapOf1Point5GiB() {
    MemoryBudget b = budget(1536 * MiB, Map.of());
    assertThat(b.cache()).isEqualTo(384 * MiB);
    assertThat(b.readAhead()).isEqualTo(48 * MiB);
    assertThat(b.dirtyTotal()).isEqualTo(384 * MiB);
    assertThat(b.dirtyPerTransaction()).isEqualTo(192 * MiB);
  }

  @Test
  void smallHeapsKeepTheReserveAndShareTheRest() {
    MemoryBudget b = budget(192 * MiB, Map.of());
    assertThat(b.cache()).isEqualTo(32 * MiB);
    assertThat(b.dirtyTotal()).isEqualTo(32 * MiB);
    assertThat(b.readAhead()).isEqualTo(4 * MiB);
  }

  @Test
  void aHeapTooSmallForTheReserveIsRefusedSayingWhatItNeeds() {
    assertThatThrownBy(() -> budget(150 * MiB, Map.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("heap of 150 MiB is too small")
        .hasMessageContaining("-Xmx160m");
    assertThat(budget(160 * MiB, Map.of()).cache()).isEqualTo(16 * MiB);
  }

  @Test
  void configuredSizesAreKeptWhenTheyFit() {
    MemoryBudget b =
        budget(
            1024 * MiB,
            Map.of(
                "bigfile.cache.max-size", "512MB",
                "bigfile.cache.read-ahead", "16MB",
                "bigfile.transactions.max-dirty-total", "256MB",
                "bigfile.transactions.max-dirty-per-transaction", "64MB"));
    assertThat(b.cache()).isEqualTo(512 * MiB);
    assertThat(b.readAhead()).isEqualTo(16 * MiB);
    assertThat(b.dirtyTotal()).isEqualTo(256 * MiB);
    assertThat(b.dirtyPerTransaction()).isEqualTo(64 * MiB);
  }

  @Test
  void aReadAheadLargerThanAQuarterOfTheCacheIsCapped() {
    MemoryBudget b =
        budget(
            1024 * MiB,
            Map.of("bigfile.cache.max-size", "32MB", "bigfile.cache.read-ahead", "1GB"));
    assertThat(b.readAhead()).isEqualTo(8 * MiB);
  }

  @Test
  void theOldFixedDefaultsInA256MiBHeapAreRefusedSayingWhatFits() {
    assertThatThrownBy(
            () ->
                budget(
                    256 * MiB,
                    Map.of(
                        "bigfile.cache.max-size", "256MB",
                        "bigfile.transactions.max-dirty-total", "1GB")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("do not fit in the heap of 256 MiB")
        .hasMessageContaining("at most 128 MiB")
        .hasMessageContaining("64 MiB each");
  }

  @Test
  void aConfiguredCacheLeavingNoRoomForTheAutoDirtyPagesIsRefused() {
    assertThatThrownBy(() -> budget(1024 * MiB, Map.of("bigfile.cache.max-size", "700MB")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bigfile.cache.max-size (700 MiB)")
        .hasMessageContaining("max-dirty-total (256 MiB, auto)")
        .hasMessageContaining("at most 768 MiB");
  }

  @Test
  void aTransactionsShareAboveTheTotalIsRefused() {
    assertThatThrownBy(
            () ->
                budget(
                    1024 * MiB, Map.of("bigfile.transactions.max-dirty-per-transaction", "512MB")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("max-dirty-per-transaction (512 MiB) must not exceed")
        .hasMessageContaining("(256 MiB, auto for a heap of 1024 MiB)");
  }

  @Test
  void sizesAreTextOrAuto() {
    assertThat(SizeOrAuto.valueOf("auto").isAuto()).isTrue();
    assertThat(SizeOrAuto.valueOf("").isAuto()).isTrue();
    assertThat(SizeOrAuto.valueOf("64MB").size().toBytes()).isEqualTo(64 * MiB);
    assertThat(SizeOrAuto.valueOf("1048576").size().toBytes()).isEqualTo(MiB);
    assertThatThrownBy(() -> SizeOrAuto.valueOf("-1MB"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
