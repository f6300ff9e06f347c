package io.bigfile;

import static io.bigfile.support.ServiceClient.body;
import static io.bigfile.support.ServiceClient.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.bigfile.support.PatternData;
import io.bigfile.support.ProxiedService;
import io.bigfile.support.ServiceProcess;
import io.bigfile.support.TcpProxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A download whose database goes away in the middle of the body: the status and headers are sent,
 * so no problem detail can follow. The client must see an incomplete body (the connection closes
 * before Content-Length is met) rather than a connection left hanging or bytes that are not the
 * file's, and the service logs the failure once. The service runs on its defaults in a 256 MiB heap
 * and reaches the database through a TCP proxy the test cuts.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AbortedDownloadIT {

  private static final long SIZE = 128L << 20;
  private static final long SEED = 0xab0_47edL;
  private static final String LOGGED = "failed after its response had started";

  private ProxiedService started;
  private TcpProxy proxy;
  private ServiceProcess service;

  @AfterEach
  void cleanUp() {
    if (started != null) {
      started.close();
    }
  }

  @Test
  void aReadThatFailsMidStreamClosesTheConnectionBeforeTheBodyIsComplete() throws IOException {
    started = ProxiedService.start("aborted-download", List.of("-Xmx256m"));
    proxy = started.proxy();
    service = started.service();
    HttpResponse<byte[]> created = service.sendCreateFile("{\"name\":\"cut\"}");
    assertThat(created.statusCode()).as(body(created)).isEqualTo(201);
    String id = field(created, "id");
    HttpResponse<byte[]> put = service.replaceWithPattern(id, SEED, SIZE, Duration.ofMinutes(2));
    assertThat(put.statusCode()).as(body(put)).isEqualTo(200);
    // a fresh start: nothing of the file in the page cache, every block comes from the database
    service.stop();
    service.start();

    try (Socket socket = new Socket("127.0.0.1", service.port())) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /v1/files/" + id + "/content HTTP/1.1\r\nHost: localhost\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 200");
      Matcher length =
          Pattern.compile("(?m)^content-length: *(\\d+)").matcher(head.toLowerCase(Locale.ROOT));
      assertThat(length.find()).as(head).isTrue();
      assertThat(Long.parseLong(length.group(1))).isEqualTo(SIZE);

      byte[] buf = new byte[1 << 16];
      long received = 0;
      boolean cut = false;
      while (true) {
        int n;
        try {
          n = in.read(buf);
        } catch (SocketTimeoutException e) {
          fail(
              "the connection stayed open after %d of %d bytes: a client cannot tell the body"
                  + " is incomplete%n%s",
              received, SIZE, service.outputTail(60));
          return;
        } catch (IOException e) {
          break; // reset: the body is incomplete, as it should be
        }
        if (n < 0) {
          break; // closed: the body is incomplete, as it should be
        }
        assertThat(Arrays.copyOf(buf, n))
            .as("bytes %d..%d are the file's", received, received + n)
            .isEqualTo(PatternData.bytes(SEED, received, n));
        received += n;
        if (!cut && received >= (4 << 20)) {
          proxy.cut();
          cut = true;
        }
      }
      assertThat(cut).as("the body was still streaming when the database went away").isTrue();
      assertThat(received).as("bytes before the connection closed").isLessThan(SIZE);
    }
    ServiceProcess.awaitCondition(
        "the failure in the service's log",
        Duration.ofSeconds(30),
        Duration.ofMillis(100),
        () -> service.output().contains(LOGGED));
    String log = service.output();
    assertThat(log.split(Pattern.quote(LOGGED), -1)).as("logged once").hasSize(2);
    assertThat(log).doesNotContain("Servlet.service()").doesNotContain("HttpMessageNotWritable");
    assertThat(service.isAlive()).isTrue();
  }

  /** The status line and headers, up to the empty line. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed in the response head: " + head);
      }
      head.write(b);
      state =
          (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
              ? state + 1
              : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}
