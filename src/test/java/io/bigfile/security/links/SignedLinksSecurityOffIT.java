package io.bigfile.security.links;

import static io.bigfile.security.links.SignedLinksTestBase.assertForbidden;
import static io.bigfile.security.links.SignedLinksTestBase.pathAndQuery;
import static io.bigfile.security.links.SignedLinksTestBase.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.security.audit.CapturedAudit;
import io.bigfile.support.ServiceTestBase;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Signed links with security off ({@code bigfile.security.mode=none}, the context of {@link
 * ServiceTestBase}): anyone may create one, without a token, and it acts as {@code anonymous}; it
 * still grants only its operation on its file's content. The audit log names the link's creation
 * {@code none} and the link's use {@code signed-link}. (In token mode the chain refuses such a
 * caller: SignedLinksIT.)
 */
class SignedLinksSecurityOffIT extends ServiceTestBase {

  @Test
  void anyoneMayCreateALinkAndItActsAsAnonymous() {
    byte[] content = random(4096, 31);
    String id = createFile("{\"blockSize\":4096}");
    replace(id, content);
    try (CapturedAudit audit = new CapturedAudit()) {
      JsonNode link =
          json(
              send(
                  request("/v1/files/" + id + "/links")
                      .header("Content-Type", "application/json")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"operations\":[\"write\"],\"expiresIn\":\"PT1H\"}"))),
              201);
      assertThat(text(link, "url")).contains("&link-sub=anonymous&");
      Map<String, Object> created = audit.await("createLink", "bigfile.file", id);
      assertThat(created)
          .containsEntry("user.name", "anonymous")
          .containsEntry("bigfile.auth", "none");

      HttpResponse<byte[]> written =
          send(
              request(pathAndQuery(link))
                  .header("Content-Type", "application/octet-stream")
                  .header("Content-Range", "bytes 0-1/*")
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {7, 7})));
      assertStatus(written, 200);
      assertThat(
              audit.await(
                  "the write with the link",
                  e ->
                      "writeContent".equals(e.get("event.action"))
                          && "signed-link".equals(e.get("bigfile.auth"))))
          .containsEntry("user.name", "anonymous")
          .containsEntry("bigfile.file", id);
      // a write link does not read, though with security off anyone may
      assertForbidden(send(request(pathAndQuery(link)).GET()), "does not allow GET");
    }
    content[0] = 7;
    content[1] = 7;
    assertThat(read(id)).isEqualTo(content);
  }
}
