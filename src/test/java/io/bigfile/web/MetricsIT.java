package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.bigfile.support.PatternData;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus metrics that the README lists exist under those names at {@code
 * /actuator/prometheus}, and move as traffic says they must: bytes read and written by the bytes of
 * the bodies, cache hits on a second read, dirty bytes and open transactions while a transaction
 * holds a block and back after its commit, one more commit in every relevant histogram bucket, one
 * more conflict for a commit that loses.
 */
class MetricsIT extends HttpTestBase {

  @Test
  void everyMetricTheReadmeListsIsServed() throws IOException {
    Set<String> listed = readmeMetricNames();
    assertThat(listed).as("metric names in the README's Operations section").hasSizeGreaterThan(8);
    String scrape = scrape();
    for (String name : listed) {
      assertThat(families(scrape)).as("metric families served").contains(name);
    }
  }

  @Test
  void metricsMoveWithTraffic() {
    String id = newFile(BLOCK);
    Scrape s0 = new Scrape(scrape());
    byte[] data = PatternData.bytes(7, 0, 2 * BLOCK);
    replace(id, data);

    Scrape s1 = new Scrape(scrape());
    assertThat(s1.value("bigfile_bytes_written_total") - s0.value("bigfile_bytes_written_total"))
        .isEqualTo(2 * BLOCK);
    assertThat(s1.value("bigfile_commit_duration_seconds_count"))
        .as("an autocommit write is a commit")
        .isEqualTo(s0.value("bigfile_commit_duration_seconds_count") + 1);

    // read it twice: the second read finds both blocks in the page cache
    assertThat(read(id)).isEqualTo(data);
    Scrape s2 = new Scrape(scrape());
    assertThat(read(id)).isEqualTo(data);
    Scrape s3 = new Scrape(scrape());
    assertThat(s3.value("bigfile_bytes_read_total") - s1.value("bigfile_bytes_read_total"))
        .isEqualTo(4 * BLOCK);
    assertThat(hits(s3) - hits(s2)).as("cache hits of the second read").isEqualTo(2);
    assertThat(misses(s3)).as("cache misses of the second read").isEqualTo(misses(s2));
    assertThat(s3.value("bigfile_cache_bytes")).isGreaterThanOrEqualTo(2 * BLOCK);
    assertThat(s3.value("bigfile_cache_hit_ratio"))
        .isCloseTo(hits(s3) / (hits(s3) + misses(s3)), within(1e-9));

    // a transaction holding one dirty block
    String txn = begin();
    writeAt(id, 10, new byte[10], "?txn=" + txn);
    Scrape s4 = new Scrape(scrape());
    assertThat(s4.value("bigfile_transactions_open"))
        .isEqualTo(s3.value("bigfile_transactions_open") + 1);
    assertThat(s4.value("bigfile_dirty_bytes")).isEqualTo(s3.value("bigfile_dirty_bytes") + BLOCK);

    commit(txn);
    Scrape s5 = new Scrape(scrape());
    assertThat(s5.value("bigfile_transactions_open"))
        .isEqualTo(s4.value("bigfile_transactions_open") - 1);
    assertThat(s5.value("bigfile_dirty_bytes")).isEqualTo(s4.value("bigfile_dirty_bytes") - BLOCK);
    assertThat(s5.value("bigfile_commit_duration_seconds_count"))
        .isEqualTo(s4.value("bigfile_commit_duration_seconds_count") + 1);
    assertThat(s5.value("bigfile_commit_duration_seconds_sum"))
        .isGreaterThan(s4.value("bigfile_commit_duration_seconds_sum"));
    List<double[]> before = s4.buckets("bigfile_commit_duration_seconds_bucket");
    List<double[]> after = s5.buckets("bigfile_commit_duration_seconds_bucket");
    assertThat(after).as("histogram buckets").hasSizeGreaterThan(10).hasSameSizeAs(before);
    boolean reached = false;
    for (int i = 0; i < after.size(); i++) {
      double added = after.get(i)[1] - before.get(i)[1];
      assertThat(added).as("commits added to bucket le=" + after.get(i)[0]).isIn(0.0, 1.0);
      assertThat(added).as("cumulative buckets").isGreaterThanOrEqualTo(reached ? 1.0 : 0.0);
      reached |= added == 1.0;
    }
    assertThat(after.get(after.size() - 1)[0]).isInfinite();
    assertThat(reached).as("the commit was counted in a bucket").isTrue();

    // first committer wins: the second commit of the same block is a conflict
    String first = begin();
    String second = begin();
    writeAt(id, 0, new byte[] {1}, "?txn=" + first);
    writeAt(id, 1, new byte[] {2}, "?txn=" + second);
    commit(first);
    assertStatus(postEmpty("/v1/transactions/" + second + "/commit"), 409);
    Scrape s6 = new Scrape(scrape());
    assertThat(s6.value("bigfile_commit_conflicts_total"))
        .isEqualTo(s5.value("bigfile_commit_conflicts_total") + 1);
  }

