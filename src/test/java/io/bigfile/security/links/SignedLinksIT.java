package io.bigfile.security.links;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceClient;
import jakarta.servlet.FilterRegistration;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.FilterChainProxy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.context.WebApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Signed links end to end, with the service in-process in {@code token} mode, links created with
 * bearer tokens and used without any: reads whole, in one range, in several ({@code
 * multipart/byteranges}) and HEAD; a pinned revision after later commits; writes; and a 403
 * problem, changing nothing, for a link that is expired, tampered with, used for another operation,
 * another file or another resource, inside a transaction, or signed with a key the service does not
 * have. The link filter runs once per request, inside the security filter chain.
 */
class SignedLinksIT extends SignedLinksTestBase {

  private static final String READ_1H = "{\"operations\":[\"read\"],\"expiresIn\":\"PT1H\"}";

  @Autowired FilterChainProxy securityFilterChains;

  @Autowired WebApplicationContext context;

  @Test
  void theLinkFilterRunsInsideTheSecurityChainOnlyBeforeBearerTokens() {
    // not a servlet filter of its own, which would run outside the chain
    assertThat(context.getServletContext().getFilterRegistrations().values())
        .extracting(FilterRegistration::getClassName)
        .isNotEmpty()
        .doesNotContain(SignedLinkFilter.class.getName());
    // once in the chain, before bearer-token authentication
    List<SecurityFilterChain> chains = securityFilterChains.getFilterChains();
    assertThat(chains).hasSize(1);
    List<Class<?>> filters =
        chains.get(0).getFilters().stream().<Class<?>>map(Object::getClass).toList();
    assertThat(filters).containsOnlyOnce(SignedLinkFilter.class);
    assertThat(filters.indexOf(SignedLinkFilter.class))
        .isLessThan(filters.indexOf(BearerTokenAuthenticationFilter.class));
  }

  @Test
  void aLinkNeedsNoAuthorizationHeader() {
    byte[] content = random(2 * BLOCK, 15);
    String id = fileWith(content);
    JsonNode link = createLink(id, READ_1H);
    HttpRequest.Builder plain = link(link).header("Range", "bytes=10-19");
    assertThat(plain.copy().GET().build().headers().firstValue("Authorization")).isEmpty();
    HttpResponse<byte[]> r = send(plain.GET());
    assertStatus(r, 206);
    assertThat(r.body()).isEqualTo(slice(content, 10, 20));
    // the same request without the link's parameters needs a token
    HttpResponse<byte[]> without = send(request(contentPath(id)).header("Range", "bytes=10-19"));
    assertStatus(without, 401);
    assertThat(header(without, "WWW-Authenticate")).startsWith("Bearer ");
  }

