package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.bigfile.support.SecuredServiceTestBase;
import io.bigfile.support.ServiceClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;
import org.springframework.web.util.pattern.PathPattern;
import tools.jackson.databind.JsonNode;

/**
 * Walks every endpoint the service maps (the controllers', the actuator's, the OpenAPI
 * description's, taken from the request mappings so that a new endpoint cannot be forgotten) with
 * no token (401), a bad token (401), a valid token lacking the endpoint's scope (403) and a token
 * with the scope (neither), and checks the refusals are problems with {@code WWW-Authenticate}. The
 * scope each endpoint needs is this test's own table ({@link #NEEDS}): a mapping missing from it
 * fails the test.
 */
class EndpointScopesIT extends SecuredServiceTestBase {

  private static final String OPEN = "open";

  /**
   * Any valid token: the endpoint itself checks the scopes of what it is asked for (the creation of
   * signed links, {@link AccessRules}).
   */
  private static final String AUTHENTICATED = "authenticated";

  private static final String UNKNOWN_FILE = "7fffffffffffffff";

  /**
   * What each endpoint needs: a scope, {@link #AUTHENTICATED} or {@link #OPEN}. Keys: method and
   * mapped pattern.
   */
  private static final Map<String, String> NEEDS =
      Map.ofEntries(
          Map.entry("GET /v1/files", "files.read"),
          Map.entry("POST /v1/files", "files.write"),
          Map.entry("GET /v1/files/{id}", "files.read"),
          Map.entry("PATCH /v1/files/{id}", "files.write"),
          Map.entry("DELETE /v1/files/{id}", "files.delete"),
          Map.entry("GET /v1/files/{id}/content", "files.read"),
          Map.entry("HEAD /v1/files/{id}/content", "files.read"),
          Map.entry("PUT /v1/files/{id}/content", "files.write"),
          Map.entry("POST /v1/files/{id}/content", "files.write"),
          Map.entry("PATCH /v1/files/{id}/content", "files.write"),
          Map.entry("OPTIONS /v1/files/{id}/content", "files.read"),
          Map.entry("GET /v1/files/{id}/content/{name}", "files.read"),
          Map.entry("HEAD /v1/files/{id}/content/{name}", "files.read"),
          Map.entry("GET /v1/files/{id}/ranges", "files.read"),
          Map.entry("GET /v1/files/{id}/revisions", "files.read"),
          Map.entry("POST /v1/files/{id}/links", AUTHENTICATED),
          Map.entry("POST /v1/transactions", "files.write"),
          Map.entry("GET /v1/transactions/{id}", "files.write"),
          Map.entry("POST /v1/transactions/{id}/commit", "files.write"),
          Map.entry("POST /v1/transactions/{id}/abort", "files.write"),
          Map.entry("GET /actuator", "files.admin"),
          Map.entry("GET /actuator/health", OPEN),
          Map.entry("GET /actuator/health/**", OPEN),
          Map.entry("GET /actuator/info", "files.admin"),
          Map.entry("GET /actuator/prometheus", "files.admin"),
          Map.entry("GET /actuator/env", "files.admin"),
          Map.entry("GET /actuator/env/{toMatch}", "files.admin"),
          Map.entry("GET /actuator/configprops", "files.admin"),
          Map.entry("GET /actuator/configprops/{prefix}", "files.admin"),
          Map.entry("* /error", OPEN),
          Map.entry("GET /v3/api-docs", OPEN),
          Map.entry("GET /v3/api-docs.yaml", OPEN),
          Map.entry("GET /v3/api-docs/swagger-config", OPEN),
          Map.entry("GET /swagger-ui.html", OPEN));

  /** For each scope, the valid token that has every other scope but not this one. */
  private static final Map<String, Tokens> LACKING =
      Map.of(
          "files.read", Tokens.NO_READ,
          "files.write", Tokens.NO_WRITE,
          "files.delete", Tokens.NO_DELETE,
          "files.admin", Tokens.NO_ADMIN);

