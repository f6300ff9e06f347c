package io.bigfile.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A test's HTTP client of one running service, and the calls of bigfile's API that tests make again
 * and again, written once for every way a test reaches a service: in the test JVM ({@link
 * ServiceTestBase}), as a child JVM ({@link ServiceProcess}), or on a port ({@link #onPort}). Each
 * call asserts the status it must answer with and returns what the test goes on with; a test that
 * checks an answer itself sends the request with {@link #send}.
 *
 * <p>Requests go over HTTP/1.1, as the service's clients and the benchmark talk to it. Not
 * thread-safe beyond what {@link HttpClient} is: one client may send from several threads.
 */
public abstract class ServiceClient {

  public static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http;

  protected ServiceClient() {
    this(
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build());
  }

  private ServiceClient(HttpClient http) {
    this.http = http;
  }

  /** A client of the service listening on this loopback port. */
  public static ServiceClient onPort(int port) {
    return new ServiceClient() {
      @Override
      public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
      }
    };
  }

  /** The address of {@code pathAndQuery} (starting with '/') on the service. */
  public abstract URI uri(String pathAndQuery);

  public HttpClient http() {
    return http;
  }

  /** Sent as {@code Authorization: Bearer} with every request, or null. */
  private volatile String bearerToken;

  /** Sends {@code token} as {@code Authorization: Bearer} with every later request (null: none). */
  public ServiceClient withBearerToken(String token) {
    this.bearerToken = token;
    return this;
  }

  /**
   * A client of the same service, on the same connections, that sends {@code token} as {@code
   * Authorization: Bearer} (none when null): the calls above, made by another principal.
   */
  public ServiceClient as(String token) {
    ServiceClient service = this;
    return new ServiceClient(http) {
      @Override
      public URI uri(String pathAndQuery) {
        return service.uri(pathAndQuery);
      }
    }.withBearerToken(token);
  }

  /** A request to the service, with the bearer token if there is one. */
  public HttpRequest.Builder request(String pathAndQuery) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery));
    String token = bearerToken;
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  public HttpResponse<byte[]> send(HttpRequest.Builder request) {
    return send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  public <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
    try {
      return http.send(request.build(), body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The status of GET {@code path} within 5 seconds, or -1 if nothing answers. */
  public int status(String path) {
    try {
      return http.send(
              request(path).timeout(Duration.ofSeconds(5)).GET().build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The status of the readiness probe, or -1 if nothing answers. */
  public int readinessStatus() {
    return status("/actuator/health/readiness");
  }

  // ---------------------------------------------------------------- files

  /** Creates a file ({@code json} as POST /v1/files takes it) and returns its id. */
  public String createFile(String json) {
    return field(assertStatus(sendCreateFile(json), 201), "id");
  }

  /** POST /v1/files with this JSON body, whatever the answer. */
  public HttpResponse<byte[]> sendCreateFile(String json) {
    return send(
        request("/v1/files")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** The file's whole content, read without a transaction. */
  public byte[] read(String id) {
    return read(id, "");
  }

  /** The file's whole content, read with a query string (such as {@code ?txn=...}). */
  public byte[] read(String id, String query) {
    return assertStatus(send(request(contentPath(id) + query).GET()), 200).body();
  }

  /** Writes {@code data} at {@code offset} with {@code Content-Range: bytes a-b/*}. */
  public JsonNode writeAt(String id, long offset, byte[] data) {
    return writeAt(id, offset, data, "");
  }

  /** The same, with a query string (such as {@code ?txn=...}). */
  public JsonNode writeAt(String id, long offset, byte[] data, String query) {
    return json(
        send(
            octets(contentPath(id) + query)
                .header(
                    "Content-Range", "bytes " + offset + "-" + (offset + data.length - 1) + "/*")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data))),
        200);
  }

  /**
   * Replaces the file's whole content with {@code size} bytes of {@link PatternData} from {@code
   * seed}, streamed (never held in memory), whatever the answer.
   */
  public HttpResponse<byte[]> replaceWithPattern(
      String id, long seed, long size, Duration timeout) {
    return send(
        octets(contentPath(id))
            .timeout(timeout)
            .PUT(
                HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> PatternData.stream(seed, 0, size)),
                    size)));
  }

  /** Replaces the file's whole content with {@code data} (a PUT without Content-Range). */
  public JsonNode replace(String id, byte[] data) {
    return json(
        send(octets(contentPath(id)).PUT(HttpRequest.BodyPublishers.ofByteArray(data))), 200);
  }

  public static String contentPath(String id) {
    return "/v1/files/" + id + "/content";
  }

  private HttpRequest.Builder octets(String pathAndQuery) {
    return request(pathAndQuery).header("Content-Type", "application/octet-stream");
  }

  // ---------------------------------------------------------------- transactions

  /** Begins a transaction and returns its id. */
  public String begin() {
    JsonNode t =
        json(send(request("/v1/transactions").POST(HttpRequest.BodyPublishers.noBody())), 201);
    assertThat(text(t, "state")).isEqualTo("open");
    return text(t, "id");
  }

  /** Commits the transaction, which must succeed. */
  public JsonNode commit(String txn) {
    return finish(txn, "commit", "committed");
  }

  /** Aborts the transaction, which must still be open. */
  public JsonNode abort(String txn) {
    return finish(txn, "abort", "aborted");
  }

  private JsonNode finish(String txn, String action, String state) {
    JsonNode t =
        json(
            send(
                request("/v1/transactions/" + txn + "/" + action)
                    .POST(HttpRequest.BodyPublishers.noBody())),
            200);
    assertThat(text(t, "state")).isEqualTo(state);
    return t;
  }

  // ---------------------------------------------------------------- responses

  public static String body(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  public static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  /** The request and the response's status and (the start of its) body, for failure messages. */
  public static String describe(HttpResponse<byte[]> r) {
    String b = body(r);
    return r.request().method()
        + " "
        + r.request().uri()
        + " -> "
        + r.statusCode()
        + " "
        + (b.length() > 500 ? b.substring(0, 500) + "..." : b);
  }

  public static HttpResponse<byte[]> assertStatus(HttpResponse<byte[]> r, int status) {
    assertThat(r.statusCode()).as(describe(r)).isEqualTo(status);
    return r;
  }

  public static JsonNode json(HttpResponse<byte[]> r) {
    assertThat(header(r, "Content-Type")).as(describe(r)).contains("json");
    return JSON.readTree(r.body());
  }

  /** The JSON body of a response that must have the given status. */
  public static JsonNode json(HttpResponse<byte[]> r, int status) {
    assertStatus(r, status);
    return json(r);
  }

  /** A string field, or null when it is absent or JSON null. */
  public static String text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isMissingNode() || v.isNull() ? null : v.asString();
  }

  /** A string field of a flat JSON object, found in the text (null when absent). */
  public static String field(HttpResponse<byte[]> r, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(body(r));
    return m.find() ? m.group(1) : null;
  }

  /** The first number field of that name in a JSON body. */
  public static long number(HttpResponse<byte[]> r, String name) {
    List<Long> all = numbers(r, name);
    if (all.isEmpty()) {
      throw new AssertionError("no " + name + " in " + body(r));
    }
    return all.get(0);
  }

  /** Every number field of that name in a JSON body, in order. */
  public static List<Long> numbers(HttpResponse<byte[]> r, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(-?\\d+)").matcher(body(r));
    List<Long> out = new ArrayList<>();
    while (m.find()) {
      out.add(Long.parseLong(m.group(1)));
    }
    return out;
  }
}
