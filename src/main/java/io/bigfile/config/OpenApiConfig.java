package io.bigfile.config;

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
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.oas.models.tags.Tag;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

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
 *       it takes {@code at}, 412 when it takes {@code If-Match} or {@code If-Unmodified-Since};
 *   <li>a response header named in a controller ({@code @Header(name = "ETag")}) refers to the one
 *       definition in {@code components/headers}; a response carrying file JSON, and every success
 *       or 304 of a content read, carries the file's {@code ETag}, {@code Last-Modified} and {@code
 *       BigFile-Revision} (as {@code FilesController.fileResponse} and {@code Validators.write} set
 *       them), a 201 its {@code Location}, a 503 {@code Retry-After};
 *   <li>a HEAD operation (Spring maps HEAD with GET) gets its own operation id and no bodies.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
// swagger-models' Schema is generic, but its fluent setters return the raw type
@SuppressWarnings({"rawtypes", "unchecked"})
class OpenApiConfig {

  private static final String PROBLEM_JSON = "application/problem+json";
  private static final String REVISION = "BigFile-Revision";
  private static final String FILE_SCHEMA = "#/components/schemas/FileInfo";

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
                    `detail`; a failed request changes nothing."""))
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
        .components(new Components().headers(headers()));
  }

  @Bean
  OpenApiCustomizer httpContract() {
    return OpenApiConfig::applyContract;
  }

  // ---------------------------------------------------------------- shared definitions

  private static Map<String, Schema> schemas() {
    Map<String, Schema> s = new LinkedHashMap<>();
    s.put(
        "Problem",
        object()
            .description(
                "RFC 9457 problem details: every error answers with one, and a failed request"
                    + " changes nothing")
            .addProperty(
                "type",
                string()
                    .format("uri-reference")
                    .description(
                        "The problem type; absent for about:blank, where the status says it all"))
            .addProperty("title", string().description("The status's reason phrase"))
            .addProperty(
                "status", integer("int32").description("The HTTP status code of the response"))
            .addProperty("detail", string().description("What was wrong with this request"))
            .addProperty(
                "instance", string().format("uri-reference").description("The path of the request"))
            .required(List.of("title", "status")));
    s.put(
        "Conflict",
        object()
            .description("One file in a commit conflict")
            .addProperty("file", string().description("The file's id"))
            .addProperty(
                "what",
                array(string())
                    .description(
                        "Kinds of change in conflict: `blocks`, `size`, `name`, `format`,"
                            + " `existence`, or `modified` (a write of the transaction carried a"
                            + " precondition, and another commit changed the file after its"
                            + " snapshot)"))
            .addProperty(
                "blocks",
                array(integer("int64"))
                    .description(
                        "Block numbers both changed (a sample when there are many; empty when"
                            + " only attributes conflict)"))
            .required(List.of("file", "what", "blocks")));
    s.put(
        "ConflictProblem",
        new Schema<>()
            .description(
                "A 409: the transaction is no longer open, or a commit conflict (first committer"
                    + " wins), which names the files and blocks in `conflicts`; the transaction is"
                    + " then aborted")
            .allOf(
                List.of(
                    new Schema<>().$ref("#/components/schemas/Problem"),
                    object()
                        .addProperty(
                            "conflicts",
                            array(new Schema<>().$ref("#/components/schemas/Conflict"))
                                .description("Present on a commit conflict")))));
    return s;
  }

  private static Map<String, Header> headers() {
    Map<String, Header> h = new LinkedHashMap<>();
    h.put(
        "ETag",
        header(
            string().example("\"r12\""),
            "Strong entity tag of the file as the request sees it: it names the revision that last"
                + " changed the file (inside a transaction that changed it, a transaction-local"
                + " version). Use it in If-Match, If-None-Match and If-Range."));
    h.put(
        "Last-Modified",
        header(
            string().example("Tue, 03 Jun 2025 10:15:30 GMT"),
            "HTTP-date of the commit that last changed the file"));
    h.put(
        REVISION,
        header(
            integer("int64"),
            "The revision this response reflects: the snapshot it read, or the revision an"
                + " autocommit write or a commit created"));
    h.put(
        "Accept-Ranges",
        header(string()._enum(List.of("bytes")), "Byte ranges can be requested (RFC 9110 14.3)"));
    h.put(
        "Content-Range",
        header(
            string().example("bytes 0-1023/146515"),
            "On 206: the range sent and the file's size (`bytes first-last/size`); on 416: `bytes"
                + " */size`"));
    h.put("Location", header(string().format("uri-reference"), "The path of what was created"));
    h.put(
        "Retry-After",
        header(integer("int32"), "Seconds to wait before retrying (RFC 9110 10.2.3)"));
    return h;
  }

  /** Canonical schema and description of a parameter, by where it is and its name. */
  private static final Map<String, Parameter> PARAMETERS = new LinkedHashMap<>();

  static {
    param(
        "query",
        "txn",
        string(),
        "Run the request inside this open transaction (from beginTransaction): it sees the"
            + " transaction's snapshot and its own writes, and its writes become visible to others"
            + " when it commits. Without `txn` or `at` a request is a transaction of its own.");
    param(
        "query",
        "at",
        integer("int64").minimum(BigDecimal.ZERO),
        "Read as of this committed revision (reads only). 410 when it is older than the retained"
            + " history, 400 when it is past the head.");
    param("query", "limit", integer("int32").minimum(BigDecimal.ONE), "The most items in one page");
    param(
        "query",
        "cursor",
        string(),
        "Where the page starts: the `nextCursor` of the previous page (none: the first page)");
    param(
        "header",
        "Range",
        string().example("bytes=0-1023"),
        "RFC 9110 14.2: byte ranges to read: `bytes=first-last`, `bytes=first-` or `bytes=-suffix`,"
            + " several separated by commas (answered as multipart/byteranges, parts in request"
            + " order). A malformed value or an unknown unit is ignored (200, the whole content).");
    param(
        "header",
        "If-Range",
        string(),
        "RFC 9110 13.1.5: a strong entity tag or the exact Last-Modified date; when it does not"
            + " match the file, Range is ignored and the whole content is sent (200)");
    param(
        "header",
        "If-Match",
        string().example("\"r12\""),
        "RFC 9110 13.1.1: entity tags, or `*`; 412 (and nothing written) unless the file's entity"
            + " tag is one of them");
    param(
        "header",
        "If-None-Match",
        string().example("\"r12\""),
        "RFC 9110 13.1.2: entity tags, or `*`; when the file's entity tag is one of them a read"
            + " answers 304 and a write 412");
    param(
        "header",
        "If-Modified-Since",
        string().example("Tue, 03 Jun 2025 10:15:30 GMT"),
        "RFC 9110 13.1.3: an HTTP-date; a read answers 304 if the file has not changed since"
            + " (ignored with If-None-Match)");
    param(
        "header",
        "If-Unmodified-Since",
        string().example("Tue, 03 Jun 2025 10:15:30 GMT"),
        "RFC 9110 13.1.4: an HTTP-date; 412 (and nothing written) if the file has changed since"
            + " (ignored with If-Match)");
    param(
        "header",
        "Content-Range",
        string().example("bytes 1000-1999/*"),
        "Where the body goes: `bytes first-last/*` writes it at `first` (it must hold"
            + " last-first+1 bytes; the file grows if needed, a gap reads as zeros); `bytes"
            + " first-last/size` also sets the file's size. Without it the body replaces the whole"
            + " content.");
  }

  private static void param(String in, String name, Schema<?> schema, String description) {
    PARAMETERS.put(in + ":" + name, new Parameter().schema(schema).description(description));
  }

  // ---------------------------------------------------------------- the contract's rules

  private static void applyContract(OpenAPI api) {
    // springdoc sets the schemas it derives from the controllers; the problem schemas come from
    // no controller signature, so they are added here
    schemas().forEach(api.getComponents()::addSchemas);
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
      Parameter canonical = PARAMETERS.get(p.getIn() + ":" + p.getName());
      if ("path".equals(p.getIn()) && "id".equals(p.getName())) {
        canonical =
            new Parameter()
                .schema(string())
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
              ? "No such transaction (or not on this replica)"
              : "No such file, or no such transaction for `txn`");
    }
    if (has(params, "query", "txn")) {
      problem(responses, "409", "The transaction is no longer open");
    }
    if (has(params, "query", "at")) {
      problem(responses, "410", "`at` is older than the retained history");
    }
    if (has(params, "header", "If-Match") || has(params, "header", "If-Unmodified-Since")) {
      problem(responses, "412", "A precondition does not hold: the file has changed");
    }
    problem(responses, "503", "The database is unavailable; retry later");

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
            String schema = "409".equals(status) ? "ConflictProblem" : "Problem";
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
            addHeader(r, REVISION);
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

  private static Schema<Object> typed(String type) {
    Schema<Object> s = new Schema<>();
    s.setType(type);
    s.setTypes(new LinkedHashSet<>(List.of(type)));
    return s;
  }

  private static Schema<Object> string() {
    return typed("string");
  }

  private static Schema<Object> integer(String format) {
    return typed("integer").format(format);
  }

  private static Schema<Object> object() {
    return typed("object");
  }

  private static Schema<Object> array(Schema<?> items) {
    Schema<Object> s = typed("array");
    s.setItems(items);
    return s;
  }

  private static Header header(Schema<?> schema, String description) {
    return new Header().schema(schema).description(description);
  }
}
