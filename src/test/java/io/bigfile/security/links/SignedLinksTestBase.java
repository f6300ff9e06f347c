package io.bigfile.security.links;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.SecuredServiceTestBase;
import io.bigfile.support.ServiceClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;

/**
 * The service in-process in {@code token} mode ({@link SecuredServiceTestBase}: its configured
 * tokens, and two signed-link keys, {@code old} signing new links and {@code new} configured too).
 * Links are created with real bearer tokens ({@link #CREATOR} unless a test says which); requests
 * made with a link carry no {@code Authorization} header. Subclasses share the application context
 * of every {@link SecuredServiceTestBase}.
 */
public abstract class SignedLinksTestBase extends SecuredServiceTestBase {

  /** The key that signs links in this context. */
  public static final String OLD_KEY = OLD_LINK_KEY;

  /** The key that replaces it. */
  public static final String NEW_KEY = NEW_LINK_KEY;

  /** Who creates links unless a test says otherwise: files.read and files.write. */
  public static final Tokens CREATOR = Tokens.NO_DELETE;

  public static final String PROBLEM_JSON = "application/problem+json";
  public static final String FORBIDDEN = "https://bigfile.io/problems/forbidden";
  public static final int BLOCK = 4096;

  /** This service, called with the creator's token. */
  public ServiceClient creator() {
    return as(CREATOR);
  }

  /** A new file of 4 KiB blocks with this content, created and written by the creator. */
  public String fileWith(byte[] content) {
    String id = creator().createFile("{\"blockSize\":" + BLOCK + ",\"name\":\"scene.bin\"}");
    creator().replace(id, content);
    return id;
  }

  /** POST /v1/files/{id}/links with this body, as the {@link #CREATOR}. */
  public HttpResponse<byte[]> sendCreateLink(String file, String json) {
    return sendCreateLink(file, json, CREATOR);
  }

  /** POST /v1/files/{id}/links with this body and this token. */
  public HttpResponse<byte[]> sendCreateLink(String file, String json, Tokens token) {
    ServiceClient c = as(token);
    return c.send(
        c.request("/v1/files/" + file + "/links")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** Creates a link as the creator, which must succeed, and returns its JSON. */
  public JsonNode createLink(String file, String json) {
    return json(sendCreateLink(file, json), 201);
  }

  /** The path and query of a link's URL, to send to this service. */
  public static String pathAndQuery(JsonNode link) {
    URI u = URI.create(text(link, "url"));
    return u.getRawPath() + "?" + u.getRawQuery();
  }

  /** A request to a link, with no {@code Authorization} header. */
  public HttpRequest.Builder link(JsonNode link) {
    return request(pathAndQuery(link));
  }

  /** Asserts a 403 problem of the forbidden type whose detail contains {@code detail}. */
  public static JsonNode assertForbidden(HttpResponse<byte[]> r, String detail) {
    assertStatus(r, 403);
    assertThat(header(r, "Content-Type")).as(describe(r)).startsWith(PROBLEM_JSON);
    if (r.uri().getPath().contains("/content")) {
      assertThat(header(r, "X-Content-Type-Options")).isEqualTo("nosniff");
    }
    JsonNode p = JSON.readTree(r.body());
    assertThat(text(p, "type")).as(describe(r)).isEqualTo(FORBIDDEN);
    assertThat(p.path("status").asInt()).isEqualTo(403);
    assertThat(text(p, "title")).isEqualTo("Forbidden");
    assertThat(text(p, "detail")).as(describe(r)).contains(detail);
    return p;
  }

  public static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  public static byte[] slice(byte[] b, int from, int to) {
    return Arrays.copyOfRange(b, from, to);
  }

  /** One part of a {@code multipart/byteranges} body. */
  public record Part(String contentRange, byte[] data) {}

  public static List<Part> multipart(HttpResponse<byte[]> r) {
    String ct = header(r, "Content-Type");
    assertThat(ct).as(describe(r)).startsWith("multipart/byteranges");
    String delimiter = "--" + ct.substring(ct.indexOf("boundary=") + "boundary=".length()).trim();
    String body = new String(r.body(), StandardCharsets.ISO_8859_1);
    List<Part> parts = new ArrayList<>();
    int pos = body.indexOf(delimiter);
    for (int guard = 0; guard < 1000 && pos >= 0; guard++) {
      pos += delimiter.length();
      if (body.startsWith("--", pos)) {
        return parts;
      }
      int headersEnd = body.indexOf("\r\n\r\n", pos);
      int next = body.indexOf("\r\n" + delimiter, headersEnd + 4);
      String range = null;
      for (String line : body.substring(pos, headersEnd).split("\r\n")) {
        if (line.toLowerCase().startsWith("content-range:")) {
          range = line.substring(line.indexOf(':') + 1).trim();
        }
      }
      parts.add(
          new Part(
              range, body.substring(headersEnd + 4, next).getBytes(StandardCharsets.ISO_8859_1)));
      pos = next + 2;
    }
    throw new AssertionError("no closing boundary in " + describe(r));
  }
}
