package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.file.IdempotencyKey;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.RequestContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * The {@code Idempotency-Key} header and the fingerprint that tells a retry from another request:
 * what counts as the same request, and what a malformed key is.
 */
class IdempotencyKeyHeaderTests {

  private static MockHttpServletRequest put(String body) {
    MockHttpServletRequest r = new MockHttpServletRequest("PUT", "/v1/files/abc/content");
    r.addHeader("Content-Type", "application/octet-stream");
    r.addHeader("Content-Range", "bytes 0-2/*");
    r.setContent(body.getBytes(StandardCharsets.UTF_8));
    return r;
  }

  /** The fingerprint of a request, its body read through the digest as a handler reads it. */
  private static byte[] fingerprint(MockHttpServletRequest r) throws IOException {
    RequestFingerprint fp = new RequestFingerprint(r);
    try (InputStream in = fp.body(r.getInputStream())) {
      in.readAllBytes();
    }
    return fp.get();
  }

  private static byte[] fingerprintOf(Consumer<MockHttpServletRequest> change) throws IOException {
    MockHttpServletRequest r = put("xyz");
    change.accept(r);
    return fingerprint(r);
  }

  @Test
  void theSameRequestHasTheSameFingerprint() throws IOException {
    assertThat(fingerprint(put("xyz"))).isEqualTo(fingerprint(put("xyz"))).hasSize(32);
  }

  @Test
  void headersThatDoNotChangeTheWriteAreLeftOut() throws IOException {
    byte[] plain = fingerprint(put("xyz"));
    assertThat(
            fingerprintOf(
                r -> {
                  r.addHeader("User-Agent", "retrying-client/2");
                  r.addHeader("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
                  r.addHeader("Authorization", "Bearer another-token-of-the-same-principal");
                  r.addHeader(
                      "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
                }))
        .isEqualTo(plain);
  }

  @Test
  void anyPartOfTheRequestChangesIt() throws IOException {
    byte[] plain = fingerprint(put("xyz"));
    assertThat(fingerprint(put("xyZ"))).as("body").isNotEqualTo(plain);
    assertThat(fingerprint(put(""))).as("no body").isNotEqualTo(plain);
    assertThat(fingerprintOf(r -> r.setMethod("POST"))).as("method").isNotEqualTo(plain);
    assertThat(fingerprintOf(r -> r.setRequestURI("/v1/files/abd/content")))
        .as("target")
        .isNotEqualTo(plain);
    assertThat(fingerprintOf(r -> r.setQueryString("x=1"))).as("query").isNotEqualTo(plain);
    for (String header :
        new String[] {"If-Match", "If-None-Match", "If-Unmodified-Since", "Content-Encoding"}) {
      assertThat(fingerprintOf(r -> r.addHeader(header, "\"r1\""))).as(header).isNotEqualTo(plain);
    }
    MockHttpServletRequest otherRange = put("xyz");
    otherRange.removeHeader("Content-Range");
    otherRange.addHeader("Content-Range", "bytes 1-3/*");
    assertThat(fingerprint(otherRange)).as("Content-Range").isNotEqualTo(plain);
  }

  /** Fields are length-prefixed: moving bytes from one field to the next is another request. */
  @Test
  void fieldsDoNotRunIntoEachOther() throws IOException {
    assertThat(fingerprintOf(r -> r.setQueryString("ab")))
        .isNotEqualTo(
            fingerprintOf(
                r -> {
                  r.setRequestURI(r.getRequestURI() + "a");
                  r.setQueryString("b");
                }));
  }

  /**
   * A replay must compare the whole body even when nothing read it (the first request's answer is
   * given without running the request): what is left is read first.
   */
  @Test
  void theBodyLeftUnreadIsReadForTheFingerprint() throws IOException {
    MockHttpServletRequest unread = put("xyz");
    assertThat(new RequestFingerprint(unread).get()).isEqualTo(fingerprint(put("xyz")));
    MockHttpServletRequest half = put("xyz");
    RequestFingerprint fp = new RequestFingerprint(half);
    assertThat(fp.body(half.getInputStream()).read()).isEqualTo('x');
    assertThat(fp.get()).isEqualTo(fingerprint(put("xyz")));
  }

  @Test
  void keysAreStructuredFieldStringsOrBareValues() {
    assertThat(IdempotencyKeyHeader.parse("\"8e03978e-40d5-43e8-bc93-6894a57f9324\""))
        .isEqualTo("8e03978e-40d5-43e8-bc93-6894a57f9324");
    assertThat(IdempotencyKeyHeader.parse(" \"a \\\"b\\\" \\\\c\" ")).isEqualTo("a \"b\" \\c");
    assertThat(IdempotencyKeyHeader.parse("8e03978e")).isEqualTo("8e03978e");
    assertThat(IdempotencyKeyHeader.parse("\"" + "k".repeat(255) + "\"")).hasSize(255);
  }

  @Test
  void malformedKeysAre400() {
    for (String bad :
        new String[] {
          "", "\"\"", "\"unclosed", "\"a\"b", "\"bad \\escape\"", "k".repeat(256), "é", "a\tb"
        }) {
      assertThatThrownBy(() -> IdempotencyKeyHeader.parse(bad))
          .as(bad)
          .isInstanceOf(InvalidRequestException.class);
    }
  }

  @Test
  void aKeyMakesAnAutocommitWriteKeyedAndIsScopedToThePrincipal() {
    MockHttpServletRequest r = put("xyz");
    r.addHeader(IdempotencyKeyHeader.NAME, "\"k1\"");
    r.setAttribute(IdempotencyKeyHeader.FINGERPRINT, new RequestFingerprint(r));
    RequestContext ctx = IdempotencyKeyHeader.forWrite(r, RequestContext.AUTOCOMMIT);
    IdempotencyKey key = ((RequestContext.Autocommit) ctx).idempotencyKey();
    assertThat(key.key()).isEqualTo("k1");
    assertThat(key.principal()).isEqualTo(IdempotencyKey.ANONYMOUS);

    // the request's owner, as the transactions it begins and names (QueryParams.owner)
    Principal alice = () -> "alice";
    r.setUserPrincipal(alice);
    RequestContext owned = IdempotencyKeyHeader.forWrite(r, QueryParams.context(r));
    assertThat(((RequestContext.Autocommit) owned).owner()).isEqualTo("alice");
    assertThat(((RequestContext.Autocommit) owned).idempotencyKey().principal()).isEqualTo("alice");
  }

  @Test
  void aKeyInATransactionOrTwiceIs400AndNoKeyChangesNothing() {
    MockHttpServletRequest r = put("xyz");
    assertThat(IdempotencyKeyHeader.forWrite(r, RequestContext.AUTOCOMMIT))
        .isSameAs(RequestContext.AUTOCOMMIT);
    r.addHeader(IdempotencyKeyHeader.NAME, "\"k1\"");
    r.setAttribute(IdempotencyKeyHeader.FINGERPRINT, new RequestFingerprint(r));
    assertThatThrownBy(
            () -> IdempotencyKeyHeader.forWrite(r, new RequestContext.InTransaction("t")))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("txn");
    r.addHeader(IdempotencyKeyHeader.NAME, "\"k2\"");
    assertThatThrownBy(() -> IdempotencyKeyHeader.forWrite(r, RequestContext.AUTOCOMMIT))
        .isInstanceOf(InvalidRequestException.class);
  }
}
