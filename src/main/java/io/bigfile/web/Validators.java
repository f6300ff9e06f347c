package io.bigfile.web;

import io.bigfile.file.FileInfo;
import io.bigfile.file.Precondition;
import io.bigfile.file.PreconditionFailedException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;

/**
 * Validators and conditional requests, RFC 9110 sections 8.8 and 13.
 *
 * <p>The entity tag is strong and names the revision that last changed the file as the request sees
 * it (or, inside a transaction that changed the file, a transaction-local version). {@code
 * Last-Modified} is that commit's time.
 */
final class Validators {

  static final String REVISION_HEADER = "BigFile-Revision";

  private Validators() {}

  static String etag(FileInfo f) {
    return "\"" + f.version() + "\"";
  }

  static void write(HttpServletResponse resp, FileInfo f) {
    resp.setHeader("ETag", etag(f));
    resp.setDateHeader("Last-Modified", f.modifiedAt().toEpochMilli());
    resp.setHeader(REVISION_HEADER, Long.toString(f.asOf()));
  }

  /** What a read's preconditions decide (RFC 9110 section 13.2.2). */
  enum ReadOutcome {
    PROCEED,
    NOT_MODIFIED,
    PRECONDITION_FAILED
  }

  static PreconditionFailedException readPreconditionFailed() {
    return new PreconditionFailedException(
        "If-Match or If-Unmodified-Since does not hold: the file has changed");
  }

  /** Evaluates preconditions in the order of RFC 9110 section 13.2.2 for a GET or HEAD. */
  static ReadOutcome evaluateRead(HttpServletRequest req, FileInfo f) {
    String ifMatch = req.getHeader("If-Match");
    if (ifMatch != null) {
      if (!matchesStrong(ifMatch, f)) {
        return ReadOutcome.PRECONDITION_FAILED;
      }
    } else {
      Instant ius = date(req.getHeader("If-Unmodified-Since"));
      if (ius != null && seconds(f.modifiedAt()).isAfter(ius)) {
        return ReadOutcome.PRECONDITION_FAILED;
      }
    }
    String ifNoneMatch = req.getHeader("If-None-Match");
    if (ifNoneMatch != null) {
      if (matchesWeak(ifNoneMatch, f)) {
        return ReadOutcome.NOT_MODIFIED;
      }
    } else {
      Instant ims = date(req.getHeader("If-Modified-Since"));
      if (ims != null && !seconds(f.modifiedAt()).isAfter(ims)) {
        return ReadOutcome.NOT_MODIFIED;
      }
    }
    return ReadOutcome.PROCEED;
  }

  /**
   * {@code If-Range} (section 13.1.5): true when the Range header may be used. A strong entity tag
   * must match exactly (a weak one never matches); a date must equal {@code Last-Modified} exactly.
   */
  static boolean ifRangeHolds(HttpServletRequest req, FileInfo f) {
    String v = req.getHeader("If-Range");
    if (v == null) {
      return true;
    }
    v = v.trim();
    if (v.startsWith("\"")) {
      return v.equals(etag(f));
    }
    if (v.startsWith("W/")) {
      return false;
    }
    Instant d = date(v);
    return d != null && d.equals(seconds(f.modifiedAt()));
  }

  /**
   * The precondition of a write from If-Match and If-Unmodified-Since, or null when it has none.
   */
  static Precondition forWrite(HttpServletRequest req) {
    String ifMatch = req.getHeader("If-Match");
    String ifNoneMatch = req.getHeader("If-None-Match");
    Instant ius = ifMatch == null ? date(req.getHeader("If-Unmodified-Since")) : null;
    if (ifMatch == null && ifNoneMatch == null && ius == null) {
      return null;
    }
    return f -> {
      if (ifMatch != null && !matchesStrong(ifMatch, f)) {
        return false;
      }
      if (ius != null && seconds(f.modifiedAt()).isAfter(ius)) {
        return false;
      }
      return ifNoneMatch == null || !matchesWeak(ifNoneMatch, f);
    };
  }

