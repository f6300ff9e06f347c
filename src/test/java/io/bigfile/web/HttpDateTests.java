package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The three HTTP-date forms of RFC 9110 section 5.6.7, as conditional request headers carry. */
class HttpDateTests {

  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
  private static final Instant EXAMPLE = Instant.parse("1994-11-06T08:49:37Z");

  @Test
  void theThreeFormsOfTheSectionsExampleAreOneInstant() {
    assertThat(Validators.date("Sun, 06 Nov 1994 08:49:37 GMT", NOW)).isEqualTo(EXAMPLE);
    assertThat(Validators.date("Sunday, 06-Nov-94 08:49:37 GMT", NOW)).isEqualTo(EXAMPLE);
    assertThat(Validators.date("Sun Nov  6 08:49:37 1994", NOW)).isEqualTo(EXAMPLE);
    assertThat(Validators.date("Sun Nov 06 08:49:37 1994", NOW)).isEqualTo(EXAMPLE);
  }

  @Test
  void anRfc850YearMoreThanFiftyYearsAheadIsTheLastSuchYearInThePast() {
    // 2094 is more than 50 years after 2026: 1994
    assertThat(Validators.date("Sunday, 06-Nov-94 08:49:37 GMT", NOW)).isEqualTo(EXAMPLE);
    // 2026 and 2075 are not
    assertThat(Validators.date("Tuesday, 01-Dec-26 10:00:00 GMT", NOW))
        .isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
    assertThat(Validators.date("Sunday, 01-Dec-75 00:00:00 GMT", NOW))
        .isEqualTo(Instant.parse("2075-12-01T00:00:00Z"));
    // 2077 is: 1977
    assertThat(Validators.date("Thursday, 01-Dec-77 00:00:00 GMT", NOW))
        .isEqualTo(Instant.parse("1977-12-01T00:00:00Z"));
  }

  @Test
  void malformedDatesAreIgnored() {
    for (String bad :
        new String[] {
          "",
          "yesterday",
          "Monday, 06-Nov-94 08:49:37 GMT", // wrong day name
          "Sunday, 06-Nov-1994 08:49:37 GMT",
          "Sunday, 06-Nov-94 08:49:37 PST",
          "Sunday, 06-Nov-9x 08:49:37 GMT",
          "Sun Nov  6 08:49:37 94",
          "Sun Nov 31 08:49:37 1994",
          "Sun, 06 Nov 1994 25:49:37 GMT"
        }) {
      assertThat(Validators.date(bad, NOW)).as(bad).isNull();
    }
    assertThat(Validators.date(null, NOW)).isNull();
  }
}
