package io.bigfile.engine;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.file.FileTooLargeException;
import org.junit.jupiter.api.Test;

/** The size-limit check of a write, at the edges of a {@code long} where a sum would overflow. */
class StagingRangeTests {

  private static final long MAX = 1L << 30;

  @Test
  void rangesInsideTheLimitPass() {
    assertThatCode(() -> Staging.checkRange(0, MAX, MAX)).doesNotThrowAnyException();
    assertThatCode(() -> Staging.checkRange(MAX - 1, 1, MAX)).doesNotThrowAnyException();
    assertThatCode(() -> Staging.checkRange(MAX, 0, MAX)).doesNotThrowAnyException();
    assertThatCode(() -> Staging.checkRange(MAX, -1, MAX)).doesNotThrowAnyException();
  }

  @Test
  void rangesPastTheLimitAreTooLargeEvenWhereTheSumOverflows() {
    long[][] refused = {
      {MAX, 1},
      {MAX + 1, -1},
      {0, MAX + 1},
      {Long.MAX_VALUE - 1, 2}, // the sum overflows to Long.MIN_VALUE
      {Long.MAX_VALUE, 2},
      {Long.MAX_VALUE, -1}, // an open range (length unknown) that starts past the limit
      {Long.MAX_VALUE, 0},
      {1, Long.MAX_VALUE},
    };
    for (long[] r : refused) {
      assertThatThrownBy(() -> Staging.checkRange(r[0], r[1], MAX))
          .as("offset %d, length %d", r[0], r[1])
          .isInstanceOf(FileTooLargeException.class);
    }
  }

  @Test
  void aLimitOfLongMaxValueStillRefusesAnOverflowingRange() {
    assertThatThrownBy(() -> Staging.checkRange(Long.MAX_VALUE - 1, 2, Long.MAX_VALUE))
        .isInstanceOf(FileTooLargeException.class);
    assertThatCode(() -> Staging.checkRange(Long.MAX_VALUE - 1, 1, Long.MAX_VALUE))
        .doesNotThrowAnyException();
  }
}
