package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command lines of the README's "Clients" section, run with the real clients against the
 * running service on the loopback address: curl and wget resuming a download that was cut off,
 * aria2c downloading in several segments at once, ffprobe and ffmpeg seeking in a video, and GDAL
 * reading a window of a tiled GeoTIFF through {@code /vsicurl/} with its tiles in one multi-range
 * request. Every download is compared byte for byte with what was stored. A client that is not
 * installed skips its test (.ci/run installs them from Debian's packages: curl, wget, aria2,
 * ffmpeg, gdal-bin).
 */
class RealClientsIT extends HttpTestBase {

  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(120);

  @TempDir Path dir;

  /** curl cut off in the middle of a download, then {@code curl -C -}. */
  @Test
  void curlResumesAnInterruptedDownload() throws Exception {
    requireTool("curl", "curl");
    byte[] data = random(16 << 20, 51);
    String url = url(fileWith(data, 1 << 20));
    Path out = dir.resolve("curl.bin");

    interruptAfterMegabyte(
        out, List.of("curl", "-s", "--limit-rate", "512K", "-o", out.toString(), url));
    long partial = Files.size(out);
    assertThat(partial).as("bytes before the interruption").isBetween(1L << 20, data.length - 1L);

    Result resumed =
        run(List.of("curl", "-sS", "-C", "-", "-w", "%{http_code}", "-o", out.toString(), url));
    assertThat(resumed.exit()).as(resumed.output()).isZero();
    assertThat(resumed.output()).as("the resumed request is a range read").isEqualTo("206");
    assertBytes(Files.readAllBytes(out), data);
  }

  /** wget cut off in the middle of a download, then {@code wget -c}. */
  @Test
  void wgetContinuesAnInterruptedDownload() throws Exception {
    requireTool("wget", "wget");
    byte[] data = random(16 << 20, 52);
    String url = url(fileWith(data, 1 << 20));
    Path out = dir.resolve("wget.bin");

    interruptAfterMegabyte(
        out, List.of("wget", "-q", "--limit-rate=512k", "-O", out.toString(), url));
    assertThat(Files.size(out)).isBetween(1L << 20, data.length - 1L);

    Result resumed = run(List.of("wget", "-c", "-O", out.toString(), url));
    assertThat(resumed.exit()).as(resumed.output()).isZero();
    assertThat(resumed.output()).as("wget asked for the rest").contains("206");
    assertBytes(Files.readAllBytes(out), data);
  }

  /** aria2c in 4 segments over 4 connections, each a range read. */
  @Test
  void aria2cDownloadsInSegments() throws Exception {
    requireTool("aria2c", "aria2");
    byte[] data = random(24 << 20, 53);
    String url = url(fileWith(data, 1 << 20));

    Result r =
        run(
            List.of(
                "aria2c",
                "--console-log-level=info",
                "--summary-interval=0",
                "--file-allocation=none",
                "--allow-overwrite=true",
                "--auto-file-renaming=false",
                "-x",
                "4",
                "-s",
                "4",
                "-k",
                "1M",
                "-d",
                dir.toString(),
                "-o",
                "aria2.bin",
                url));
    assertThat(r.exit()).as(r.output()).isZero();
    assertBytes(Files.readAllBytes(dir.resolve("aria2.bin")), data);
  }

  /**
   * GDAL reads a column 8 pixels wide of a 256 x 3200 GeoTIFF in 16 x 16 tiles through {@code
   * /vsicurl/}: 200 tiles, none next to another in the file. With {@code
   * GDAL_HTTP_MULTIRANGE=SINGLE_GET} it asks for them in Range headers of many ranges (GDAL 3.6
   * puts 192 in the first, more than max-ranges, but ascending), and must get them as parts rather
   * than the whole file.
   */
  @Test
  void gdalReadsAWindowWithOneMultiRangeRequest() throws Exception {
    requireTool("gdal_translate", "gdal-bin");
    int width = 256;
    int height = 3200;
    byte[] pixels = random(width * height, 54);
    Path raw = dir.resolve("image.raw");
    Files.write(raw, pixels);
    Files.writeString(
        dir.resolve("image.hdr"),
        "ENVI\nsamples = "
            + width
            + "\nlines = "
            + height
            + "\nbands = 1\nheader offset = 0\nfile type = ENVI Standard\ndata type = 1\n"
            + "interleave = bsq\nbyte order = 0\n",
        StandardCharsets.US_ASCII);
    Path tif = dir.resolve("image.tif");
    Result made =
        run(
            List.of(
                "gdal_translate",
                "-q",
                "-of",
                "GTiff",
                "-co",
                "TILED=YES",
                "-co",
                "BLOCKXSIZE=16",
                "-co",
                "BLOCKYSIZE=16",
                raw.toString(),
                tif.toString()));
    assertThat(made.exit()).as(made.output()).isZero();
    String url = url(fileWith(Files.readAllBytes(tif), 64 * 1024));

    int x0 = 20;
    int y0 = 0;
    int w = 8;
    int h = height;
    Path window = dir.resolve("window.raw");
    Result read =
        run(
            List.of(
                "gdal_translate",
                "-of",
                "ENVI",
                "-srcwin",
                Integer.toString(x0),
                Integer.toString(y0),
                Integer.toString(w),
                Integer.toString(h),
                "/vsicurl/" + url,
                window.toString()),
            // GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR is left out: GDAL 3.6 then fails to write
            // the ENVI output, with no message (with GTiff output, as in the README, it works)
            Map.of(
                "GDAL_HTTP_MULTIRANGE", "SINGLE_GET",
                "GDAL_HTTP_MAX_RETRY", "0",
                "CPL_CURL_VERBOSE", "YES"));
    assertThat(read.exit()).as(read.output()).isZero();
    assertThat(read.output())
        .as("GDAL got its tiles as parts of one multi-range response")
        .contains("multipart/byteranges")
        .doesNotContain("ERROR ");
    assertThat(
            read.output()
                .lines()
                .filter(l -> l.startsWith("Range: bytes="))
                .mapToLong(l -> l.chars().filter(c -> c == ',').count() + 1)
                .max()
                .orElse(0))
        .as("the most ranges in one request of GDAL's")
        .isGreaterThan(100);

    byte[] expected = new byte[w * h];
    for (int y = 0; y < h; y++) {
      System.arraycopy(pixels, (y0 + y) * width + x0, expected, y * w, w);
    }
    assertBytes(Files.readAllBytes(window), expected);
  }

