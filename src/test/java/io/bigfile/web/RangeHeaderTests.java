package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.file.InvalidRequestException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9110 section 14: Range resolution against a 1000-byte representation, and Content-Range of
 * writes.
 */
class RangeHeaderTests {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bytes=0-499            | 0+500",
        "bytes=500-             | 500+500",
        "bytes=-100             | 900+100",
        "bytes=-5000            | 0+1000",
        "bytes=990-2000         | 990+10",
        "bytes=999-999          | 999+1",
        "BYTES = 1-2            | 1+2",
        "bytes=0-0,-1           | 0+1;999+1",
        "bytes=2000-,10-19      | 10+10",
      })
  void resolvesSatisfiableRanges(String header, String expected) {
    RangeHeader.Parsed p = RangeHeader.resolve(header, 1000);
    assertThat(p.ignored()).isFalse();
    assertThat(
            String.join(
                ";", p.satisfiable().stream().map(r -> r.offset() + "+" + r.length()).toList()))
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=1000-", "bytes=5000-6000", "bytes=-0"})
  void unsatisfiable(String header) {
    assertThat(RangeHeader.resolve(header, 1000).unsatisfiable()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=0-", "bytes=0-0", "bytes=-1", "bytes=-0", "bytes=5-9,0-"})
  void anyRangeOfAnEmptyRepresentationIsIgnored(String header) {
    RangeHeader.Parsed p = RangeHeader.resolve(header, 0);
    assertThat(p.ignored()).isTrue();
    assertThat(p.unsatisfiable()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "items=0-1",
        "bytes=5-1",
        "bytes=a-b",
        "bytes=",
        "bytes=1",
        "bytes 0-1",
        "bytes=--1"
      })
  void malformedIsIgnored(String header) {
    assertThat(RangeHeader.resolve(header, 1000).ignored()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {"bytes 0-9/*|0|9|", "bytes 10-19/100|10|19|100", "bytes 0-0/1|0|0|1"})
  void parsesContentRange(String value, long first, long last, Long complete) {
    ContentRangeHeader c = ContentRangeHeader.parse(value);
    assertThat(c.first()).isEqualTo(first);
    assertThat(c.last()).isEqualTo(last);
    assertThat(c.completeLength()).isEqualTo(complete);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bytes 9-0/*",
        "bytes */100",
        "bytes 0-9/5",
        "items 0-9/*",
        "bytes 0-9",
        "bytes a-b/*",
        "bytes -1-5/*"
      })
  void refusesMalformedContentRange(String value) {
    assertThatThrownBy(() -> ContentRangeHeader.parse(value))
        .isInstanceOf(InvalidRequestException.class);
  }
}
