package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.file.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** {@code Content-Range} of a write (RFC 9110 section 14.4), at the edges of a {@code long}. */
class ContentRangeHeaderTests {

  @Test
  void lengthNearTwoToTheSixtyThreeDoesNotOverflow() {
    ContentRangeHeader r =
        ContentRangeHeader.parse("bytes 9223372036854775806-9223372036854775807/*");
    assertThat(r.first()).isEqualTo(Long.MAX_VALUE - 1);
    assertThat(r.length()).isEqualTo(2);
    // 2^63 bytes: saturated, so a size check refuses it instead of seeing a negative length
    assertThat(ContentRangeHeader.parse("bytes 0-9223372036854775807/*").length())
        .isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void positionsPastALongAreMalformed() {
    assertThatThrownBy(() -> ContentRangeHeader.parse("bytes 0-9223372036854775808/*"))
        .isInstanceOf(InvalidRequestException.class);
  }
}
