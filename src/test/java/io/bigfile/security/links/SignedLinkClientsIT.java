package io.bigfile.security.links;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Real clients that cannot send an Authorization header, given a signed link: aria2c downloads a
 * pinned revision in four segments over four connections after the file has changed, and GDAL reads
 * a window of a tiled GeoTIFF through {@code /vsicurl/} with a link whose path ends in a name, its
 * tiles in multi-range requests. The service is in {@code token} mode: the links are created with a
 * bearer token, the clients send none. A client that is not installed skips its test (.ci/run
 * installs them: aria2, gdal-bin).
 */
class SignedLinkClientsIT extends SignedLinksTestBase {

  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(120);

  @TempDir Path dir;

  @Test
  void aria2cDownloadsAPinnedRevisionInSegments() throws Exception {
    requireTool("aria2c", "aria2");
    byte[] v1 = random(24 << 20, 61);
    String id = creator().createFile("{\"blockSize\":1048576}");
    long r1 = creator().replace(id, v1).path("revision").asLong();
    JsonNode link =
        createLink(id, "{\"operations\":[\"read\"],\"expiresIn\":\"PT10M\",\"at\":" + r1 + "}");
    // the file changes after the link was made: the link still serves revision r1
    creator().replace(id, random(20 << 20, 62));

    Result r =
        run(
            List.of(
                "aria2c",
                "--console-log-level=warn",
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
                "pinned.bin",
                text(link, "url")),
            Map.of());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("pinned.bin"))).isEqualTo(v1);
  }

  @Test
  void gdalReadsAWindowThroughALinkThatEndsInAName() throws Exception {
    requireTool("gdal_translate", "gdal-bin");
    int width = 256;
    int height = 1600;
    byte[] pixels = random(width * height, 63);
    Files.write(dir.resolve("image.raw"), pixels);
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
                dir.resolve("image.raw").toString(),
                tif.toString()),
            Map.of());
    assertThat(made.exit()).as(made.output()).isZero();
    String id = creator().createFile("{\"blockSize\":65536}");
    creator().replace(id, Files.readAllBytes(tif));
    JsonNode link = createLink(id, "{\"operations\":[\"read\"],\"expiresIn\":\"PT10M\"}");
    String url = text(link, "url").replace("/content?", "/content/image.tif?");

    int x0 = 20;
    int w = 8;
    Path window = dir.resolve("window.raw");
    Result read =
        run(
            List.of(
                "gdal_translate",
                "-of",
                "ENVI",
                "-srcwin",
                Integer.toString(x0),
                "0",
                Integer.toString(w),
                Integer.toString(height),
                "/vsicurl/" + url,
                window.toString()),
            Map.of(
                "GDAL_HTTP_MULTIRANGE", "SINGLE_GET",
                "GDAL_HTTP_MAX_RETRY", "0",
                "CPL_CURL_VERBOSE", "YES"));
    assertThat(read.exit()).as(read.output()).isZero();
    assertThat(read.output())
        .as("GDAL got its tiles as parts of multi-range responses")
        .contains("multipart/byteranges")
        .doesNotContain("HTTP/1.1 403");
    byte[] expected = new byte[w * height];
    for (int y = 0; y < height; y++) {
      System.arraycopy(pixels, y * width + x0, expected, y * w, w);
    }
    assertThat(Files.readAllBytes(window)).isEqualTo(expected);
  }

  /** Skips the test, saying so, when {@code tool} is not on the PATH. */
  private static void requireTool(String tool, String debianPackage) {
    boolean found = false;
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      found |= !d.isEmpty() && Files.isExecutable(Path.of(d, tool));
    }
    Assumptions.assumeTrue(
        found,
        tool + " is not installed, so it is not tested (Debian package " + debianPackage + ")");
  }

  private record Result(int exit, String output) {}

  /** Runs a client to its end (at most {@link #CLIENT_TIMEOUT}), its output merged. */
  private Result run(List<String> command, Map<String, String> env) throws Exception {
    Path log = Files.createTempFile(dir, "client", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(command.get(0) + " did not finish: " + Files.readString(log));
    }
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.ISO_8859_1));
  }
}