  /**
   * A client that reads the start of a large response and hangs up is counted for about what was
   * written to it: at least what it received (less one piece in flight), at most that plus what the
   * socket buffers between the two hold, never zero and never the whole file.
   */
  @Test
  void bytesReadCountWhatWasSentToAClientThatHangsUp() throws IOException {
    int block = 1 << 20;
    int size = 48 << 20;
    String id = newFile(block);
    replace(id, PatternData.bytes(11, 0, size));
    String path = contentPath(id);
    Scrape before = new Scrape(scrape());
    double requestsBefore = before.sum("http_server_requests_seconds_count", contentGets());

    long received = 0;
    long wanted = 4L << 20;
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(64 * 1024); // a small window: the server cannot run far ahead
      socket.setSoTimeout(30_000);
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + size);
      byte[] buf = new byte[16 * 1024];
      while (received < wanted) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, wanted - received));
        assertThat(n).as("the body goes on past %d bytes", received).isPositive();
        received += n;
      }
    }

    // the server's request ends when its next write fails; only then is the count final
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                new Scrape(scrape()).sum("http_server_requests_seconds_count", contentGets())
                    > requestsBefore);
    double counted =
        new Scrape(scrape()).value("bigfile_bytes_read_total")
            - before.value("bigfile_bytes_read_total");
    assertThat(counted)
        .as("bytes counted for a client that received %d bytes and hung up", received)
        .isGreaterThanOrEqualTo(received - 64 * 1024)
        .isLessThanOrEqualTo(received + (16 << 20))
        .isLessThan(size);
  }

  private static String[] contentGets() {
    return new String[] {"uri=\"/v1/files/{id}/content\"", "method=\"GET\""};
  }

  /** The status line and headers of a response, read up to the empty line. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    for (int i = 0; i < 64 * 1024 && !head.toString().endsWith("\r\n\r\n"); i++) {
      int c = in.read();
      assertThat(c).as("the response head ends").isNotNegative();
      head.append((char) c);
    }
    return head.toString();
  }

  // ---------------------------------------------------------------- helpers

  private String scrape() {
    return body(assertStatus(get("/actuator/prometheus"), 200));
  }

  private static double hits(Scrape s) {
    return s.value("bigfile_cache_requests_total", "result=\"hit\"");
  }

  private static double misses(Scrape s) {
    return s.value("bigfile_cache_requests_total", "result=\"miss\"");
  }

  /** The metric family names of a scrape (from its TYPE lines). */
  private static Set<String> families(String scrape) {
    Set<String> out = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?m)^# TYPE (\\S+) ").matcher(scrape);
    while (m.find()) {
      out.add(m.group(1));
    }
    // a counter's family is named without _total in the OpenMetrics style, with it in the text one
    for (String f : List.copyOf(out)) {
      out.add(f + "_total");
    }
    return out;
  }

  /** The {@code bigfile_*} names in the README's "Operations" section. */
  private static Set<String> readmeMetricNames() throws IOException {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    int from = readme.indexOf("\n## Operations");
    assertThat(from).as("README has an Operations section").isPositive();
    int to = readme.indexOf("\n## ", from + 1);
    String section = readme.substring(from, to < 0 ? readme.length() : to);
    Set<String> names = new LinkedHashSet<>();
    Matcher m = Pattern.compile("`(bigfile_[a-z_]+)").matcher(section);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** One scrape in the Prometheus text format. */
  private record Scrape(String text) {

    /** The value of the one sample of {@code name} whose labels contain every given pair. */
    double value(String name, String... labels) {
      List<Double> found = new ArrayList<>();
      for (String line : text.lines().toList()) {
        if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
          String labelPart = line.substring(name.length(), line.lastIndexOf(' '));
          if (List.of(labels).stream().allMatch(labelPart::contains)) {
            found.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
          }
        }
      }
      assertThat(found).as(name + " " + List.of(labels) + " in the scrape").hasSize(1);
      return found.get(0);
    }

    /** The sum of the samples of {@code name} whose labels contain every given pair (0 if none). */
    double sum(String name, String... labels) {
      double total = 0;
      for (String line : text.lines().toList()) {
        if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
          String labelPart = line.substring(name.length(), line.lastIndexOf(' '));
          if (List.of(labels).stream().allMatch(labelPart::contains)) {
            total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
        }
      }
      return total;
    }

    /** Histogram buckets as (le, cumulative count), in order of le. */
    List<double[]> buckets(String name) {
      List<double[]> out = new ArrayList<>();
      Matcher m = Pattern.compile("(?m)^" + name + "\\{.*le=\"([^\"]+)\".*} (\\S+)$").matcher(text);
      while (m.find()) {
        double le =
            m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
        out.add(new double[] {le, Double.parseDouble(m.group(2))});
      }
      out.sort((a, b) -> Double.compare(a[0], b[0]));
      return out;
    }
  }
}
