package io.bigfile.security.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.security.links.SignedLinksTestBase;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * One audit event per change, link creation and refused request (by a controller, by the
 * signed-link filter, or by the security chain: 401 and 403), with who did it and how they
 * authenticated (a static token, a signed link), and none for a successful read
 * (bigfile.security.audit.reads is off). The service runs in token mode.
 */
class AuditLogIT extends SignedLinksTestBase {

  /** Who makes the changes: files.read, files.write and files.delete. */
  private static final Tokens ALICE = Tokens.NO_ADMIN;

  private CapturedAudit audit;

  @BeforeEach
  void capture() {
    audit = new CapturedAudit();
  }

  @AfterEach
  void release() {
    audit.close();
  }

  private HttpRequest.Builder alice(String pathAndQuery) {
    return as(ALICE).request(pathAndQuery);
  }

  @Test
  void changesAreAuditedWithPrincipalFileTransactionRangeBytesAndRevision() {
    HttpResponse<byte[]> created =
        send(
            alice("/v1/files")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"blockSize\":4096}")));
    JsonNode file = json(created, 201);
    String id = text(file, "id");
    Map<String, Object> create = audit.await("createFile", "bigfile.file", id);
    assertThat(create)
        .containsEntry("event.outcome", "success")
        .containsEntry("user.name", ALICE.subject())
        .containsEntry("bigfile.auth", "token")
        .containsEntry("http.request.method", "POST")
        .containsEntry("url.path", "/v1/files")
        .containsEntry("http.response.status_code", 201)
        .containsEntry("bigfile.revision", file.path("revision").asLong())
        .containsEntry("client.address", "127.0.0.1");

    // a range write and a commit in a transaction
    String txn = text(json(send(alice("/v1/transactions").POST(noBody())), 201), "id");
    assertThat(audit.await("beginTransaction", "bigfile.transaction", txn))
        .containsEntry("user.name", ALICE.subject());
    assertStatus(
        send(
            alice("/v1/files/" + id + "/content?txn=" + txn)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "bytes 100-109/*")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[10]))),
        200);
    Map<String, Object> write = audit.await("writeContent", "bigfile.transaction", txn);
    assertThat(write)
        .containsEntry("user.name", ALICE.subject())
        .containsEntry("bigfile.auth", "token")
        .containsEntry("bigfile.file", id)
        .containsEntry("bigfile.range", "bytes 100-109/*")
        .containsEntry("bigfile.bytes", 10L)
        .containsEntry("http.request.method", "PUT")
        .containsEntry("http.response.status_code", 200);
    JsonNode committed =
        json(send(alice("/v1/transactions/" + txn + "/commit").POST(noBody())), 200);
    assertThat(audit.await("commitTransaction", "bigfile.transaction", txn))
        .containsEntry("bigfile.revision", committed.path("revision").asLong())
        .containsEntry("event.outcome", "success")
        .containsEntry("user.name", ALICE.subject());

    // an abort
    String other = text(json(send(alice("/v1/transactions").POST(noBody())), 201), "id");
    json(send(alice("/v1/transactions/" + other + "/abort").POST(noBody())), 200);
    assertThat(audit.await("abortTransaction", "bigfile.transaction", other))
        .containsEntry("http.response.status_code", 200);

    // an append with a body of unknown length (chunked): its bytes are counted as they arrive
    byte[] body = new byte[12345];
    json(
        send(
            alice("/v1/files/" + id + "/content")
                .header("Content-Type", "application/octet-stream")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(body)))),
        200);
    Map<String, Object> append = audit.await("appendContent", "bigfile.file", id);
    assertThat(append).containsEntry("bigfile.bytes", 12345L).doesNotContainKey("bigfile.range");
    assertThat(append.get("bigfile.revision")).isNotNull();

    // a delete
    assertStatus(send(alice("/v1/files/" + id).DELETE()), 204);
    assertThat(audit.await("deleteFile", "bigfile.file", id))
        .containsEntry("http.response.status_code", 204)
        .containsEntry("http.request.method", "DELETE")
        .containsEntry("user.name", ALICE.subject());
  }

  @Test
  void aLinkIsAuditedWhenCreatedAndWhenItsHolderWrites() {
    String id = fileWith(new byte[100]);
    JsonNode link = createLink(id, "{\"operations\":[\"write\"],\"expiresIn\":\"PT1H\"}");
    Map<String, Object> created = audit.await("createLink", "bigfile.file", id);
    assertThat(created)
        .containsEntry("user.name", CREATOR.subject())
        .containsEntry("bigfile.auth", "token")
        .containsEntry("bigfile.link.operations", "write")
        .containsEntry("bigfile.link.key", "old")
        .containsEntry("bigfile.link.expires", text(link, "expiresAt"))
        .containsEntry("http.response.status_code", 201);
    assertThat(String.valueOf(created.get("message"))).doesNotContain("link-sig");

    assertStatus(
        send(
            link(link)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "bytes 0-3/*")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3, 4}))),
        200);
    Map<String, Object> write =
        audit.await(
            "a write with the link",
            e ->
                "writeContent".equals(e.get("event.action"))
                    && id.equals(e.get("bigfile.file"))
                    && "signed-link".equals(e.get("bigfile.auth")));
    assertThat(write)
        .containsEntry("user.name", CREATOR.subject())
        .containsEntry("bigfile.link.key", "old")
        .containsEntry("bigfile.link.operations", "write")
        .containsEntry("bigfile.range", "bytes 0-3/*")
        .containsEntry("bigfile.bytes", 4L)
        .containsEntry("url.path", "/v1/files/" + id + "/content");

    // with another principal's token along: still the link's creator, as the link
    assertStatus(
        send(
            link(link)
                .header("Authorization", "Bearer " + Tokens.OTHER.token())
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "bytes 4-5/*")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {5, 6}))),
        200);
    assertThat(
            audit.await(
                "a write with the link and a token",
                e ->
                    "writeContent".equals(e.get("event.action"))
                        && "bytes 4-5/*".equals(e.get("bigfile.range"))))
        .containsEntry("user.name", CREATOR.subject())
        .containsEntry("bigfile.auth", "signed-link");

    // the URL's query, which holds the signature, is never logged
    for (Map<String, Object> e : audit.events()) {
      assertThat(e.toString()).doesNotContain("link-sig").doesNotContain("link-expires");
    }
  }

  @Test
  void refusedRequestsAreAuditedAndSuccessfulReadsAreNot() {
    String id = fileWith(new byte[5000]);

    // successful reads: not audited
    assertStatus(send(alice("/v1/files/" + id + "/content").GET()), 200);
    assertStatus(
        send(alice("/v1/files/" + id + "/content").header("Range", "bytes=0-9").GET()), 206);
    assertStatus(send(alice("/v1/files/" + id).GET()), 200);
    assertStatus(send(alice("/v1/files").GET()), 200);

    // a refused write (400: malformed Content-Range)
    assertStatus(
        send(
            alice("/v1/files/" + id + "/content")
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "bytes 9-1/*")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[3]))),
        400);
    Map<String, Object> bad =
        audit.await(
            "the refused write",
            e ->
                "writeContent".equals(e.get("event.action"))
                    && e.get("http.response.status_code").equals(400));
    assertThat(bad)
        .containsEntry("event.outcome", "failure")
        .containsEntry("user.name", ALICE.subject())
        .containsEntry("bigfile.file", id);

    // a refused read (404) is audited though reads are not
    assertStatus(send(alice("/v1/files/00000000000000fe/content").GET()), 404);
    assertThat(
            audit.await(
                "the refused read",
                e ->
                    "readContent".equals(e.get("event.action"))
                        && "00000000000000fe".equals(e.get("bigfile.file"))))
        .containsEntry("http.response.status_code", 404)
        .containsEntry("event.outcome", "failure");

    // a link refused by the link filter: 403, before any controller
    JsonNode link = createLink(id, "{\"operations\":[\"read\"],\"expiresIn\":\"PT1H\"}");
    assertStatus(
        send(
            request(pathAndQuery(link).replace("link-sub=" + CREATOR.subject(), "link-sub=mallory"))
                .header("Range", "bytes=0-9")
                .GET()),
        403);
    Map<String, Object> refused =
        audit.await(
            "the refused link",
            e ->
                "refused".equals(e.get("event.action"))
                    && "GET".equals(e.get("http.request.method"))
                    && ("/v1/files/" + id + "/content").equals(e.get("url.path")));
    assertThat(refused)
        .containsEntry("http.response.status_code", 403)
        .containsEntry("bigfile.auth", "signed-link")
        .containsEntry("user.name", "anonymous")
        .containsEntry("event.outcome", "failure");
    assertThat(String.valueOf(refused.get("event.reason"))).contains("does not match");
    assertThat(audit.events())
        .as("the link filter ran once")
        .filteredOn(e -> "refused".equals(e.get("event.action")))
        .hasSize(1);

    // refused by the security chain: no token (401), a bad token (401), a token lacking the scope
    // (403); none of them reaches a controller, and each is audited once
    String files = "/v1/files/" + id;
    assertStatus(send(request(files).GET()), 401);
    assertThat(refusedByTheChain(files, 401, "none"))
        .containsEntry("user.name", "anonymous")
        .containsEntry("http.request.method", "GET");
    assertStatus(
        send(as("not-a-token-of-this-service-0123456789abcdef").request(files).GET()), 401);
    assertThat(refusedByTheChain(files, 401, "token")).containsEntry("user.name", "anonymous");
    assertStatus(send(as(Tokens.READER).request(files).DELETE()), 403);
    Map<String, Object> forbidden = refusedByTheChain(files, 403, "token");
    assertThat(forbidden)
        .containsEntry("user.name", Tokens.READER.subject())
        .containsEntry("http.request.method", "DELETE");
    assertThat(String.valueOf(forbidden.get("event.reason")))
        .contains("needs the scope files.delete");
    assertThat(audit.events())
        .filteredOn(e -> "refused".equals(e.get("event.action")))
        .extracting(e -> e.get("http.response.status_code"))
        .containsExactly(403, 401, 401, 403);

    // the reads above left no event (each was answered before the refused write was sent)
    assertThat(audit.events())
        .noneMatch(
            e ->
                e.get("event.outcome").equals("success")
                    && ("GET".equals(e.get("http.request.method"))));
  }

  /** The refused event of a request the security chain answered with {@code status}. */
  private Map<String, Object> refusedByTheChain(String path, int status, String auth) {
    Map<String, Object> e =
        audit.await(
            "the " + status + " of " + path + " by " + auth,
            x ->
                "refused".equals(x.get("event.action"))
                    && path.equals(x.get("url.path"))
                    && Integer.valueOf(status).equals(x.get("http.response.status_code"))
                    && auth.equals(x.get("bigfile.auth")));
    assertThat(e).containsEntry("event.outcome", "failure");
    assertThat(String.valueOf(e.get("event.reason"))).isNotBlank();
    return e;
  }

  private static HttpRequest.BodyPublisher noBody() {
    return HttpRequest.BodyPublishers.noBody();
  }

  @Test
  void aBodyRefusedAsItArrivesIsAuditedAsTheSenderOfIt() {
    String id = fileWith(new byte[100]);

    // a body refused as it arrived, before any controller (a malformed chunk: 400)
    assertThat(
            rawStatus(
                "PUT /v1/files/"
                    + id
                    + "/content HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + "Authorization: Bearer "
                    + ALICE.token()
                    + "\r\nContent-Type: application/octet-stream\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\nxy\r\n0\r\n\r\n"))
        .isEqualTo(400);
    assertThat(
            audit.await(
                "the body refused as it arrived",
                e ->
                    "refused".equals(e.get("event.action"))
                        && e.get("http.response.status_code").equals(400)
                        && "PUT".equals(e.get("http.request.method"))))
        .containsEntry("user.name", ALICE.subject())
        .containsEntry("bigfile.auth", "token");
  }

  /** Sends a request as raw bytes (a client library would not send a malformed chunk). */
  private int rawStatus(String request) {
    try (Socket socket = new Socket("localhost", port)) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
      return Integer.parseInt(head.substring(9, 12));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
