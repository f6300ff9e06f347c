package io.bigfile.security.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.security.links.LinkRefusedException.Reason;
import io.bigfile.security.links.LinkSigner.SignedLink;
import io.bigfile.support.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class LinkSignerTests {

  private static final String PATH = "/v1/files/3f1c0a9b2e7d4c11/content";
  private static final String OTHER_PATH = "/v1/files/0000000000000001/content";
  private static final byte[] K1 = key('1');
  private static final byte[] K2 = key('2');
  private static final Set<LinkOperation> READ = EnumSet.of(LinkOperation.READ);

  private final MutableClock clock = new MutableClock();

  private static byte[] key(char fill) {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) fill);
    return k;
  }

  private LinkSigner signer(String signing, Map<String, byte[]> keys) {
    return new LinkSigner(keys, signing, LinkSigner.MAX_EXPIRES_IN, clock);
  }

  private LinkSigner k1k2(String signing) {
    Map<String, byte[]> keys = new LinkedHashMap<>();
    keys.put("k1", K1);
    keys.put("k2", K2);
    return signer(signing, keys);
  }

  /** The parameters of a link's query string, as the filter reads them from a request. */
  private static LinkParams params(SignedLink link) throws LinkRefusedException {
    return LinkParams.of(link.query());
  }

  private static LinkParams with(LinkParams p, UnaryOperator<LinkParams> change) {
    return change.apply(p);
  }

  @Test
  void aSignedLinkVerifiesForItsPathAndOperation() throws Exception {
    LinkSigner signer = k1k2("k1");
    SignedLink link = signer.sign(PATH, READ, null, Duration.ofHours(1), "alice");
    LinkGrant grant = signer.verify(PATH, "GET", params(link));
    assertThat(grant).isEqualTo(link.grant());
    assertThat(grant.subject()).isEqualTo("alice");
    assertThat(grant.keyId()).isEqualTo("k1");
    assertThat(grant.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    assertThat(signer.verify(PATH, "HEAD", params(link))).isEqualTo(grant);
  }

  @Test
  void theCanonicalFormAndTheSignatureArePinned() {
    // a change of either invalidates every link in circulation: it must be a new version tag
    LinkSigner signer = signer("k1", Map.of("k1", K1));
    SignedLink link =
        signer.sign(
            PATH,
            EnumSet.of(LinkOperation.WRITE, LinkOperation.READ),
            null,
            Duration.ofMinutes(30),
            "backup@example.com");
    assertThat(link.grant().canonical())
        .isEqualTo(
            "bigfile-link-v1\nread,write\n%2Fv1%2Ffiles%2F3f1c0a9b2e7d4c11%2Fcontent\n\n1767227400\nk1\n"
                + "backup%40example.com");
    assertThat(link.signature()).isEqualTo(hmacOf(K1, link.grant().canonical()));
    assertThat(link.query())
        .isEqualTo(
            "link-op=read,write&link-expires=1767227400&link-key=k1&link-sub=backup%40example.com"
                + "&link-sig="
                + link.signature());
    SignedLink pinned = signer.sign(PATH, READ, 42L, Duration.ofMinutes(30), "a b");
    assertThat(pinned.grant().canonical())
        .isEqualTo(
            "bigfile-link-v1\nread\n%2Fv1%2Ffiles%2F3f1c0a9b2e7d4c11%2Fcontent\n42\n1767227400\nk1\na+b");
    assertThat(pinned.query()).startsWith("at=42&link-op=read&");
  }

  /** HMAC-SHA256 computed independently of the signer, base64url without padding. */
  private static String hmacOf(byte[] key, String text) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void fieldsCannotBeShiftedFromOneToAnother() {
    // a line break or separator in one field cannot make it read as the next one
    LinkGrant a = new LinkGrant(PATH, READ, null, 100, "k1", "alice\nk2");
    LinkGrant b = new LinkGrant(PATH, READ, null, 100, "k1\nalice", "k2");
    assertThat(a.canonical()).isNotEqualTo(b.canonical());
    assertThat(a.canonical().split("\n")).hasSize(7);
    assertThat(b.canonical().split("\n")).hasSize(7);
  }

  @Test
  void tamperingWithAnyParameterBreaksTheSignature() throws Exception {
    LinkSigner signer = k1k2("k1");
    SignedLink link = signer.sign(PATH, READ, 7L, Duration.ofHours(1), "alice");
    LinkParams p = params(link);
    assertThat(signer.verify(PATH, "GET", p)).isEqualTo(link.grant());

    Map<String, LinkParams> tampered = new LinkedHashMap<>();
    tampered.put(
        "operation",
        with(
            p,
            x ->
                new LinkParams(
                    "read,write", x.expires(), x.key(), x.subject(), x.signature(), x.at())));
    tampered.put(
        "expiry",
        with(
            p,
            x ->
                new LinkParams(
                    x.op(),
                    Long.toString(Long.parseLong(x.expires()) + 3600),
                    x.key(),
                    x.subject(),
                    x.signature(),
                    x.at())));
    tampered.put(
        "revision",
        with(
            p, x -> new LinkParams(x.op(), x.expires(), x.key(), x.subject(), x.signature(), "8")));
    tampered.put(
        "revision removed",
        with(
            p,
            x -> new LinkParams(x.op(), x.expires(), x.key(), x.subject(), x.signature(), null)));
    tampered.put(
        "revision not canonical",
        with(
            p,
            x -> new LinkParams(x.op(), x.expires(), x.key(), x.subject(), x.signature(), "07")));
    tampered.put(
        "subject",
        with(p, x -> new LinkParams(x.op(), x.expires(), x.key(), "admin", x.signature(), x.at())));
    tampered.put(
        "key id (another configured key)",
        with(
            p, x -> new LinkParams(x.op(), x.expires(), "k2", x.subject(), x.signature(), x.at())));
    String sig = p.signature();
    String flipped = (sig.charAt(0) == 'A' ? "B" : "A") + sig.substring(1);
    tampered.put(
        "signature",
        with(p, x -> new LinkParams(x.op(), x.expires(), x.key(), x.subject(), flipped, x.at())));
    tampered.put(
        "signature truncated",
        with(
            p,
            x ->
                new LinkParams(
                    x.op(), x.expires(), x.key(), x.subject(), sig.substring(0, 20), x.at())));
    tampered.put(
        "signature not base64",
        with(p, x -> new LinkParams(x.op(), x.expires(), x.key(), x.subject(), "%%%", x.at())));
    for (Map.Entry<String, LinkParams> e : tampered.entrySet()) {
      assertThatThrownBy(() -> signer.verify(PATH, "GET", e.getValue()))
          .as(e.getKey())
          .isInstanceOfSatisfying(
              LinkRefusedException.class,
              r -> assertThat(r.reason()).isEqualTo(Reason.BAD_SIGNATURE));
    }
    assertThatThrownBy(() -> signer.verify(OTHER_PATH, "GET", p))
        .as("another file")
        .isInstanceOfSatisfying(
            LinkRefusedException.class,
            r -> assertThat(r.reason()).isEqualTo(Reason.BAD_SIGNATURE));
  }

  @Test
  void malformedParametersAreRefusedAsSuch() throws Exception {
    LinkSigner signer = k1k2("k1");
    LinkParams p = params(signer.sign(PATH, READ, null, Duration.ofHours(1), "alice"));
    for (String op : new String[] {"", "READ", "write,read", "read,read", "delete", "read,"}) {
      assertThatThrownBy(
              () ->
                  signer.verify(
                      PATH,
                      "GET",
                      new LinkParams(op, p.expires(), p.key(), p.subject(), p.signature(), null)))
          .as(op)
          .isInstanceOfSatisfying(
              LinkRefusedException.class, r -> assertThat(r.reason()).isEqualTo(Reason.MALFORMED));
    }
    for (String expires : new String[] {"", "-1", "+1767225600", "01767225600", "1e9", "x"}) {
      assertThatThrownBy(
              () ->
                  signer.verify(
                      PATH,
                      "GET",
                      new LinkParams(p.op(), expires, p.key(), p.subject(), p.signature(), null)))
          .as(expires)
          .isInstanceOfSatisfying(
              LinkRefusedException.class, r -> assertThat(r.reason()).isEqualTo(Reason.MALFORMED));
    }
  }

  @Test
  void aLinkStopsWorkingAtItsExpiry() throws Exception {
    LinkSigner signer = k1k2("k1");
    SignedLink link = signer.sign(PATH, READ, null, Duration.ofSeconds(90), "alice");
    clock.advance(Duration.ofSeconds(89));
    assertThat(signer.verify(PATH, "GET", params(link))).isEqualTo(link.grant());
    clock.advance(Duration.ofSeconds(1));
    assertThatThrownBy(() -> signer.verify(PATH, "GET", params(link)))
        .isInstanceOfSatisfying(
            LinkRefusedException.class,
            r -> {
              assertThat(r.reason()).isEqualTo(Reason.EXPIRED);
              assertThat(r.getMessage()).contains("2026-01-01T00:01:30Z");
            });
  }

  @Test
  void anExpiryIsRoundedUpToTheSecondAndBoundedByTheMaximum() {
    LinkSigner signer = new LinkSigner(Map.of("k1", K1), "k1", Duration.ofHours(2), clock);
    assertThat(signer.sign(PATH, READ, null, Duration.ofMillis(1), "a").grant().expiresAt())
        .isEqualTo(Instant.parse("2026-01-01T00:00:01Z"));
    assertThat(signer.sign(PATH, READ, null, Duration.ofHours(2), "a").grant().expiresAt())
        .isEqualTo(Instant.parse("2026-01-01T02:00:00Z"));
    for (Duration bad :
        new Duration[] {
          Duration.ZERO, Duration.ofSeconds(-1), Duration.ofHours(2).plusSeconds(1)
        }) {
      assertThatThrownBy(() -> signer.sign(PATH, READ, null, bad, "a"))
          .as(bad.toString())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("expiresIn");
    }
    assertThatThrownBy(() -> new LinkSigner(Map.of("k1", K1), "k1", Duration.ofDays(8), clock))
        .hasMessageContaining("at most P7D");
  }

  @Test
  void eachOperationAllowsItsMethodsOnly() throws Exception {
    LinkSigner signer = k1k2("k1");
    LinkParams read = params(signer.sign(PATH, READ, null, Duration.ofHours(1), "a"));
    LinkParams write =
        params(signer.sign(PATH, EnumSet.of(LinkOperation.WRITE), null, Duration.ofHours(1), "a"));
    LinkParams both =
        params(
            signer.sign(PATH, EnumSet.allOf(LinkOperation.class), null, Duration.ofHours(1), "a"));
    for (String m : new String[] {"GET", "HEAD"}) {
      assertThat(signer.verify(PATH, m, read).operations()).containsExactly(LinkOperation.READ);
      assertThat(signer.verify(PATH, m, both).operations()).hasSize(2);
      assertRefused(signer, write, m, Reason.WRONG_OPERATION);
    }
    for (String m : new String[] {"PUT", "PATCH", "POST"}) {
      assertThat(signer.verify(PATH, m, write).operations()).containsExactly(LinkOperation.WRITE);
      assertThat(signer.verify(PATH, m, both).operations()).hasSize(2);
      assertRefused(signer, read, m, Reason.WRONG_OPERATION);
    }
    for (String m : new String[] {"DELETE", "OPTIONS", "TRACE"}) {
      assertRefused(signer, both, m, Reason.WRONG_OPERATION);
    }
  }

  private static void assertRefused(LinkSigner signer, LinkParams p, String method, Reason reason) {
    assertThatThrownBy(() -> signer.verify(PATH, method, p))
        .as(method)
        .isInstanceOfSatisfying(
            LinkRefusedException.class, r -> assertThat(r.reason()).isEqualTo(reason));
  }

  @Test
  void keysRotateByIdAndRemovingOneRevokesItsLinks() throws Exception {
    // before: k1 signs; a k1 link
    LinkParams old = params(k1k2("k1").sign(PATH, READ, null, Duration.ofHours(1), "a"));
    // rotation: k2 signs new links, k1 still verifies the old ones
    LinkSigner rotating = k1k2("k2");
    LinkParams fresh = params(rotating.sign(PATH, READ, null, Duration.ofHours(1), "a"));
    assertThat(fresh.key()).isEqualTo("k2");
    assertThat(rotating.verify(PATH, "GET", old).keyId()).isEqualTo("k1");
    assertThat(rotating.verify(PATH, "GET", fresh).keyId()).isEqualTo("k2");
    // k1 removed: its links are refused, k2's still work
    LinkSigner after = signer("k2", Map.of("k2", K2));
    assertRefused(after, old, "GET", Reason.UNKNOWN_KEY);
    assertThat(after.verify(PATH, "GET", fresh).keyId()).isEqualTo("k2");
    // a key id that was never configured
    assertRefused(
        after,
        new LinkParams(old.op(), old.expires(), "k9", old.subject(), old.signature(), null),
        "GET",
        Reason.UNKNOWN_KEY);
    // the same id with other key material is another key: its old links do not verify
    LinkSigner replaced = signer("k1", Map.of("k1", key('x')));
    assertRefused(replaced, old, "GET", Reason.BAD_SIGNATURE);
  }

  @Test
  void keysAreCheckedWhenTheSignerIsMade() {
    assertThatThrownBy(() -> signer("k1", Map.of("k1", new byte[31])))
        .hasMessageContaining("'k1' has 31 bytes");
    assertThatThrownBy(() -> signer("k3", Map.of("k1", K1)))
        .hasMessageContaining("the signing key 'k3' is not one of the keys");
    assertThatThrownBy(() -> signer("a b", Map.of("a b", K1)))
        .hasMessageContaining("key id is 1 to 64 letters");
    assertThatThrownBy(() -> signer("k1", Map.of())).hasMessageContaining("at least one key");
  }

  @Test
  void keysAreDecodedFromBase64WithoutEverShowingThem() {
    byte[] k = new byte[32];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (i * 37 + 250);
    }
    assertThat(LinkSigner.decodeKey("a", Base64.getEncoder().encodeToString(k))).isEqualTo(k);
    assertThat(LinkSigner.decodeKey("a", Base64.getUrlEncoder().withoutPadding().encodeToString(k)))
        .isEqualTo(k);
    assertThat(LinkSigner.decodeKey("a", " " + Base64.getEncoder().encodeToString(k) + "\n"))
        .isEqualTo(k);
    String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
    assertThatThrownBy(() -> LinkSigner.decodeKey("a", shortKey))
        .hasMessageContaining("'a' has 16 bytes; at least 32")
        .hasMessageNotContaining(shortKey);
    assertThatThrownBy(() -> LinkSigner.decodeKey("a", "not base64 at all!"))
        .hasMessageContaining("'a' is not base64")
        .hasMessageNotContaining("not base64 at all!");
  }
}
