package io.bigfile.web;

import io.bigfile.file.FileInfo;
import io.bigfile.file.Precondition;
import io.bigfile.file.PreconditionFailedException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

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

  /** An HTTP date, or null when absent or invalid (an invalid date is ignored, section 13.1.3). */
  static Instant date(String v) {
    if (v == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
          .withZoneSameInstant(ZoneOffset.UTC)
          .toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
