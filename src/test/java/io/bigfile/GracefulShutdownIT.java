package io.bigfile;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.PatternData;
import io.bigfile.support.ServiceClient;
import io.bigfile.support.ServiceProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * SIGTERM shuts the service down gracefully: a request in flight (an upload whose body is still
 * arriving) completes and commits, an open transaction is aborted, and the JVM exits by itself with
 * its shutdown logged. After a restart on the same database the upload is there and the
 * transaction's writes are not. The service runs with JSON (ECS) console logs, so the shutdown is
 * also checked as structured log events.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GracefulShutdownIT {

  private static final int BLOCK = 4096;
  private static final String FILE = "{\"blockSize\":" + BLOCK + "}";

  private ServiceProcess service;

  @AfterEach
  void cleanUp() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void sigtermFinishesInFlightRequestsAndAbortsOpenTransactions() throws Exception {
    service =
        new ServiceProcess(
            "shutdown",
            List.of("-XX:TieredStopAtLevel=1"),
            List.of("--logging.structured.format.console=ecs"));
    service.start();

    // a file with committed content, and an open transaction that overwrites its start
    String file = service.createFile(FILE);
    byte[] committed = PatternData.bytes(1, 0, 2 * BLOCK);
    service.replace(file, committed);
    String txn = service.begin();
    service.writeAt(file, 0, new byte[100], "?txn=" + txn);

    // an upload in flight: its headers and three of its five blocks arrive, the rest waits
    String uploaded = service.createFile(FILE);
    byte[] upload = PatternData.bytes(2, 0, 5 * BLOCK);
    SlowUpload inFlight =
        new SlowUpload(service.uri("/").getPort(), "/v1/files/" + uploaded + "/content", upload);
    inFlight.send(0, 3 * BLOCK);
    ServiceProcess.awaitCondition(
        "the service receiving the upload's body",
        Duration.ofSeconds(30),
        Duration.ofMillis(50),
        this::uploadArriving);

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(service::stop);
    ServiceProcess.awaitCondition(
        "the graceful shutdown to begin",
        Duration.ofSeconds(30),
        Duration.ofMillis(50),
        () -> service.output().contains("Commencing graceful shutdown"));
    assertThat(stopping).as("the service waits for the upload").isNotDone();
    inFlight.send(3 * BLOCK, upload.length);
    String response = inFlight.response();
    assertThat(response).startsWith("HTTP/1.1 200").contains("\"size\":" + upload.length);
    stopping.get(90, TimeUnit.SECONDS);

    assertThat(service.exitValue())
        .as("exit code: terminated by SIGTERM, not killed")
        .isEqualTo(143);
    List<JsonNode> events = logEvents(service.output());
    assertThat(messages(events))
        .contains("Graceful shutdown complete", "engine stopped; 1 open transaction(s) aborted");
    JsonNode stopped =
        events.stream()
            .filter(e -> e.path("message").asString().startsWith("engine stopped"))
            .findFirst()
            .orElseThrow();
    assertThat(stopped.at("/log/level").asString()).isEqualTo("INFO");
    assertThat(stopped.at("/log/logger").asString()).isEqualTo("io.bigfile.config.EngineConfig");
    assertThat(stopped.at("/service/name").asString()).isEqualTo("bigfile");
    assertThat(stopped.path("@timestamp").asString()).isNotEmpty();

    service.start();
    assertThat(service.read(file))
        .as("the aborted transaction's writes are gone")
        .isEqualTo(committed);
    assertThat(service.send(service.request("/v1/transactions/" + txn).GET()).statusCode())
        .isEqualTo(404);
    assertThat(service.read(uploaded))
        .as("the upload in flight at SIGTERM was committed")
        .isEqualTo(upload);

    // a process that has committed nothing yet shuts down as cleanly
    String idle = service.begin();
    assertThat(idle).isNotNull();
    int before = service.output().length();
    service.stop();
    assertThat(service.exitValue()).isEqualTo(143);
    String second = service.output().substring(before);
    assertThat(messages(logEvents(second)))
        .contains("engine stopped; 1 open transaction(s) aborted")
        .noneMatch(m -> m.startsWith("Failed to stop"));
    assertThat(logEvents(second)).noneMatch(e -> e.at("/log/level").asString().equals("ERROR"));
  }

  /** Whether the service is receiving a request body (before its request is handled). */
  private boolean uploadArriving() {
    String scrape = ServiceClient.body(service.send(service.request("/actuator/prometheus").GET()));
    Matcher m =
        Pattern.compile("(?m)^bigfile_request_bodies_receiving(\\{[^}]*})? ([0-9.]+)$")
            .matcher(scrape);
    return m.find() && Double.parseDouble(m.group(2)) >= 1;
  }

  /** The JSON log events among the output lines (the command line and banner are not JSON). */
  private static List<JsonNode> logEvents(String output) {
    return output.lines().filter(l -> l.startsWith("{")).map(ServiceClient.JSON::readTree).toList();
  }

  private static List<String> messages(List<JsonNode> events) {
    return events.stream().map(e -> e.path("message").asString()).toList();
  }

  /**
   * A PUT written by hand on a socket, so that the test decides when each part of the body is on
   * the wire (an HTTP client library may hold back a part it has been given).
   */
  private static final class SlowUpload {
    private final Socket socket;
    private final byte[] body;

    SlowUpload(int port, String path, byte[] body) throws IOException {
      this.body = body;
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(60_000);
      String head =
          "PUT "
              + path
              + " HTTP/1.1\r\nHost: 127.0.0.1:"
              + port
              + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
              + body.length
              + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    }

    void send(int from, int to) throws IOException {
      socket.getOutputStream().write(body, from, to - from);
      socket.getOutputStream().flush();
    }

    /** The whole response (the server closes the connection after it). */
    String response() throws IOException {
      try (socket) {
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      }
    }
  }
}
