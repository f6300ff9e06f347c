package io.bigfile.web;

import io.bigfile.file.IdempotencyKey;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.RequestContext;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.List;

/**
 * The {@code Idempotency-Key} request header (draft-ietf-httpapi-idempotency-key-header): an Item
 * Structured Header whose value is a String (RFC 8941 section 3.3.3), such as {@code
 * "8e03978e-40d5-43e8-bc93-6894a57f9324"}. A bare value without the quotes is taken as it is, as
 * many clients send it. The key is 1 to {@value IdempotencyKey#MAX_LENGTH} visible ASCII
 * characters; anything else, or the field sent twice, is 400. Keys are scoped per principal: the
 * request's owner (the authenticated principal), or {@code anonymous} without authentication. It
 * applies to autocommit writes only: with {@code txn} it is 400 (a transaction's commit settles
 * itself, see the README), and on reads it is ignored (a read changes nothing to repeat).
 * Stateless.
 */
final class IdempotencyKeyHeader {

  static final String NAME = "Idempotency-Key";

  /** The request attribute holding the {@link RequestFingerprint} of a request with the header. */
  static final String FINGERPRINT = IdempotencyKeyHeader.class.getName() + ".fingerprint";

  private IdempotencyKeyHeader() {}

  /**
   * The context of a write: {@code ctx} as it is without the header, or the autocommit context
   * carrying the key.
   *
   * @throws InvalidRequestException for a malformed key, or a key with {@code txn} or {@code at}
   */
  static RequestContext forWrite(HttpServletRequest req, RequestContext ctx) {
    List<String> values = Collections.list(req.getHeaders(NAME));
    if (values.isEmpty()) {
      return ctx;
    }
    if (values.size() > 1) {
      throw new InvalidRequestException("send one Idempotency-Key, not " + values.size());
    }
    if (!(ctx instanceof RequestContext.Autocommit autocommit)) {
      throw new InvalidRequestException(
          "Idempotency-Key applies to writes without txn (autocommit); a transaction's commit is"
              + " settled by the service itself");
    }
    String key = parse(values.get(0));
    RequestFingerprint fp = (RequestFingerprint) req.getAttribute(FINGERPRINT);
    if (fp == null) {
      // the filter digests every request with the header; without it the body cannot be known
      throw new IllegalStateException("no fingerprint for a request with an Idempotency-Key");
    }
    String owner = autocommit.owner();
    String principal = owner.equals(RequestContext.NO_OWNER) ? IdempotencyKey.ANONYMOUS : owner;
    return RequestContext.autocommit(owner, new IdempotencyKey(principal, key, fp::get));
  }

  /**
   * The key in a header value: an RFC 8941 String ({@code "..."}, with {@code \"} and {@code \\}
   * escapes), or a bare value.
   *
   * @throws InvalidRequestException if it is not 1 to 255 visible ASCII characters
   */
  static String parse(String value) {
    String v = value.strip();
    String key;
    if (v.startsWith("\"")) {
      StringBuilder sb = new StringBuilder();
      int i = 1;
      boolean closed = false;
      while (i < v.length()) {
        char c = v.charAt(i++);
        if (c == '\\') {
          if (i >= v.length() || (v.charAt(i) != '"' && v.charAt(i) != '\\')) {
            throw malformed();
          }
          sb.append(v.charAt(i++));
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          sb.append(c);
        }
      }
      if (!closed || i != v.length()) {
        throw malformed();
      }
      key = sb.toString();
    } else {
      key = v;
    }
    if (!IdempotencyKey.valid(key)) {
      throw malformed();
    }
    return key;
  }

  private static InvalidRequestException malformed() {
    return new InvalidRequestException(
        "Idempotency-Key must be a string of 1 to "
            + IdempotencyKey.MAX_LENGTH
            + " visible ASCII characters, such as \"8e03978e-40d5-43e8-bc93-6894a57f9324\"");
  }
}
