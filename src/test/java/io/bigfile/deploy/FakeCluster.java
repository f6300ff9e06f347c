package io.bigfile.deploy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The little of a Kubernetes API server that the chart's {@code lookup} of a Secret asks for:
 * discovery of the core group ({@code GET /api/v1}) and one Secret by name, from the Secrets {@link
 * #holding} put there; anything else is answered 404. It listens on a loopback port, and the
 * kubeconfig that Helm reads (the file {@code KUBECONFIG} names, which the build's test
 * configuration sets to {@link #KUBECONFIG}) points to it, so that helm-java, which renders with
 * the cluster's lookups on, never reaches a real cluster, and a test can show what the chart does
 * when a Secret of an earlier release exists.
 */
final class FakeCluster {

  /** The kubeconfig the tests' JVM names in its environment (pom.xml, surefire). */
  static final Path KUBECONFIG = Path.of("target", "helm-kubeconfig.yaml").toAbsolutePath();

  private static FakeCluster instance;

  private final HttpServer server;
  private final Map<String, Map<String, String>> secrets = new TreeMap<>();

  private FakeCluster() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "fake-kubernetes-api");
              t.setDaemon(true);
              return t;
            }));
    server.createContext("/", this::handle);
    server.start();
    Files.createDirectories(KUBECONFIG.getParent());
    Files.writeString(
        KUBECONFIG,
        """
        apiVersion: v1
        kind: Config
        clusters:
          - name: fake
            cluster:
              server: http://127.0.0.1:%d
        users:
          - name: fake
            user: {}
        contexts:
          - name: fake
            context:
              cluster: fake
              user: fake
        current-context: fake
        """
            .formatted(server.getAddress().getPort()),
        StandardCharsets.UTF_8);
  }

  /** The cluster, started at the first call; its kubeconfig written. */
  static synchronized FakeCluster get() {
    if (instance == null) {
      try {
        instance = new FakeCluster();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return instance;
  }

  /**
   * Runs {@code action} while the cluster holds these Secrets ({@code namespace/name} to their
   * data, each value in plain text), and none after.
   */
  synchronized <T> T holding(Map<String, Map<String, String>> held, Supplier<T> action) {
    synchronized (secrets) {
      secrets.clear();
      secrets.putAll(held);
    }
    try {
      return action.get();
    } finally {
      synchronized (secrets) {
        secrets.clear();
      }
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String[] parts = path.split("/");
    String body;
    int status;
    if (path.equals("/api/v1")) {
      status = 200;
      body =
          """
          {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
            {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret",
             "verbs":["get","list"]}]}
          """;
    } else if (parts.length == 7
        && path.startsWith("/api/v1/namespaces/")
        && parts[5].equals("secrets")) {
      Map<String, String> data;
      synchronized (secrets) {
        data = secrets.get(parts[4] + "/" + parts[6]);
      }
      if (data == null) {
        status = 404;
        body = notFound(parts[6]);
      } else {
        status = 200;
        body = secret(parts[4], parts[6], data);
      }
    } else {
      status = 404;
      body = notFound(path);
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String notFound(String name) {
    return """
        {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",\
        "message":"%s not found","reason":"NotFound","code":404}
        """
        .formatted(name.replace("\"", ""));
  }

  private static String secret(String namespace, String name, Map<String, String> data) {
    StringBuilder entries = new StringBuilder();
    for (Map.Entry<String, String> e : data.entrySet()) {
      if (entries.length() > 0) {
        entries.append(',');
      }
      entries
          .append('"')
          .append(e.getKey())
          .append("\":\"")
          .append(Base64.getEncoder().encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8)))
          .append('"');
    }
    return """
        {"kind":"Secret","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s"},\
        "type":"Opaque","data":{%s}}
        """
        .formatted(name, namespace, entries);
  }
}