  /**
   * A bearer token sent along with a link is not looked at: a stale one does not make the link
   * fail, and a valid one neither replaces the link's principal nor adds its scopes (AuditLogIT
   * shows the principal).
   */
  @Test
  void aBearerTokenSentAlongWithALinkIsNotLookedAt() {
    byte[] content = random(BLOCK, 16);
    String id = fileWith(content);
    JsonNode link = createLink(id, READ_1H);
    HttpResponse<byte[]> stale =
        send(link(link).header("Authorization", "Bearer no-longer-a-token-of-this-service").GET());
    assertStatus(stale, 200);
    assertThat(stale.body()).isEqualTo(content);
    // a token with every scope does not turn a read link into a write one
    assertForbidden(
        send(
            link(link)
                .header("Authorization", "Bearer " + Tokens.ADMIN.token())
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[4]))),
        "does not allow PUT");
    assertThat(creator().read(id)).isEqualTo(content);
  }

  @Test
  void aReadLinkServesTheContentWholeInRangesAndToHead() {
    byte[] content = random(5 * BLOCK + 123, 1);
    String id = fileWith(content);
    Instant before = Instant.now();
    HttpResponse<byte[]> created = sendCreateLink(id, READ_1H);
    JsonNode link = json(created, 201);
    assertThat(header(created, "Location")).isEqualTo(text(link, "url"));
    assertThat(header(created, "Cache-Control")).isEqualTo("no-store");
    assertThat(text(link, "url"))
        .startsWith("http://localhost:" + port + "/v1/files/" + id + "/content?link-op=read&")
        .contains("&link-key=old&link-sub=" + CREATOR.subject() + "&link-sig=");
    assertThat(link.path("operations").get(0).asString()).isEqualTo("read");
    assertThat(link.path("operations")).hasSize(1);
    assertThat(link.path("at").isNull()).isTrue();
    Instant expiresAt = Instant.parse(text(link, "expiresAt"));
    assertThat(expiresAt)
        .isBetween(
            before.plus(Duration.ofHours(1)).minusSeconds(1),
            Instant.now().plus(Duration.ofHours(1)).plusSeconds(1));

    // whole
    HttpResponse<byte[]> whole = send(link(link).GET());
    assertStatus(whole, 200);
    assertThat(whole.body()).isEqualTo(content);

    // one range
    HttpResponse<byte[]> one = send(link(link).header("Range", "bytes=4000-8999").GET());
    assertStatus(one, 206);
    assertThat(header(one, "Content-Range")).isEqualTo("bytes 4000-8999/" + content.length);
    assertThat(one.body()).isEqualTo(slice(content, 4000, 9000));

    // several ranges: multipart/byteranges, parts in request order
    HttpResponse<byte[]> several =
        send(link(link).header("Range", "bytes=0-9,12000-12099,-50").GET());
    assertStatus(several, 206);
    List<Part> parts = multipart(several);
    assertThat(parts)
        .extracting(Part::contentRange)
        .containsExactly(
            "bytes 0-9/" + content.length,
            "bytes 12000-12099/" + content.length,
            "bytes " + (content.length - 50) + "-" + (content.length - 1) + "/" + content.length);
    assertThat(parts.get(0).data()).isEqualTo(slice(content, 0, 10));
    assertThat(parts.get(1).data()).isEqualTo(slice(content, 12000, 12100));
    assertThat(parts.get(2).data()).isEqualTo(slice(content, content.length - 50, content.length));

    // HEAD: what GET would answer, without the body
    HttpResponse<byte[]> head =
        send(link(link).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertStatus(head, 200);
    assertThat(header(head, "Content-Length")).isEqualTo(Integer.toString(content.length));
    assertThat(header(head, "ETag")).isEqualTo(header(whole, "ETag"));
    assertThat(head.body()).isEmpty();
    HttpResponse<byte[]> headRange =
        send(
            link(link)
                .header("Range", "bytes=10-19")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertStatus(headRange, 206);
    assertThat(header(headRange, "Content-Range")).isEqualTo("bytes 10-19/" + content.length);

    // conditional requests work as without a link: If-None-Match with the current ETag is 304
    HttpResponse<byte[]> notModified =
        send(link(link).header("If-None-Match", header(whole, "ETag")).GET());
    assertStatus(notModified, 304);
  }

  @Test
  void aLinkServesTheSameBytesUnderAUrlThatEndsInAName() {
    byte[] content = random(3 * BLOCK, 2);
    String id = fileWith(content);
    JsonNode link = createLink(id, READ_1H);
    String pq = pathAndQuery(link);
    String named = pq.replace("/content?", "/content/scene.tif?");
    HttpResponse<byte[]> r = send(request(named).header("Range", "bytes=100-199").GET());
    assertStatus(r, 206);
    assertThat(r.body()).isEqualTo(slice(content, 100, 200));
    // a segment that could resolve to another resource is refused: by the security chain's
    // firewall (400), before the link filter would
    for (String segment : new String[] {"..", "%2e%2e", ".", "a;b", "%2F", "%5C"}) {
      HttpResponse<byte[]> refused =
          send(request(pq.replace("/content?", "/content/" + segment + "?")).GET());
      assertStatus(refused, 400);
      assertThat(header(refused, "Content-Type")).startsWith(PROBLEM_JSON);
    }
  }

  @Test
  void aPinnedLinkKeepsServingItsRevisionAfterLaterCommits() {
    byte[] v1 = random(4 * BLOCK, 3);
    ServiceClient creator = creator();
    String id = creator.createFile("{\"blockSize\":" + BLOCK + "}");
    long r1 = creator.replace(id, v1).path("revision").asLong();
    JsonNode link =
        createLink(id, "{\"operations\":[\"read\"],\"expiresIn\":\"PT1H\",\"at\":" + r1 + "}");
    assertThat(link.path("at").asLong()).isEqualTo(r1);
    assertThat(text(link, "url")).contains("/content?at=" + r1 + "&link-op=read&");

    // later commits: a new content, then a range write inside a transaction
    byte[] v2 = random(6 * BLOCK, 4);
    creator.replace(id, v2);
    String txn = begin(CREATOR);
    creator.writeAt(id, 0, new byte[] {1, 2, 3}, "?txn=" + txn);
    creator.commit(txn);
    assertThat(creator.read(id)).isNotEqualTo(v1);

    HttpResponse<byte[]> whole = send(link(link).GET());
    assertStatus(whole, 200);
    assertThat(whole.body()).isEqualTo(v1);
    assertThat(header(whole, "BigFile-Revision")).isEqualTo(Long.toString(r1));
    HttpResponse<byte[]> segment = send(link(link).header("Range", "bytes=8192-12287").GET());
    assertStatus(segment, 206);
    assertThat(segment.body()).isEqualTo(slice(v1, 8192, 12288));
    assertThat(header(segment, "Content-Range")).isEqualTo("bytes 8192-12287/" + v1.length);

    // the revision cannot be changed or dropped
    String pq = pathAndQuery(link);
    assertForbidden(
        send(request(pq.replace("at=" + r1, "at=" + (r1 + 1))).GET()), "does not match");
    assertForbidden(send(request(pq.replace("at=" + r1 + "&", "")).GET()), "does not match");
    // nor can an unpinned link be pinned by its user
    JsonNode head = createLink(id, READ_1H);
    assertForbidden(send(request(pathAndQuery(head) + "&at=" + r1).GET()), "does not match");
  }

  @Test
  void aWriteLinkWritesAppendsAndPatchesButDoesNotRead() {
    byte[] content = random(2 * BLOCK, 5);
    String id = fileWith(content);
    JsonNode link = createLink(id, "{\"operations\":[\"write\"],\"expiresIn\":\"PT10M\"}");
    assertThat(link.path("operations").get(0).asString()).isEqualTo("write");

    byte[] put = "HELLO".getBytes(StandardCharsets.US_ASCII);
    json(
        send(
            link(link)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "bytes 10-14/*")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(put))),
        200);
    byte[] tail = "TAIL".getBytes(StandardCharsets.US_ASCII);
    JsonNode appended =
        json(
            send(
                link(link)
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(tail))),
            200);
    assertThat(appended.path("size").asLong()).isEqualTo(content.length + 4L);
    json(
        send(
            link(link)
                .header("Content-Type", "message/byterange")
                .method(
                    "PATCH",
                    HttpRequest.BodyPublishers.ofString(
                        "Content-Range: bytes 0-1/*\r\n\r\nAB", StandardCharsets.US_ASCII))),
        200);
    byte[] expected = java.util.Arrays.copyOf(content, content.length + 4);
    System.arraycopy(put, 0, expected, 10, put.length);
    System.arraycopy(tail, 0, expected, content.length, tail.length);
    expected[0] = 'A';
    expected[1] = 'B';
    assertThat(creator().read(id)).isEqualTo(expected);

    assertForbidden(send(link(link).GET()), "does not allow GET");
    HttpResponse<byte[]> head =
        send(link(link).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertStatus(head, 403);
    assertThat(header(head, "Content-Type")).startsWith(PROBLEM_JSON);
  }

  @Test
  void anExpiredLinkIsRefused() {
    byte[] content = random(BLOCK, 6);
    String id = fileWith(content);
    JsonNode link = createLink(id, "{\"operations\":[\"read\"],\"expiresIn\":\"PT1S\"}");
    Instant expiresAt = Instant.parse(text(link, "expiresAt"));
    assertThat(expiresAt).isBefore(Instant.now().plusSeconds(3));
    // wait (at most 3 s) until the expiry has passed on this machine's clock
    for (int i = 0; i < 60 && !Instant.now().isAfter(expiresAt.plusMillis(100)); i++) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    assertThat(Instant.now()).isAfter(expiresAt);
    assertForbidden(send(link(link).GET()), "the link expired at " + expiresAt);
    assertForbidden(send(link(link).header("Range", "bytes=0-9").GET()), "expired");
  }

  @Test
  void aTamperedLinkIsRefusedAndChangesNothing() {
    byte[] content = random(BLOCK, 7);
    String id = fileWith(content);
    JsonNode link = createLink(id, "{\"operations\":[\"write\"],\"expiresIn\":\"PT1H\"}");
    String pq = pathAndQuery(link);
    String expires = pq.replaceAll(".*link-expires=(\\d+).*", "$1");
    String sig = pq.replaceAll(".*link-sig=([^&]+).*", "$1");
    String[] tampered = {
      pq.replace("link-op=write", "link-op=read,write"),
      pq.replace("link-expires=" + expires, "link-expires=" + (Long.parseLong(expires) + 86400)),
      pq.replace("link-sub=" + CREATOR.subject(), "link-sub=" + Tokens.OTHER.subject()),
      pq.replace("link-key=old", "link-key=new"),
      pq.replace("link-sig=" + sig, "link-sig=" + new StringBuilder(sig).reverse()),
    };
    for (String t : tampered) {
      assertForbidden(
          send(
              request(t)
                  .header("Content-Type", "application/octet-stream")
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[10]))),
          "does not match");
    }
    assertForbidden(send(request(pq.replace("link-key=old", "link-key=gone")).GET()), "key");
    assertForbidden(send(request(pq.replace("&link-sig=" + sig, "")).GET()), "lacks its link-sig");
    assertThat(creator().read(id)).as("nothing was written").isEqualTo(content);
  }

  @Test
  void aReadLinkCannotWriteNorServeAnotherFile() {
    byte[] a = random(BLOCK, 8);
    byte[] b = random(BLOCK, 9);
    String fileA = fileWith(a);
    String fileB = fileWith(b);
    JsonNode link = createLink(fileA, READ_1H);
    String pq = pathAndQuery(link);
    // replayed for another operation: PUT, POST, PATCH, DELETE
    assertForbidden(
        send(
            request(pq)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[4]))),
        "grants read, which does not allow PUT");
    assertForbidden(
        send(
            request(pq)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[4]))),
        "does not allow POST");
    assertForbidden(
        send(
            request(pq)
                .header("Content-Type", "message/byterange")
                .method(
                    "PATCH",
                    HttpRequest.BodyPublishers.ofString("Content-Range: bytes 0-1/*\r\n\r\nAB"))),
        "does not allow PATCH");
    assertForbidden(send(request(pq).DELETE()), "does not allow DELETE");
    // replayed for another file
    assertForbidden(send(request(pq.replace(fileA, fileB)).GET()), "another file");
    // replayed for another resource of the same file
    assertForbidden(
        send(request(pq.replace("/content?", "?")).GET()), "only for its file's content");
    assertForbidden(
        send(request(pq.replace("/content?", "/revisions?")).GET()), "only for its file's content");
    assertForbidden(send(request(pq.replace("/content?", "?")).DELETE()), "content");
    assertThat(creator().read(fileA)).isEqualTo(a);
    assertThat(creator().read(fileB)).isEqualTo(b);
  }

  /**
   * A link grants its operation on its file's content and nothing else, though its principal's
   * scopes would allow more: not the file's JSON, not a listing, not its data ranges, not another
   * link, not a transaction; and it leaves nothing behind for the next request.
   */
  @Test
  void aLinkGrantsNothingButItsOperationOnItsContent() {
    String id = fileWith(random(BLOCK, 17));
    JsonNode link = createLink(id, READ_1H);
    String query = pathAndQuery(link).substring(pathAndQuery(link).indexOf('?'));
    String onlyContent = "only for its file's content";
    assertForbidden(send(request("/v1/files/" + id + query).GET()), onlyContent);
    HttpResponse<byte[]> head =
        send(
            request("/v1/files/" + id + query).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertStatus(head, 403);
    assertThat(header(head, "Content-Type")).startsWith(PROBLEM_JSON);
    assertForbidden(send(request("/v1/files" + query).GET()), onlyContent);
    assertForbidden(send(request("/v1/files/" + id + "/ranges" + query).GET()), onlyContent);
    assertForbidden(
        send(
            request("/v1/files/" + id + "/links" + query)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(READ_1H))),
        onlyContent);
    assertForbidden(
        send(request("/v1/transactions" + query).POST(HttpRequest.BodyPublishers.noBody())),
        onlyContent);
    assertForbidden(send(request("/actuator/prometheus" + query).GET()), onlyContent);
    // the link's request authenticated nothing beyond itself
    assertStatus(send(link(link).GET()), 200);
    assertStatus(send(request("/v1/files/" + id).GET()), 401);
  }

  /** Not even a transaction of the link's own creator: a link acts outside transactions. */
  @Test
  void aLinkCannotBeUsedInATransaction() {
    byte[] content = random(BLOCK, 10);
    String id = fileWith(content);
    JsonNode link = createLink(id, "{\"operations\":[\"read\",\"write\"],\"expiresIn\":\"PT1H\"}");
    assertThat(link.path("operations")).hasSize(2);
    String txn = begin(CREATOR);
    String inTxn = pathAndQuery(link) + "&txn=" + txn;
    assertForbidden(send(request(inTxn).GET()), "txn cannot be used with it");
    assertForbidden(
        send(
            request(inTxn)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "bytes 0-3/*")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3, 4}))),
        "txn");
    assertForbidden(send(request(pathAndQuery(link) + "&txn=").GET()), "txn");
    assertThat(creator().commit(txn).path("state").asString()).isEqualTo("committed");
    assertThat(creator().read(id)).as("nothing was written").isEqualTo(content);
  }

  @Test
  void aLinkSignedWithAKeyTheServiceDoesNotHaveIsRefused() {
    String id = fileWith(random(BLOCK, 11));
    // a link as a service configured with a key 'retired' would have signed it
    LinkSigner elsewhere =
        new LinkSigner(
            java.util.Map.of("retired", LinkSigner.decodeKey("retired", OLD_KEY.replace('b', 'c'))),
            "retired",
            LinkSigner.MAX_EXPIRES_IN,
            java.time.Clock.systemUTC());
    LinkSigner.SignedLink link =
        elsewhere.sign(
            "/v1/files/" + id + "/content",
            java.util.EnumSet.of(LinkOperation.READ),
            null,
            Duration.ofHours(1),
            "alice");
    assertForbidden(
        send(request("/v1/files/" + id + "/content?" + link.query()).GET()),
        "signed with a key this service does not have");
  }

  @Test
  void theCreatorMustHoldTheScopeOfEachOperationItGrants() {
    String id = fileWith(random(BLOCK, 12));
    String both = "{\"operations\":[\"read\",\"write\"],\"expiresIn\":\"PT1H\"}";
    String write = "{\"operations\":[\"write\"],\"expiresIn\":\"PT1H\"}";
    HttpResponse<byte[]> lacking = sendCreateLink(id, write, Tokens.READER);
    assertForbidden(lacking, "needs the scope files.write");
    assertThat(header(lacking, "WWW-Authenticate"))
        .startsWith("Bearer ")
        .contains("error=\"insufficient_scope\"")
        .contains("scope=\"files.write\"");
    assertForbidden(sendCreateLink(id, both, Tokens.READER), "files.write");
    assertForbidden(sendCreateLink(id, READ_1H, Tokens.WRITER), "files.read");
    assertForbidden(sendCreateLink(id, READ_1H, Tokens.DELETER), "needs the scope files.read");
    // files.admin implies every scope
    assertStatus(sendCreateLink(id, both, Tokens.ADMIN), 201);
    // the link acts as its creator
    JsonNode link = json(sendCreateLink(id, READ_1H, Tokens.READER), 201);
    assertThat(text(link, "url")).contains("&link-sub=reader&");
    assertStatus(send(link(link).GET()), 200);
  }

  /**
   * The endpoint lets a caller with no authentication grant anything only when security is off
   * (SignedLinksSecurityOffIT); here the chain stops such a caller first.
   */
  @Test
  void creatingALinkNeedsAValidToken() {
    String id = fileWith(random(BLOCK, 18));
    for (ServiceClient caller : List.of(this, as("not-a-token-of-this-service-0123456789abcdef"))) {
      HttpResponse<byte[]> r =
          caller.send(
              caller
                  .request("/v1/files/" + id + "/links")
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(READ_1H)));
      assertStatus(r, 401);
      assertThat(header(r, "Content-Type")).startsWith(PROBLEM_JSON);
      assertThat(text(JSON.readTree(r.body()), "type"))
          .isEqualTo("https://bigfile.io/problems/unauthenticated");
      assertThat(header(r, "WWW-Authenticate")).startsWith("Bearer ");
    }
  }

  @Test
  void anInvalidLinkRequestIs400AndAnUnknownFile404() {
    String id = fileWith(random(BLOCK, 13));
    long head = creator().replace(id, random(BLOCK, 14)).path("revision").asLong();
    String[][] cases = {
      {"{\"operations\":[\"delete\"],\"expiresIn\":\"PT1H\"}", "'delete' is not an operation"},
      {"{\"operations\":[],\"expiresIn\":\"PT1H\"}", "at least one of read, write"},
      {"{\"expiresIn\":\"PT1H\"}", "at least one of read, write"},
      {"{\"operations\":[\"read\"],\"expiresIn\":\"P8D\"}", "longer than a link may live (PT168H"},
      {"{\"operations\":[\"read\"],\"expiresIn\":\"PT0S\"}", "must be positive"},
      {"{\"operations\":[\"read\"],\"expiresIn\":\"-PT1H\"}", "must be positive"},
      {"{\"operations\":[\"read\"],\"expiresIn\":\"1h\"}", "ISO 8601 duration"},
      {"{\"operations\":[\"write\"],\"at\":" + head + "}", "cannot be pinned"},
      {"{\"operations\":[\"read\"],\"at\":" + (head + 1000) + "}", "does not exist yet"},
      {"{\"operations\":[\"read\"],\"at\":-1}", "at must not be negative"},
      {"{\"operations\":[\"read\"],\"at\":\"x\"}", "JSON"},
      {"{\"operations\":\"read\"", "JSON"},
    };
    for (String[] c : cases) {
      HttpResponse<byte[]> r = sendCreateLink(id, c[0]);
      assertStatus(r, 400);
      assertThat(header(r, "Content-Type")).startsWith(PROBLEM_JSON);
      assertThat(text(JSON.readTree(r.body()), "detail")).as(c[0]).contains(c[1]);
    }
    // the default lifetime is an hour
    JsonNode link = createLink(id, "{\"operations\":[\"read\"]}");
    assertThat(Instant.parse(text(link, "expiresAt")))
        .isAfter(Instant.now().plus(Duration.ofMinutes(59)))
        .isBefore(Instant.now().plus(Duration.ofMinutes(61)));
    // P7D, the ceiling, is allowed
    assertStatus(sendCreateLink(id, "{\"operations\":[\"read\"],\"expiresIn\":\"P7D\"}"), 201);
    HttpResponse<byte[]> unknown = sendCreateLink("00000000000000ff", READ_1H);
    assertStatus(unknown, 404);
    assertStatus(sendCreateLink("not-a-file-id", READ_1H), 404);
  }
}
