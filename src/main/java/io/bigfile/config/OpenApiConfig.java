package io.bigfile.config;

import io.bigfile.security.AccessRules;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.oas.models.tags.Tag;
import java.util.List;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;

/**
 * The OpenAPI description served at {@code /v3/api-docs} (and checked in as {@code
 * openapi/bigfile-openapi.json}, from which clients are generated).
 *
 * <p>The controllers say what is particular to each operation: its id, summary, body and the
 * responses only it gives. This class adds what the HTTP contract says of every operation alike
 * (README, "Errors" and "Ranges and conditional requests"), so that every endpoint, a new one
 * included, is described as completely as the others without repeating it in annotations:
 *
 * <ul>
 *   <li>a parameter means the same everywhere: {@code txn}, {@code at}, {@code limit}, {@code
 *       cursor}, {@code id} and the RFC 9110 request headers get one schema and one description (a
 *       controller's own description, and a schema springdoc derived from the mapping, win);
 *   <li>every error is {@code application/problem+json} (RFC 9457): each operation lists 400 and
 *       503, 404 when it names a file or transaction (OPTIONS aside), 409 when it takes {@code txn}
 *       (the transaction is no longer open, or a commit conflict, with {@code conflicts}), 410 when
 *       it takes {@code at}, 412 when it takes {@code If-Match} or {@code If-Unmodified-Since}, 422
 *       when it takes {@code Idempotency-Key} (the key was used for another request); a 503 may say
 *       that a commit's outcome is unknown ({@code UnavailableProblem});
 *   <li>a response header named in a controller ({@code @Header(name = "ETag")}) refers to the one
 *       definition in {@code components/headers}; a response carrying file JSON, and every success
 *       or 304 of a content read, carries the file's {@code ETag}, {@code Last-Modified} and {@code
 *       BigFile-Revision} (as {@code FilesController.fileResponse} and {@code Validators.write} set
 *       them), a 201 its {@code Location}, a 503 {@code Retry-After};
 *   <li>a HEAD operation (Spring maps HEAD with GET) gets its own operation id and no bodies;
 *   <li>every operation needs a bearer token ({@value #BEARER} scheme) with the scope that {@link
 *       AccessRules} gives it, listed in its security requirement (OpenAPI 3.1 lets a requirement
 *       of an {@code http} scheme name roles), and may answer 401 and 403.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
// swagger-models' Schema is generic, but its fluent setters return the raw type
@SuppressWarnings({"rawtypes", "unchecked"})
class OpenApiConfig {

  private static final String PROBLEM_JSON = "application/problem+json";
  private static final String FILE_SCHEMA = "#/components/schemas/FileInfo";

  /** The security scheme of bearer tokens, static or JWT. */
  static final String BEARER = "bearer";

  @Bean
  OpenAPI bigfileOpenApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("bigfile")
                .version("v1")
                .description(
                    """
                    Big files in PostgreSQL, served over HTTP. Read any byte range (RFC 9110 \
                    range requests, several ranges as multipart/byteranges), write any byte \
                    range with Content-Range, append, truncate or extend. Writes made with \
                    `txn` are staged in a transaction and become visible, atomically across \
                    files, when it commits (first committer wins: a conflicting commit answers \
                    409); a request without `txn` is a transaction of its own. Every committed \
                    revision within the retention window stays readable with `at`.

                    Every response about a file carries `BigFile-Revision`, the revision it \
                    reflects, and the file's strong `ETag` and `Last-Modified` for conditional \
                    requests. Every error is `application/problem+json` (RFC 9457) with a \
                    `detail`; a failed request changes nothing.

                    Every operation needs a bearer token (`Authorization: Bearer`, RFC 6750) \
                    with the scope its security requirement names: `files.read`, \
                    `files.write` or `files.delete`; `files.admin` grants all of them. Without a \
                    valid token it answers 401, without the scope 403. A transaction belongs to \
                    the token's subject: to any other it is unknown (404). A client that cannot \
                    send headers (a media player, a segmented downloader) uses a signed link \
                    instead: a content URL whose query carries its own expiring signature, \
                    created by a holder of the scopes it grants."""))
        .servers(
            List.of(
                new Server()
                    .url("http://localhost:8080")
                    .description("the service run locally (./mvnw spring-boot:run)")))
        .tags(
            List.of(
                new Tag()
                    .name("files")
                    .description("Create, list, describe, resize, rename and delete files"),
                new Tag()
                    .name("content")
                    .description(
                        "A file's bytes: range reads and conditional reads, range writes,"
                            + " replace and append"),
                new Tag()
                    .name("transactions")
                    .description(
                        "Begin, inspect, commit and abort transactions that span any number of"
                            + " files")))
        .components(
            new Components()
                .headers(OpenApiVocabulary.headers())
                .addSecuritySchemes(
                    BEARER,
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description(
                            "A bearer token (RFC 6750). bigfile.security.mode decides which:"
                                + " `token`, a static token of the service's configuration (by"
                                + " default one it generates on first start, in data/token);"
                                + " `oauth2`, a JWT of the configured authorization server,"
                                + " addressed to this service (`aud`), its scopes in `scope` or"
                                + " `scp`. The scopes: files.read, files.write, files.delete and"
                                + " files.admin (all of them, and the actuator beyond health).")));
  }

  @Bean
  OpenApiCustomizer httpContract() {
    return OpenApiConfig::applyContract;
  }

  // ---------------------------------------------------------------- the contract's rules

  private static void applyContract(OpenAPI api) {
    // springdoc sets the schemas it derives from the controllers; the problem schemas come from
    // no controller signature, so they are added here
    OpenApiVocabulary.schemas().forEach(api.getComponents()::addSchemas);
    api.getPaths()
        .forEach(
            (path, item) -> {
              nameHeadOperation(item);
              item.readOperationsMap()
                  .forEach((method, op) -> describe(path, method, op, api.getComponents()));
            });
  }

  /** Spring maps HEAD with GET, so springdoc numbers the copy; give it a name of its own. */
  private static void nameHeadOperation(PathItem item) {
    if (item.getHead() == null || item.getGet() == null) {
      return;
    }
    String get = item.getGet().getOperationId();
    item.getHead()
        .operationId(get.startsWith("read") ? "head" + get.substring(4) : get + "Head")
        .summary("Like " + get + ", without the body: size, validators and range answers only");
  }

  private static void describe(
      String path, PathItem.HttpMethod method, Operation op, Components components) {
    List<Parameter> params = op.getParameters() == null ? List.of() : op.getParameters();
    for (Parameter p : params) {
      Parameter canonical = OpenApiVocabulary.PARAMETERS.get(p.getIn() + ":" + p.getName());
      if ("path".equals(p.getIn()) && "id".equals(p.getName())) {
        canonical =
            new Parameter()
                .schema(OpenApiVocabulary.string())
                .description(
                    path.startsWith("/v1/transactions") ? "The transaction's id" : "The file's id");
      }
      if (canonical != null) {
        Schema<?> derived = p.getSchema();
        if (derived == null || !typeOf(derived).equals(typeOf(canonical.getSchema()))) {
          // a header or query parameter the controller reads itself, or `at` parsed from a string
          p.setSchema(canonical.getSchema());
        } else if (derived.getMinimum() == null) {
          // keep what springdoc derived (a default, for one) and add the bound
          derived.setMinimum(canonical.getSchema().getMinimum());
        }
        if (p.getDescription() == null || p.getDescription().isBlank()) {
          p.setDescription(canonical.getDescription());
        }
      }
    }
    ApiResponses responses = op.getResponses();
    problem(responses, "400", "Bad parameters, headers or body (the detail says which)");
    boolean options = method == PathItem.HttpMethod.OPTIONS;
    if ((path.contains("{id}") && !options) || has(params, "query", "txn")) {
      problem(
          responses,
          "404",
          path.startsWith("/v1/transactions")
              ? "No such transaction (or not on this replica, or begun by another principal)"
              : "No such file, or no such transaction for `txn` (or one begun by another"
                  + " principal)");
    }
    boolean keyed = has(params, "header", "Idempotency-Key");
    if (has(params, "query", "txn")) {
      problem(
          responses,
          "409",
          keyed
              ? "The transaction is no longer open, or a request with the same Idempotency-Key"
                  + " is still running"
              : "The transaction is no longer open");
    }
    if (keyed) {
      problem(
          responses,
          "422",
          "The Idempotency-Key was used for a different request (type"
              + " https://bigfile.io/problems/idempotency-key-reused)");
    }
    if (has(params, "query", "at")) {
      problem(responses, "410", "`at` is older than the retained history");
    }
    if (has(params, "header", "If-Match") || has(params, "header", "If-Unmodified-Since")) {
      problem(responses, "412", "A precondition does not hold: the file has changed");
    }
    if (op.getRequestBody() != null) {
      problem(
          responses,
          "408",
          "The request body arrived slower than `bigfile.uploads.min-rate`; nothing was changed");
    }
    boolean commits =
        method != PathItem.HttpMethod.GET
            && method != PathItem.HttpMethod.HEAD
            && (has(params, "query", "txn") || path.endsWith("/commit"));
    problem(
        responses,
        "503",
        !commits
            ? "The database is unavailable; retry later"
            : "The database is unavailable; retry later. With type"
                + " https://bigfile.io/problems/commit-outcome-unknown, the database lost its"
                + " answer to the commit: `transaction` says later whether it was applied");
    secure(path, method, op);

    boolean head = method == PathItem.HttpMethod.HEAD;
    boolean contentRead =
        (head || method == PathItem.HttpMethod.GET)
            && op.getTags() != null
            && op.getTags().contains("content");
    responses.forEach(
        (status, r) -> {
          if (r.get$ref() != null) {
            return;
          }
          int code = Integer.parseInt(status);
          if (code >= 400) {
            // springdoc gives every declared response the method's return type; an error's body
            // is a problem instead
            String schema =
                switch (status) {
                  case "409" -> "ConflictProblem";
                  case "503" -> "UnavailableProblem";
                  default -> "Problem";
                };
            r.content(
                new Content()
                    .addMediaType(
                        PROBLEM_JSON,
                        new MediaType()
                            .schema(new Schema<>().$ref("#/components/schemas/" + schema))));
          }
          boolean noBody = head || code == 304 || code == 204;
          if ((!noBody && carriesFile(r)) || (contentRead && (code < 300 || code == 304))) {
            addHeader(r, "ETag");
            addHeader(r, "Last-Modified");
            addHeader(r, OpenApiVocabulary.REVISION);
          }
          if (noBody) {
            r.setContent(null);
          }
          if (code == 201) {
            addHeader(r, "Location");
          }
          if (code == 503) {
            addHeader(r, "Retry-After");
          }
          if (r.getHeaders() != null) {
            r.getHeaders()
                .replaceAll(
                    (name, h) ->
                        h.get$ref() == null
                                && h.getSchema() == null
                                && components.getHeaders().containsKey(name)
                            ? new Header().$ref("#/components/headers/" + name)
                            : h);
          }
        });
  }

  /**
   * The scope the operation needs ({@link AccessRules}, which the security chain enforces) as its
   * security requirement, and the answers of the chain: 401 without a valid token, 403 without the
   * scope, each with {@code WWW-Authenticate}.
   */
  private static void secure(String path, PathItem.HttpMethod method, Operation op) {
    AccessRules.Rule rule = AccessRules.forOperation(HttpMethod.valueOf(method.name()), path);
    if (rule.access() == AccessRules.Rule.Access.OPEN) {
      return;
    }
    List<String> scopes = rule.scope() == null ? List.of() : List.of(rule.scope().scope());
    op.setSecurity(List.of(new SecurityRequirement().addList(BEARER, scopes)));
    ApiResponses responses = op.getResponses();
    problem(responses, "401", "No bearer token, or one that is not valid");
    problem(
        responses,
        "403",
        rule.scope() == null
            ? "The token does not allow this request"
            : "The token lacks the scope " + rule.scope().scope());
    for (String status : List.of("401", "403")) {
      ApiResponse r = responses.get(status);
      if (r.get$ref() == null) {
        addHeader(r, "WWW-Authenticate");
      }
    }
  }

  private static String typeOf(Schema<?> s) {
    if (s.getType() != null) {
      return s.getType();
    }
    return s.getTypes() == null || s.getTypes().isEmpty() ? "" : s.getTypes().iterator().next();
  }

  private static boolean has(List<Parameter> params, String in, String name) {
    return params.stream().anyMatch(p -> in.equals(p.getIn()) && name.equals(p.getName()));
  }

  private static void problem(ApiResponses responses, String status, String description) {
    if (!responses.containsKey(status)) {
      responses.addApiResponse(status, new ApiResponse().description(description));
    }
  }

  private static boolean carriesFile(ApiResponse r) {
    if (r.getContent() == null) {
      return false;
    }
    return r.getContent().values().stream()
        .anyMatch(m -> m.getSchema() != null && FILE_SCHEMA.equals(m.getSchema().get$ref()));
  }

  private static void addHeader(ApiResponse r, String name) {
    if (r.getHeaders() == null || !r.getHeaders().containsKey(name)) {
      r.addHeaderObject(name, new Header().$ref("#/components/headers/" + name));
    }
  }

  // ---------------------------------------------------------------- schema helpers (OpenAPI 3.1)
}
