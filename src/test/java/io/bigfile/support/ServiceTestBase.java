package io.bigfile.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Runs the whole service on a random port against the test JVM's PostgreSQL, and talks to it over
 * real HTTP. All subclasses share one application context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ServiceTestBase {

  @LocalServerPort protected int port;

  protected final HttpClient http = HttpClient.newHttpClient();

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    TestDatabase.Coordinates db = TestDatabase.get();
    registry.add("spring.datasource.url", db::url);
    registry.add("spring.datasource.username", db::username);
    registry.add("spring.datasource.password", db::password);
    registry.add("narayana.log-dir", () -> "target/narayana-it");
    registry.add("bigfile.transactions.max-dirty-per-transaction", () -> "8MB");
    registry.add("bigfile.transactions.max-dirty-total", () -> "64MB");
    registry.add("bigfile.files.max-size", () -> "1GB");
  }

  protected URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }

  protected HttpResponse<byte[]> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  protected HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path));
  }

  protected static String body(HttpResponse<byte[]> r) {
    return new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A string field of a flat JSON object (enough for ids and states in tests). */
  protected static String field(HttpResponse<byte[]> r, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(body(r));
    return m.find() ? m.group(1) : null;
  }

  /** A number field of a flat JSON object. */
  protected static long number(HttpResponse<byte[]> r, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(-?\\d+)").matcher(body(r));
    if (!m.find()) {
      throw new AssertionError("no " + name + " in " + body(r));
    }
    return Long.parseLong(m.group(1));
  }

  /** Creates a file over HTTP and returns its id. */
  protected String createFile(String json) {
    HttpResponse<byte[]> r =
        send(
            request("/v1/files")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    if (r.statusCode() != 201) {
      throw new AssertionError("create failed: " + r.statusCode() + " " + body(r));
    }
    return field(r, "id");
  }
}
