package io.bigfile.security.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;

/** What the audit filter records of a request, and which requests it records. */
class AuditFilterTests {

  private final CapturedAudit audit = new CapturedAudit();

  @AfterEach
  void release() {
    audit.close();
    SecurityContextHolder.clearContext();
  }

  /** Stand-ins for controller methods, for their annotations. */
  static final class Handlers {
    @Operation(operationId = "readContent")
    void read() {}

    @Operation(operationId = "writeContent")
    void write() {}

    void unnamed() {}
  }

  private static HandlerMethod handler(String name) {
    try {
      return new HandlerMethod(new Handlers(), Handlers.class.getDeclaredMethod(name));
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
  }

  private static MockHttpServletRequest request(String method, String uri, String handler) {
    MockHttpServletRequest r = new MockHttpServletRequest(method, uri);
    r.setRemoteAddr("127.0.0.1");
    if (handler != null) {
      r.setAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE, handler(handler));
    }
    return r;
  }

  /** Runs the filter around a "dispatcher" that answers with {@code status}. */
  private List<Map<String, Object>> run(
      boolean reads, MockHttpServletRequest request, int status, FilterChain dispatcher)
      throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    new AuditFilter(new AuditLog(reads))
        .doFilter(
            request,
            response,
            (req, resp) -> {
              if (dispatcher != null) {
                dispatcher.doFilter(req, resp);
              }
              ((HttpServletResponse) resp).setStatus(status);
            });
    return audit.events();
  }

  @Test
  void readsAreAuditedOnlyWhenAskedOrRefused() throws Exception {
    String path = "/v1/files/3f1c0a9b2e7d4c11/content";
    assertThat(run(false, request("GET", path, "read"), 200, null)).isEmpty();
    assertThat(run(false, request("HEAD", path, "read"), 206, null)).isEmpty();
    assertThat(run(false, request("GET", path, "read"), 304, null)).isEmpty();
    assertThat(run(false, request("GET", path, "read"), 503, null)).isEmpty();
    assertThat(run(false, request("GET", path, "read"), 404, null))
        .singleElement()
        .satisfies(e -> assertThat(e).containsEntry("event.outcome", "failure"));
    assertThat(run(true, request("GET", path, "read"), 200, null)).hasSize(2);
    assertThat(run(true, request("HEAD", path, "read"), 200, null).get(2))
        .containsEntry("event.action", "headContent");
    // every change, whatever its outcome
    assertThat(run(false, request("PUT", path, "write"), 503, null)).hasSize(4);
    // outside the API: nothing
    assertThat(run(true, request("GET", "/actuator/health", null), 200, null)).hasSize(4);
  }

  @Test
  void aWriteIsRecordedWithItsRangeCountedBytesTransactionAndRevision() throws Exception {
    MockHttpServletRequest r = request("PUT", "/v1/files/3f1c0a9b2e7d4c11/content", "write");
    r.setQueryString("txn=t%2B1&other=x");
    r.addHeader("Content-Range", "bytes 10-19/*");
    r.setContent(new byte[10]);
    r.setAttribute(
        HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE, Map.of("id", "3f1c0a9b2e7d4c11"));
    Map<String, Object> e =
        run(
                false,
                r,
                200,
                (req, resp) -> {
                  try (InputStream in = req.getInputStream()) {
                    in.readAllBytes();
                  }
                  ((HttpServletResponse) resp).setHeader("BigFile-Revision", "42");
                })
            .get(0);
    assertThat(e)
        .containsEntry("event.action", "writeContent")
        .containsEntry("event.outcome", "success")
        .containsEntry("user.name", "anonymous")
        .containsEntry("bigfile.auth", "none")
        .containsEntry("http.request.method", "PUT")
        .containsEntry("url.path", "/v1/files/3f1c0a9b2e7d4c11/content")
        .containsEntry("http.response.status_code", 200)
        .containsEntry("client.address", "127.0.0.1")
        .containsEntry("bigfile.file", "3f1c0a9b2e7d4c11")
        .containsEntry("bigfile.transaction", "t+1")
        .containsEntry("bigfile.revision", 42L)
        .containsEntry("bigfile.range", "bytes 10-19/*")
        .containsEntry("bigfile.bytes", 10L);
    assertThat(String.valueOf(e.get("message")))
        .startsWith("event.action=writeContent event.outcome=success user.name=anonymous")
        .contains(" bigfile.range=\"bytes 10-19/*\" bigfile.bytes=10");
  }

  @Test
  void aCreationNamesWhatItCreatedFromLocationAndAnExceptionIsA500() throws Exception {
    Map<String, Object> e =
        run(
                false,
                request("POST", "/v1/transactions", "unnamed"),
                201,
                (req, resp) ->
                    ((HttpServletResponse) resp).setHeader("Location", "/v1/transactions/abc"))
            .get(0);
    assertThat(e)
        .containsEntry("event.action", "unnamed")
        .containsEntry("bigfile.transaction", "abc")
        .doesNotContainKey("bigfile.file");

    MockHttpServletRequest r = request("POST", "/v1/transactions/abc/commit", null);
    assertThatThrownBy(
            () ->
                new AuditFilter(new AuditLog(false))
                    .doFilter(
                        r,
                        new MockHttpServletResponse(),
                        (req, resp) -> {
                          throw new IOException("broken");
                        }))
        .hasMessage("broken");
    assertThat(audit.events().get(1))
        .containsEntry("event.action", "request")
        .containsEntry("http.response.status_code", 500)
        .containsEntry("event.outcome", "failure");
  }

  @Test
  void thePrincipalAndHowItAuthenticatedComeFromTheSecurityContext() throws Exception {
    String path = "/v1/files/3f1c0a9b2e7d4c11/content";
    Authentication token =
        new UsernamePasswordAuthenticationToken(
            "backup", null, AuthorityUtils.createAuthorityList("SCOPE_files.write"));
    SecurityContextHolder.getContext().setAuthentication(token);
    assertThat(run(false, request("PUT", path, "write"), 200, null).get(0))
        .containsEntry("user.name", "backup")
        .containsEntry("bigfile.auth", "UsernamePasswordAuthenticationToken");

    class Audited extends UsernamePasswordAuthenticationToken implements AuditedAuthentication {
      private static final long serialVersionUID = 1L;

      Audited() {
        super("alice", null, AuthorityUtils.NO_AUTHORITIES);
      }

      @Override
      public String authenticationMethod() {
        return "token";
      }

      @Override
      public Map<String, Object> auditFields() {
        return Map.of("bigfile.token", "t1");
      }
    }
    SecurityContextHolder.getContext().setAuthentication(new Audited());
    assertThat(run(false, request("PUT", path, "write"), 200, null).get(1))
        .containsEntry("user.name", "alice")
        .containsEntry("bigfile.auth", "token")
        .containsEntry("bigfile.token", "t1");

    SecurityContextHolder.getContext()
        .setAuthentication(
            new AnonymousAuthenticationToken(
                "key", "anonymousUser", AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS")));
    // let in without authentication (bigfile.security.mode=none): no way of authenticating
    assertThat(run(false, request("PUT", path, "write"), 200, null).get(2))
        .containsEntry("user.name", "anonymous")
        .containsEntry("bigfile.auth", "none");

    SecurityContextHolder.clearContext();
    MockHttpServletRequest bearer = request("GET", path, "read");
    new AuditLog(false).refused(bearer, 401, "no valid token");
    bearer.addHeader("Authorization", "Bearer x");
    new AuditLog(false).refused(bearer, 401, "no valid token");
    assertThat(audit.events().get(3))
        .containsEntry("event.action", "refused")
        .containsEntry("event.reason", "no valid token")
        .containsEntry("bigfile.auth", "none");
    assertThat(audit.events().get(4)).containsEntry("bigfile.auth", "bearer");
  }

  @Test
  void theMessageCannotBeSplitIntoForgedLines() {
    assertThat(AuditLog.quoted("alice")).isEqualTo("alice");
    assertThat(AuditLog.quoted("")).isEqualTo("\"\"");
    assertThat(AuditLog.quoted("a b")).isEqualTo("\"a b\"");
    assertThat(AuditLog.quoted("a\nevent.action=deleteFile"))
        .isEqualTo("a\\u000aevent.action=deleteFile");
    assertThat(AuditLog.quoted("say \"hi\"\\")).isEqualTo("\"say \\\"hi\\\"\\\\\"");
  }
}
