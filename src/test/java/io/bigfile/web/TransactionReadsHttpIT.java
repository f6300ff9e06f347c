package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.PatternData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A read inside a transaction streams without the transaction's lock (issue: ffmpeg opens its next
 * ranged connection before closing the previous one, and every seek in a transaction waited for the
 * stalled one to time out). The client here stops reading after the headers.
 */
class TransactionReadsHttpIT extends HttpTestBase {

  /** More than loopback socket buffers hold, so the server's write of it blocks. */
  private static final int SIZE = 32 * 1024 * 1024;

  /** The end of the file, written in the transaction (its dirty pages). */
  private static final int TAIL = 1024 * 1024;

  @Test
  void aStalledReaderKeepsNoOtherRequestOfItsTransactionWaitingAndSeesItAsItBegan()
      throws IOException {
    String file = createFile("{\"blockSize\":1048576}");
    byte[] committed = PatternData.bytes(41, 0, SIZE);
    replace(file, committed);
    String txn = begin();
    writeAt(file, SIZE - TAIL, PatternData.bytes(42, 0, TAIL), "?txn=" + txn);
    byte[] seenAtStart = committed.clone();
    System.arraycopy(PatternData.bytes(42, 0, TAIL), 0, seenAtStart, SIZE - TAIL, TAIL);
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(8192);
      stalled.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      stalled.setSoTimeout(30_000);
      OutputStream out = stalled.getOutputStream();
      out.write(
          ("GET " + contentPath(file) + "?txn=" + txn + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = stalled.getInputStream();
      assertThat(headers(in)).startsWith("HTTP/1.1 200");

      // the same transaction, while the first read stalls: a small read and a write answer
      HttpResponse<byte[]> small =
          send(
              req(contentPath(file) + "?txn=" + txn, "Range", "bytes=0-99")
                  .timeout(Duration.ofSeconds(20))
                  .GET());
      assertThat(small.statusCode()).as(describe(small)).isEqualTo(206);
      assertThat(small.body()).isEqualTo(java.util.Arrays.copyOf(committed, 100));
      writeAt(file, SIZE - TAIL, PatternData.bytes(43, 0, TAIL), "?txn=" + txn);
      byte[] written = committed.clone();
      System.arraycopy(PatternData.bytes(43, 0, TAIL), 0, written, SIZE - TAIL, TAIL);
      assertThat(read(file, "?txn=" + txn)).isEqualTo(written);

      // the stalled read goes on with the transaction as it was when it began: nothing torn
      assertThat(in.readNBytes(SIZE)).isEqualTo(seenAtStart);
    }
    commit(txn);
  }

  /** The status line and headers of a response, up to the empty line. */
  private static String headers(InputStream in) throws IOException {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    int matched = 0;
    for (int n = 0; n < 64 * 1024 && matched < 4; n++) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      h.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return h.toString(StandardCharsets.US_ASCII);
  }
}
