package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RangePolicyTests {

  /** At most 3 ranges of any kind, 1 overlap, 5 ranges that ascend without overlapping. */
  private final RangePolicy policy = new RangePolicy(3, 1, 5);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bytes=0-9                            | true",
        "bytes=0-9,20-29,40-49                | true",
        "bytes=0-9,5-14                       | true",
        "bytes=0-9,5-14,6-15                  | false",
        "bytes=0-599,-500                     | false",
        "bytes=0-,0-                          | false",
        "bytes=0-0,2000-,3000-                | true",
        // over maxRanges: served only when ascending without overlaps, up to maxAscendingRanges
        "bytes=0-9,20-29,40-49,60-69          | true",
        "bytes=0-9,10-19,20-29,30-39,40-      | true",
        "bytes=60-69,40-49,20-29,0-9          | false",
        "bytes=0-9,20-29,60-69,40-49          | false",
        "bytes=0-9,5-14,20-29,40-49           | false",
        "bytes=0-9,9-19,20-29,40-49           | false",
        "bytes=0-9,20-29,40-49,60-69,80-89,100-109 | false",
      })
  void decides(String header, boolean allowed) {
    assertThat(policy.allows(RangeHeader.resolve(header, 1000), 1000)).isEqualTo(allowed);
  }

  @Test
  void theDefaultsServeTheTwoHundredFiftyAscendingRangesGdalSends() {
    RangePolicy defaults = new RangePolicy(100, 2, 2000);
    String ascending =
        IntStream.range(0, 250)
            .mapToObj(i -> (i * 4000) + "-" + (i * 4000 + 1999))
            .collect(Collectors.joining(",", "bytes=", ""));
    assertThat(defaults.allows(RangeHeader.resolve(ascending, 1_000_000), 1_000_000)).isTrue();

    String descending =
        IntStream.range(0, 250)
            .mapToObj(i -> ((249 - i) * 4000) + "-" + ((249 - i) * 4000 + 1999))
            .collect(Collectors.joining(",", "bytes=", ""));
    assertThat(defaults.allows(RangeHeader.resolve(descending, 1_000_000), 1_000_000)).isFalse();

    String tooMany =
        IntStream.range(0, 2001)
            .mapToObj(i -> i + "-" + i)
            .collect(Collectors.joining(",", "bytes=", ""));
    assertThat(defaults.allows(RangeHeader.resolve(tooMany, 1_000_000), 1_000_000)).isFalse();
  }

  @Test
  void anAscendingCapBelowMaxRangesTakesNothingAway() {
    RangePolicy low = new RangePolicy(3, 1, 1);
    assertThat(low.allows(RangeHeader.resolve("bytes=40-49,0-9,20-29", 1000), 1000)).isTrue();
  }
}
