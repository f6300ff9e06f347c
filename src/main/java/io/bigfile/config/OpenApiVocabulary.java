package io.bigfile.config;

import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The words of the OpenAPI description that every operation shares: the problem schemas, the
 * response headers, and one schema and description per parameter. {@link OpenApiConfig} applies
 * them to every operation. Immutable once loaded.
 */
// swagger-models' Schema is generic, but its fluent setters return the raw type
@SuppressWarnings({"rawtypes", "unchecked"})
final class OpenApiVocabulary {

  static final String REVISION = "BigFile-Revision";

  private OpenApiVocabulary() {}

  static Map<String, Schema> schemas() {
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
        "UnavailableProblem",
        new Schema<>()
            .description(
                "A 503: the database is unavailable (retry later, after Retry-After), or, with type"
                    + " https://bigfile.io/problems/commit-outcome-unknown, the database lost its"
                    + " answer to a commit, whose changes may or may not have been applied:"
                    + " `transaction` (GET /v1/transactions/{id}) says which once the database"
                    + " answers again. Repeat such a write only with the same Idempotency-Key.")
            .allOf(
                List.of(
                    new Schema<>().$ref("#/components/schemas/Problem"),
                    object()
                        .addProperty(
                            "transaction",
                            string()
                                .description(
                                    "On commit-outcome-unknown: the transaction whose state"
                                        + " settles the outcome (committed, with its revision,"
                                        + " or aborted)")))));
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
                            + " `contentType`, `existence`, or `modified` (a write of the transaction carried a"
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

  static Map<String, Header> headers() {
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
    h.put(
        "Content-Disposition",
        header(
            string().example("inline; filename=\"scene.tif\""),
            "RFC 6266: `inline` with the file's name, when it has one (a name that is not visible"
                + " ASCII in `filename*=UTF-8''...`, after an ASCII `filename` fallback)"));
    h.put(
        "X-Content-Type-Options",
        header(
            string()._enum(List.of("nosniff")),
            "On every content response: a browser must not guess a type from the bytes"));
    h.put("Location", header(string().format("uri-reference"), "The path of what was created"));
    h.put(
        "Retry-After",
        header(integer("int32"), "Seconds to wait before retrying (RFC 9110 10.2.3)"));
    h.put(
        "WWW-Authenticate",
        header(
            string().example("Bearer realm=\"bigfile\", error=\"invalid_token\""),
            "RFC 6750 section 3: `Bearer`, with `error=\"invalid_token\"` for a token that is not"
                + " valid (401) or `error=\"insufficient_scope\"` for one lacking the scope (403),"
                + " and `resource_metadata`, where the RFC 9728 description of this resource is"));
    return h;
  }

  /** Canonical schema and description of a parameter, by where it is and its name. */
  static final Map<String, Parameter> PARAMETERS = new LinkedHashMap<>();

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
        "Idempotency-Key",
        string().maxLength(255).example("\"8e03978e-40d5-43e8-bc93-6894a57f9324\""),
        "draft-ietf-httpapi-idempotency-key-header: a unique key for this write (without `txn`),"
            + " a Structured Field string of 1 to 255 visible ASCII characters (quotes optional)."
            + " A retry with the same key and the same request (method, target, Content-Type,"
            + " Content-Range, preconditions and body) answers what the first one answered and"
            + " applies nothing again, even when the first one's answer was lost; the same key"
            + " with a different request is 422; a retry while the first one still runs is 409."
            + " Keys are kept for bigfile.idempotency.retention (24 hours) after their request.");
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

  private static Schema<Object> typed(String type) {
    Schema<Object> s = new Schema<>();
    s.setType(type);
    s.setTypes(new LinkedHashSet<>(List.of(type)));
    return s;
  }

  static Schema<Object> string() {
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
