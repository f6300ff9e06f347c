package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RangePolicyTests {

  private final RangePolicy policy = new RangePolicy(3, 1);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bytes=0-9                  | true",
        "bytes=0-9,20-29,40-49      | true",
        "bytes=0-9,20-29,40-49,60-69| false",
        "bytes=0-9,5-14             | true",
        "bytes=0-9,5-14,6-15        | false",
        "bytes=0-599,-500           | false",
        "bytes=0-,0-                | false",
        "bytes=0-0,2000-,3000-      | true",
      })
  void decides(String header, boolean allowed) {
    assertThat(policy.allows(RangeHeader.resolve(header, 1000), 1000)).isEqualTo(allowed);
  }
}