  /**
   * ffprobe opens a video by URL and ffmpeg seeks into it: both read by ranges, and decode the same
   * frame as from the local file.
   */
  @Test
  void ffmpegSeeksInAVideo() throws Exception {
    requireTool("ffmpeg", "ffmpeg");
    requireTool("ffprobe", "ffmpeg");
    Path video = dir.resolve("video.mp4");
    Result made =
        run(
            List.of(
                "ffmpeg",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=duration=6:size=320x240:rate=25",
                "-c:v",
                "mpeg4",
                "-g",
                "25",
                video.toString()));
    assertThat(made.exit()).as(made.output()).isZero();
    String url = url(fileWith(Files.readAllBytes(video), 64 * 1024));

    Result probe =
        run(
            List.of(
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "format=duration",
                "-of",
                "csv=p=0",
                url));
    assertThat(probe.exit()).as(probe.output()).isZero();
    assertThat(Double.parseDouble(probe.output().trim())).isBetween(5.9, 6.1);

    byte[] local = frameAt(video.toString(), "local.gray");
    byte[] remote = frameAt(url, "remote.gray");
    assertThat(local).hasSize(320 * 240);
    assertBytes(remote, local);
  }

  /** The frame 4 s into the video, as 8-bit gray pixels. */
  private byte[] frameAt(String input, String name) throws Exception {
    Path out = dir.resolve(name);
    Result r =
        run(
            List.of(
                "ffmpeg",
                "-v",
                "error",
                "-ss",
                "4",
                "-i",
                input,
                "-frames:v",
                "1",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                "-y",
                out.toString()));
    assertThat(r.exit()).as(r.output()).isZero();
    return Files.readAllBytes(out);
  }

  // ---------------------------------------------------------------- helpers

  private String fileWith(byte[] data, int blockSize) {
    String id = newFile(blockSize);
    replace(id, data);
    return id;
  }

  private String url(String id) {
    return "http://127.0.0.1:" + port + contentPath(id);
  }

  /** Skips the test, saying so, when {@code tool} is not on the PATH. */
  private static void requireTool(String tool, String debianPackage) {
    boolean found = false;
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      found |= !d.isEmpty() && Files.isExecutable(Path.of(d, tool));
    }
    Assumptions.assumeTrue(
        found,
        tool
            + " is not installed, so this client is not tested (Debian package "
            + debianPackage
            + "; .ci/run installs it when it can)");
  }

  /** Starts a download and kills the client once it has written a MiB: a cut-off download. */
  private void interruptAfterMegabyte(Path out, List<String> command) throws Exception {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("interrupted.log").toFile())
            .start();
    try {
      await()
          .atMost(CLIENT_TIMEOUT)
          .until(() -> Files.exists(out) && Files.size(out) >= 1 << 20 || !p.isAlive());
      assertThat(p.isAlive()).as("the client is still downloading when it is cut off").isTrue();
    } finally {
      p.destroy();
      if (!p.waitFor(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private record Result(int exit, String output) {}

  private Result run(List<String> command) throws Exception {
    return run(command, Map.of());
  }

  /** Runs a client to its end (at most {@link #CLIENT_TIMEOUT}), its output merged. */
  private Result run(List<String> command, Map<String, String> env) throws Exception {
    Path log = Files.createTempFile(dir, "client", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(new ArrayList<>(command))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(
          command.get(0) + " did not finish in " + CLIENT_TIMEOUT + ": " + read(log));
    }
    return new Result(p.exitValue(), read(log));
  }

  private static String read(Path log) throws IOException {
    return Files.readString(log, StandardCharsets.ISO_8859_1);
  }
}