  private static boolean matchesStrong(String header, FileInfo f) {
    if (header.trim().equals("*")) {
      return true;
    }
    String tag = etag(f);
    for (String t : header.split(",")) {
      if (t.trim().equals(tag)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matchesWeak(String header, FileInfo f) {
    if (header.trim().equals("*")) {
      return true;
    }
    String tag = etag(f);
    for (String t : header.split(",")) {
      String s = t.trim();
      if (s.startsWith("W/")) {
        s = s.substring(2);
      }
      if (s.equals(tag)) {
        return true;
      }
    }
    return false;
  }

  private static Instant seconds(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS);
  }

  /**
   * IMF-fixdate, {@code Sun, 06 Nov 1994 08:49:37 GMT}. The JDK's RFC 1123 parser also takes the
   * obsolete single-digit day and numeric zones, which senders of RFC 1123 dates used.
   */
  private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.RFC_1123_DATE_TIME;

  /** rfc850-date, {@code Sunday, 06-Nov-94 08:49:37 GMT}; the year is resolved separately. */
  private static final DateTimeFormatter RFC_850 =
      DateTimeFormatter.ofPattern("EEEE, dd-MMM-", Locale.US);

  private static final DateTimeFormatter RFC_850_TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.US);

  /** asctime-date, {@code Sun Nov 6 08:49:37 1994} (or {@code Nov 06}), always GMT. */
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss uuuu", Locale.US)
          .withResolverStyle(ResolverStyle.STRICT);

  /**
   * An HTTP date, or null when absent or invalid (an invalid date is ignored, section 13.1.3).
   *
   * <p>RFC 9110 section 5.6.7: "A recipient that parses a timestamp value in an HTTP header field
   * MUST accept all three HTTP-date formats": IMF-fixdate, the obsolete RFC 850 form and asctime.
   */
  static Instant date(String v) {
    return date(v, Instant.now());
  }

  /** {@link #date(String)} as parsed at {@code now}, which resolves an RFC 850 two-digit year. */
  static Instant date(String v, Instant now) {
    if (v == null) {
      return null;
    }
    String s = v.trim();
    try {
      if (s.length() > 3 && s.charAt(3) == ',') {
        return ZonedDateTime.parse(s, IMF_FIXDATE).toInstant();
      }
      if (s.indexOf(',') > 3) {
        return rfc850(s, now);
      }
      return LocalDateTime.parse(s, ASCTIME).toInstant(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return null;
    }
  }

  /**
   * rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT, with date2 = day "-" month "-"
   * 2DIGIT. Section 5.6.7: a recipient "MUST interpret a timestamp that appears to be more than 50
   * years in the future as representing the most recent year in the past that had the same last two
   * digits."
   */
  private static Instant rfc850(String s, Instant now) {
    // "Sunday, 06-Nov-" "94" " " "08:49:37" " GMT"
    int yearAt = s.lastIndexOf('-') + 1;
    if (yearAt <= 0
        || s.length() != yearAt + 2 + 1 + 8 + 4
        || !s.endsWith(" GMT")
        || s.charAt(yearAt + 2) != ' '
        || !Character.isDigit(s.charAt(yearAt))
        || !Character.isDigit(s.charAt(yearAt + 1))) {
      throw new DateTimeException("not an rfc850-date: " + s);
    }
    int yy = Integer.parseInt(s.substring(yearAt, yearAt + 2));
    var dayMonth = RFC_850.parse(s.substring(0, yearAt));
    var time = LocalTime.parse(s.substring(yearAt + 3, yearAt + 11), RFC_850_TIME);
    int nowYear = now.atZone(ZoneOffset.UTC).getYear();
    LocalDateTime t = at(Math.floorDiv(nowYear, 100) * 100 + yy, dayMonth, time);
    if (t.isAfter(LocalDateTime.ofInstant(now, ZoneOffset.UTC).plusYears(50))) {
      t = at(t.getYear() - 100, dayMonth, time);
    }
    if (t.getDayOfWeek().getValue() != dayMonth.get(ChronoField.DAY_OF_WEEK)) {
      throw new DateTimeException("the day name does not match the date");
    }
    return t.toInstant(ZoneOffset.UTC);
  }

  private static LocalDateTime at(int year, TemporalAccessor dayMonth, LocalTime time) {
    return LocalDate.of(
            year, dayMonth.get(ChronoField.MONTH_OF_YEAR), dayMonth.get(ChronoField.DAY_OF_MONTH))
        .atTime(time);
  }
}
