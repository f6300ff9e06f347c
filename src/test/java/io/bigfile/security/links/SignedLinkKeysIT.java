package io.bigfile.security.links;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceClient;
import io.bigfile.support.ServiceProcess;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Key rotation across two services on one database, both in {@code token} mode with the creator's
 * token: this test's service has the keys {@code old} (signing) and {@code new}; a second one,
 * started as a child JVM, has only {@code new}, as after the rotation, audits reads too and writes
 * its logs as ECS JSON. The old key's links are refused by the second (403 problem), its own links
 * work on both, without a token, and its audit events (the link's creation with the token, reads
 * with the link, refusals by the link filter and by the security chain) are JSON objects with their
 * fields.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SignedLinkKeysIT extends SignedLinksTestBase {

  private ServiceProcess rotated;

  @AfterEach
  void stopRotated() {
    if (rotated != null) {
      rotated.close();
    }
  }

  @Test
  void removingAKeyRevokesItsLinksAndTheAuditLogCarriesTheEventsAsEcsJson() {
    byte[] content = random(3 * BLOCK, 21);
    String id = fileWith(content);
    JsonNode oldLink = createLink(id, "{\"operations\":[\"read\"],\"expiresIn\":\"PT1H\"}");
    assertThat(text(oldLink, "url")).contains("link-key=old");

    rotated =
        new ServiceProcess(
            "links-rotated",
            List.of("-XX:TieredStopAtLevel=1"),
            List.of(
                "--logging.structured.format.console=ecs",
                "--bigfile.security.mode=token",
                "--bigfile.security.tokens[0].subject=" + CREATOR.subject(),
                "--bigfile.security.tokens[0].token=" + CREATOR.token(),
                "--bigfile.security.tokens[0].scopes=" + CREATOR.scopes(),
                "--bigfile.security.audit.reads=true",
                "--bigfile.security.links.keys.new=" + NEW_KEY));
    rotated.start();

    // the old key's link: refused where the key was removed, still served where it is configured
    HttpResponse<byte[]> refused =
        rotated.send(rotated.request(pathAndQuery(oldLink)).header("Range", "bytes=0-9").GET());
    assertForbidden(refused, "signed with a key this service does not have");
    assertStatus(send(link(oldLink).header("Range", "bytes=0-9").GET()), 206);

    // a link the rotated service signs (with new) works on both
    ServiceClient creatorThere = rotated.as(CREATOR.token());
    JsonNode newLink =
        json(
            creatorThere.send(
                creatorThere
                    .request("/v1/files/" + id + "/links")
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"operations\":[\"read\"],\"expiresIn\":\"PT5M\"}"))),
            201);
    assertThat(text(newLink, "url"))
        .startsWith("http://127.0.0.1:" + rotated.port() + "/")
        .contains("link-key=new");
    HttpResponse<byte[]> there =
        rotated.send(rotated.request(pathAndQuery(newLink)).header("Range", "bytes=10-19").GET());
    assertStatus(there, 206);
    assertThat(there.body()).isEqualTo(slice(content, 10, 20));
    HttpResponse<byte[]> here = send(link(newLink).GET());
    assertStatus(here, 200);
    assertThat(here.body()).isEqualTo(content);
    // without a link or a token: 401
    assertStatus(rotated.send(rotated.request("/v1/files/" + id).GET()), 401);

    // the audit events, as JSON lines of the rotated service's console
    JsonNode created =
        awaitEvent(
            "the link's creation", e -> "createLink".equals(e.at("/event/action").asString()));
    assertThat(created.at("/log/logger").asString()).isEqualTo("bigfile.audit");
    assertThat(created.at("/log/level").asString()).isEqualTo("INFO");
    assertThat(created.at("/service/name").asString()).isEqualTo("bigfile");
    assertThat(created.at("/event/outcome").asString()).isEqualTo("success");
    assertThat(created.at("/user/name").asString()).isEqualTo(CREATOR.subject());
    assertThat(created.at("/bigfile/auth").asString()).isEqualTo("token");
    assertThat(created.at("/bigfile/file").asString()).isEqualTo(id);
    assertThat(created.at("/bigfile/link/key").asString()).isEqualTo("new");
    assertThat(created.at("/bigfile/link/operations").asString()).isEqualTo("read");
    assertThat(created.at("/http/response/status_code").asInt()).isEqualTo(201);
    assertThat(created.at("/url/path").asString()).isEqualTo("/v1/files/" + id + "/links");
    assertThat(created.path("@timestamp").asString()).isNotEmpty();

    JsonNode refusal =
        awaitEvent("the refused link", e -> "refused".equals(e.at("/event/action").asString()));
    assertThat(refusal.at("/http/response/status_code").asInt()).isEqualTo(403);
    assertThat(refusal.at("/bigfile/auth").asString()).isEqualTo("signed-link");
    assertThat(refusal.at("/event/reason").asString()).contains("does not have");
    assertThat(refusal.at("/url/path").asString()).isEqualTo("/v1/files/" + id + "/content");
    JsonNode unauthenticated =
        awaitEvent(
            "the request without a token",
            e ->
                "refused".equals(e.at("/event/action").asString())
                    && e.at("/http/response/status_code").asInt() == 401);
    assertThat(unauthenticated.at("/bigfile/auth").asString()).isEqualTo("none");
    assertThat(unauthenticated.at("/user/name").asString()).isEqualTo("anonymous");
    assertThat(unauthenticated.at("/url/path").asString()).isEqualTo("/v1/files/" + id);

    // reads are audited there (bigfile.security.audit.reads=true), with the link's creator
    JsonNode read =
        awaitEvent(
            "the range read with the new link",
            e ->
                "readContent".equals(e.at("/event/action").asString())
                    && e.at("/http/response/status_code").asInt() == 206);
    assertThat(read.at("/bigfile/auth").asString()).isEqualTo("signed-link");
    assertThat(read.at("/user/name").asString()).isEqualTo(CREATOR.subject());
    assertThat(read.at("/bigfile/link/key").asString()).isEqualTo("new");
    assertThat(read.at("/bigfile/range").asString()).isEqualTo("bytes 10-19/" + content.length);
    assertThat(read.at("/bigfile/bytes").asLong()).isEqualTo(10);
    assertThat(read.at("/bigfile/file").asString()).isEqualTo(id);

    // what the service logged (its first line is the command line that started it)
    String logged = rotated.output().substring(rotated.output().indexOf("\n{"));
    assertThat(logged)
        .doesNotContain("link-sig=")
        .doesNotContain(NEW_KEY)
        .doesNotContain(CREATOR.token());
  }

  private JsonNode awaitEvent(String what, Predicate<JsonNode> match) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<JsonNode> events = List.of();
    while (System.nanoTime() < deadline) {
      events = auditEvents(rotated.output());
      for (JsonNode e : events) {
        if (match.test(e)) {
          return e;
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    throw new AssertionError("no audit event for " + what + " among " + events);
  }

  /** The JSON lines of the output written by the audit logger. */
  private static List<JsonNode> auditEvents(String output) {
    List<JsonNode> events = new ArrayList<>();
    for (String line : output.split("\n")) {
      if (line.startsWith("{") && line.contains("\"bigfile.audit\"")) {
        JsonNode e = JSON.readTree(line);
        if ("bigfile.audit".equals(e.at("/log/logger").asString())) {
          events.add(e);
        }
      }
    }
    return events;
  }
}
