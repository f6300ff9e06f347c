package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * How a request body is received before its request is handled ({@link ReceivedBodies}), over raw
 * sockets: a client that waits for {@code 100 Continue} gets it; a body cut short, stalled or
 * longer than any file may be is refused with a problem and changes nothing; a body larger than the
 * memory threshold (a temporary file) is written whole.
 */
class RequestBodiesIT extends HttpTestBase {

  @Test
  void aClientWaitingFor100ContinueGetsItAndItsWriteIsDone() throws IOException {
    String id = fileWith(random(100, 1));
    try (Socket s = socket()) {
      OutputStream out = s.getOutputStream();
      out.write(
          ascii(
              "PUT "
                  + contentPath(id)
                  + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                  + "Content-Range: bytes 0-4/*\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                  + "Connection: close\r\n\r\n"));
      out.flush();
      String interim = readUntil(s.getInputStream(), "\r\n\r\n");
      assertThat(interim).startsWith("HTTP/1.1 100");
      out.write(ascii("HELLO"));
      out.flush();
      assertThat(readAll(s.getInputStream())).startsWith("HTTP/1.1 200");
    }
    assertThat(slice(read(id), 0, 5)).isEqualTo(ascii("HELLO"));
  }

  /** The client ends its side after half its body: 400, and the request is not carried out. */
  @Test
  void aBodyCutShortIsRefusedAndChangesNothing() throws IOException {
    byte[] content = random(100, 2);
    String id = fileWith(content);
    String etag = etag(id);
    for (String head :
        new String[] {
          "Content-Length: 10\r\n\r\nHELLO", "Transfer-Encoding: chunked\r\n\r\n5\r\nHELLO\r\n"
        }) {
      try (Socket s = socket()) {
        OutputStream out = s.getOutputStream();
        out.write(
            ascii(
                "PUT "
                    + contentPath(id)
                    + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                    + head));
        out.flush();
        s.shutdownOutput();
        String answer = readAll(s.getInputStream());
        assertThat(answer).as(head).startsWith("HTTP/1.1 400");
        assertProblemText(answer, 400);
      }
    }
    assertUnchanged(id, content, etag);
  }

  @Test
  void aStalledBodyIsRefusedAfterTheRateWindow() throws IOException {
    byte[] content = random(100, 6);
    String id = fileWith(content);
    String etag = etag(id);
    try (Socket s = socket()) {
      s.setSoTimeout(40_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ascii(
              "PUT "
                  + contentPath(id)
                  + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                  + "Content-Length: 10\r\n\r\nHELLO"));
      out.flush();
      long t0 = System.nanoTime();
      String answer = readAll(s.getInputStream());
      System.out.printf("stalled body answered after %.1f s%n", (System.nanoTime() - t0) / 1e9);
      assertThat(answer).startsWith("HTTP/1.1 408");
      assertProblemText(answer, 408);
    }
    assertUnchanged(id, content, etag);
  }

  @Test
  void aBodyLongerThanAnyFileIsRefusedBeforeItArrives() throws IOException {
    byte[] content = random(100, 3);
    String id = fileWith(content);
    String etag = etag(id);
    try (Socket s = socket()) {
      OutputStream out = s.getOutputStream();
      // bigfile.files.max-size is 1GB in tests; nothing of the body is sent
      out.write(
          ascii(
              "POST "
                  + contentPath(id)
                  + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                  + "Content-Length: "
                  + (2L << 30)
                  + "\r\n\r\n"));
      out.flush();
      String answer = readAll(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 413");
      assertProblemText(answer, 413);
    }
    assertUnchanged(id, content, etag);
  }

  @Test
  void aBodyLargerThanTheMemoryThresholdIsWrittenWhole() {
    byte[] content = random(3 * 1024 * 1024 + 17, 4);
    String id = newFile(64 * 1024);
    replace(id, content);
    assertBytes(read(id), content);
    String txn = begin();
    byte[] more = random(200 * 1024, 5);
    writeAt(id, 1000, more, "?txn=" + txn);
    commit(txn);
    assertBytes(read(id), overlay(content, 1000, more));
  }

  private Socket socket() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(10_000);
    return s;
  }

  private static void assertProblemText(String answer, int status) {
    String lower = answer.toLowerCase(java.util.Locale.ROOT);
    assertThat(lower).contains("content-type: application/problem+json");
    JsonNode p = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    assertThat(p.path("status").asInt()).isEqualTo(status);
    assertThat(text(p, "detail")).isNotBlank();
  }

  /** What arrives up to and including {@code end}. */
  private static String readUntil(InputStream in, String end) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (!got.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      got.write(b);
    }
    return got.toString(StandardCharsets.ISO_8859_1);
  }

  /** Everything up to the close (or a 10 s pause). */
  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      // what came is the answer
    }
    return got.toString(StandardCharsets.UTF_8);
  }
}