  /** For each scope, the token that has this scope only. */
  private static final Map<String, Tokens> HAVING =
      Map.of(
          "files.read", Tokens.READER,
          "files.write", Tokens.WRITER,
          "files.delete", Tokens.DELETER,
          "files.admin", Tokens.ADMIN);

  @Autowired List<RequestMappingInfoHandlerMapping> handlerMappings;

  /** One method on one mapped pattern. */
  record Endpoint(String method, String pattern) {

    String key() {
      return method + " " + pattern;
    }

    /** The method to send: any for a mapping of every method. */
    String sent() {
      return method.equals("*") ? "GET" : method;
    }

    String path() {
      return pattern
          .replace("**", "liveness")
          .replace("/v1/files/{id}", "/v1/files/" + UNKNOWN_FILE)
          .replace("/v1/transactions/{id}", "/v1/transactions/unknown")
          .replaceAll("\\{[^}]+}", "x");
    }

    @Override
    public String toString() {
      return key();
    }
  }

  /** Every method of every pattern the service maps; HEAD with every GET of the API. */
  private List<Endpoint> endpoints() {
    Set<Endpoint> out = new TreeSet<>((a, b) -> a.key().compareTo(b.key()));
    for (RequestMappingInfoHandlerMapping mapping : handlerMappings) {
      for (RequestMappingInfo info : mapping.getHandlerMethods().keySet()) {
        Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
        for (PathPattern p : info.getPathPatternsCondition().getPatterns()) {
          if (methods.isEmpty()) {
            out.add(new Endpoint("*", p.getPatternString()));
          }
          for (RequestMethod m : methods) {
            out.add(new Endpoint(m.name(), p.getPatternString()));
          }
        }
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * A method no endpoint maps passes Spring Security's firewall, and no rule names it: closed to
   * all but files.admin, to whom Spring MVC answers 405, as with security off (HostileRequestsIT).
   */
  @Test
  void aMethodNobodyKnowsIsClosedToAllButAdmin() {
    String path = "/v1/files/" + UNKNOWN_FILE + "/content";
    HttpResponse<byte[]> anonymous = send(request(path).method("FROB", noBody()));
    assertProblem(anonymous, 401, "unauthenticated");
    ServiceClient reader = as(Tokens.NO_ADMIN);
    assertProblem(reader.send(reader.request(path).method("FROB", noBody())), 403, "forbidden");
    ServiceClient admin = as(Tokens.ADMIN);
    HttpResponse<byte[]> r = admin.send(admin.request(path).method("FROB", noBody()));
    assertThat(r.statusCode()).as(describe(r)).isEqualTo(405);
    assertThat(header(r, "Allow")).as(describe(r)).contains("GET");
  }

  private static HttpRequest.BodyPublisher noBody() {
    return HttpRequest.BodyPublishers.noBody();
  }

  @TestFactory
  Stream<DynamicTest> everyMappedEndpointHasItsScope() {
    List<Endpoint> endpoints = endpoints();
    Map<String, Endpoint> byKey = new TreeMap<>();
    endpoints.forEach(e -> byKey.put(e.key(), e));
    assertThat(byKey.keySet())
        .as("the endpoints the service maps, and the scope table of this test")
        .containsExactlyInAnyOrderElementsOf(NEEDS.keySet());
    return endpoints.stream()
        .flatMap(
            e -> {
              String needs = NEEDS.get(e.key());
              if (needs.equals(OPEN)) {
                return Stream.of(dynamicTest(e + " is open", () -> isOpen(e)));
              }
              if (needs.equals(AUTHENTICATED)) {
                return Stream.of(
                    dynamicTest(e + " without a token: 401", () -> withoutToken(e)),
                    dynamicTest(e + " with a bad token: 401", () -> withBadToken(e)),
                    dynamicTest(e + " with any token: allowed", () -> having(e, "files.read")));
              }
              return Stream.of(
                  dynamicTest(e + " without a token: 401", () -> withoutToken(e)),
                  dynamicTest(e + " with a bad token: 401", () -> withBadToken(e)),
                  dynamicTest(e + " without " + needs + ": 403", () -> lacking(e, needs)),
                  dynamicTest(e + " with " + needs + ": allowed", () -> having(e, needs)),
                  dynamicTest(e + " with files.admin: allowed", () -> having(e, "files.admin")));
            });
  }

  private void isOpen(Endpoint e) {
    HttpResponse<byte[]> r = call(e, this);
    assertThat(r.statusCode()).as(describe(r)).isNotIn(401, 403);
  }

  private void withoutToken(Endpoint e) {
    HttpResponse<byte[]> r = call(e, this);
    assertProblem(r, 401, "unauthenticated");
    // RFC 6750 section 3, and where to learn about this resource (RFC 9728 section 5.1)
    assertThat(header(r, "WWW-Authenticate"))
        .as(describe(r))
        .startsWith("Bearer realm=\"bigfile\"")
        .contains("resource_metadata=\"" + uri("/.well-known/oauth-protected-resource") + "\"")
        .doesNotContain("error=");
  }

  private void withBadToken(Endpoint e) {
    HttpResponse<byte[]> r = call(e, as("not-a-token-of-this-service-0123456789abcdef"));
    assertProblem(r, 401, "unauthenticated");
    assertThat(header(r, "WWW-Authenticate"))
        .as(describe(r))
        .startsWith("Bearer ")
        .contains("error=\"invalid_token\"");
  }

  private void lacking(Endpoint e, String scope) {
    HttpResponse<byte[]> r = call(e, as(LACKING.get(scope)));
    JsonNode problem = assertProblem(r, 403, "forbidden");
    if (!e.sent().equals("HEAD")) {
      assertThat(text(problem, "detail")).contains("needs the scope " + scope);
    }
    assertThat(header(r, "WWW-Authenticate"))
        .as(describe(r))
        .startsWith("Bearer ")
        .contains("error=\"insufficient_scope\"");
  }

  private void having(Endpoint e, String scope) {
    Tokens token = HAVING.get(scope);
    HttpResponse<byte[]> r = call(e, as(token));
    assertThat(r.statusCode()).as(describe(r)).isNotIn(401, 403);
    if (r.statusCode() == 201 && e.pattern().equals("/v1/transactions")) {
      // a transaction begun here must not stay open
      ServiceClient owner = as(token);
      owner.abort(field(r, "id"));
    }
  }

  private HttpResponse<byte[]> call(Endpoint e, ServiceClient client) {
    HttpRequest.Builder b = client.request(e.path());
    if (Set.of("POST", "PUT", "PATCH").contains(e.sent())) {
      b.header("Content-Type", "application/json")
          .method(e.sent(), HttpRequest.BodyPublishers.ofString("{}"));
    } else {
      b.method(e.sent(), HttpRequest.BodyPublishers.noBody());
    }
    return client.send(b);
  }

  private static JsonNode assertProblem(HttpResponse<byte[]> r, int status, String type) {
    assertThat(r.statusCode()).as(describe(r)).isEqualTo(status);
    assertThat(header(r, "Content-Type")).as(describe(r)).startsWith("application/problem+json");
    if (r.request().method().equals("HEAD")) {
      return JSON.createObjectNode();
    }
    JsonNode problem = JSON.readTree(r.body());
    assertThat(text(problem, "type")).isEqualTo("https://bigfile.io/problems/" + type);
    assertThat(problem.path("status").asInt()).isEqualTo(status);
    assertThat(text(problem, "title")).isNotBlank();
    assertThat(text(problem, "detail")).isNotBlank();
    assertThat(text(problem, "instance")).isEqualTo(r.request().uri().getRawPath());
    return problem;
  }
}
