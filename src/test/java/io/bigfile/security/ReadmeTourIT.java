package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's tour, as written, run with bash against the service in its default mode (token, the
 * token generated on first start), from the service's directory, where the tour reads {@code
 * data/token}: every request is let in (no 401 or 403), none fails, and the tour shows what it says
 * it shows. Then the commands of "Clients" and "Signed links" the same way. curl reports each
 * request's status on stderr (a {@code .curlrc} of the test's).
 */
@Timeout(300)
class ReadmeTourIT {

  /** The shell block of the section "A tour of the API". */
  static String tour() throws Exception {
    return shellBlock("A tour of the API");
  }

  /** The first shell block of a section ({@code ## heading}) of the README. */
  static String shellBlock(String heading) throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    int section = readme.indexOf("\n## " + heading + "\n");
    assertThat(section).as("the README's section %s", heading).isPositive();
    int start = readme.indexOf("```sh\n", section) + "```sh\n".length();
    int end = readme.indexOf("\n```", start);
    return readme.substring(start, end + 1);
  }

  /** Writes a {@code .curlrc} that makes curl report each request's status on stderr. */
  private static Path curlHome(Path dir) throws Exception {
    Path curlHome = Files.createDirectories(dir.resolve("curl-home"));
    Files.writeString(
        curlHome.resolve(".curlrc"),
        "write-out = \"%{stderr}STATUS %{http_code} %{method} %{url_effective}\\n\"\n");
    return curlHome;
  }

  /** Runs a bash script in {@code dir} to its end (at most 120 s); its stdout and stderr. */
  private static String[] bash(Path dir, String name, String script) throws Exception {
    Files.writeString(dir.resolve(name + ".sh"), script);
    ProcessBuilder pb =
        new ProcessBuilder("bash", dir.resolve(name + ".sh").toString())
            .directory(dir.toFile())
            .redirectOutput(dir.resolve(name + ".out").toFile())
            .redirectError(dir.resolve(name + ".err").toFile());
    pb.environment().put("CURL_HOME", curlHome(dir).toString());
    Process bash = pb.start();
    assertThat(bash.waitFor(120, TimeUnit.SECONDS)).as("%s ends", name).isTrue();
    String out = Files.readString(dir.resolve(name + ".out"), StandardCharsets.ISO_8859_1);
    String err = Files.readString(dir.resolve(name + ".err"), StandardCharsets.ISO_8859_1);
    assertThat(bash.exitValue()).as(err).isZero();
    return new String[] {out, err};
  }

  /**
   * A file F with 300000 bytes, R its revision, more.bin to append, as the tour makes them; and the
   * stand-ins of the clients, which report on stderr their arguments (line breaks dropped) and
   * GDAL's headers.
   */
  private static final String PRELUDE =
      """
      head -c 300000 /dev/urandom > data.bin; head -c 1000 /dev/urandom > more.bin
      F=$(curl -s -H "$H" -X POST $B/v1/files -H 'Content-Type: application/json' \\
        -d '{"name":"sensor.bin"}' | sed 's/.*"id":"\\([^"]*\\)".*/\\1/')
      R=$(curl -s -H "$H" -X PUT --data-binary @data.bin $B/v1/files/$F/content \\
        | sed 's/.*"revision":\\([0-9]*\\).*/\\1/')
      client() {
        local a
        {
          printf 'CLIENT %s' "$1"; shift
          for a in "$@"; do a=${a//$'\\r'/}; printf ' [%s]' "${a//$'\\n'/}"; done
          printf ' GDAL_HTTP_HEADERS=[%s]\\n' "${GDAL_HTTP_HEADERS:-}"
        } >&2
      }
      wget() { client wget "$@"; }
      aria2c() { client aria2c "$@"; }
      ffprobe() { client ffprobe "$@"; }
      ffmpeg() { client ffmpeg "$@"; }
      gdalinfo() { client gdalinfo "$@"; }
      gdal_translate() { client gdal_translate "$@"; }
      """;

  /**
   * The commands of "Signed links" and of "Clients", as written, with the tour's {@code H} and a
   * file {@code F} (its revision {@code R}) made as the tour makes one: the curl commands run
   * against the service, a link's without any token; the other clients (wget, aria2c, ffprobe,
   * ffmpeg, GDAL) are stand-ins that report their command line and GDAL's headers, which must carry
   * the token, or the link and no token. SignedLinkClientsIT and RealClientsIT run the real ones.
   */
  @Test
  void theClientAndSignedLinkCommandsWorkWithTheGeneratedToken() throws Exception {
    String header = tour().lines().filter(l -> l.startsWith("H=")).findFirst().orElseThrow() + "\n";
    assertThat(header).contains("$(cat data/token)");
    try (ServiceProcess service =
        new ServiceProcess("readme-clients", List.of(), List.of()).withDefaultSecurity()) {
      service.start();
      Path dir = service.directory();
      String token = Files.readString(service.tokenFile()).strip();
      String script =
          "set -euo pipefail\n"
              + "B=http://127.0.0.1:"
              + service.port()
              + "\n"
              + header
              + PRELUDE
              // the links' first: the clients' block exports GDAL's headers
              + "echo '--- links' >&2\n"
              + shellBlock("Signed links")
              + "echo '--- clients' >&2\n"
              + shellBlock("Clients");
      String err = bash(dir, "clients", script)[1];
      String links = err.substring(err.indexOf("--- links"), err.indexOf("--- clients"));
      String clients = err.substring(err.indexOf("--- clients"));

      List<String> statuses = err.lines().filter(l -> l.startsWith("STATUS ")).toList();
      assertThat(statuses).as(err).hasSizeGreaterThan(8);
      // curl -C - asks for the rest of a download that is complete: 416, which it takes as done
      assertThat(statuses.stream().filter(l -> l.startsWith("STATUS 416 GET")))
          .containsExactly(
              "STATUS 416 GET " + service.uri("/v1/files/").toString() + fileId(err) + "/content");
      for (String s : statuses) {
        if (!s.startsWith("STATUS 416 GET")) {
          assertThat(Integer.parseInt(s.split(" ")[1])).as(s).isBetween(200, 299);
        }
      }
      // three links created with the token, one read and one append with a link and no token
      assertThat(links.lines().filter(l -> l.matches("STATUS 201 POST .*/links"))).hasSize(3);
      assertThat(links)
          .containsPattern("STATUS 206 GET .*/content\\?link-op=read&.*link-sig=")
          .containsPattern("STATUS 200 POST .*/content\\?link-op=write&.*link-sig=");
      List<String> linkClients = links.lines().filter(l -> l.startsWith("CLIENT ")).toList();
      assertThat(linkClients).hasSize(3);
      for (String c : linkClients) {
        assertThat(c).contains("link-sig=").doesNotContain("Authorization").doesNotContain(token);
      }
      assertThat(linkClients.get(2)).contains("/content/scene.tif?link-op=read&");
      List<String> headerClients = clients.lines().filter(l -> l.startsWith("CLIENT ")).toList();
      assertThat(headerClients).hasSize(7);
      for (String c : headerClients) {
        assertThat(c).contains("/v1/files/").contains("Authorization: Bearer " + token);
      }
      assertThat(clients.lines().filter(l -> l.startsWith("STATUS 200 GET"))).hasSize(1);
    }
  }

  /** The id of the file the script created (the first request's answer went to F). */
  private static String fileId(String err) {
    Matcher m = Pattern.compile("STATUS 200 PUT .*/v1/files/([0-9a-f]{16})/content").matcher(err);
    assertThat(m.find()).as(err).isTrue();
    return m.group(1);
  }

  @Test
  void theToursCommandsWorkWithTheGeneratedToken() throws Exception {
    String tour = tour();
    assertThat(tour).contains("B=http://localhost:8080\n").contains("$(cat data/token)");
    try (ServiceProcess service =
        new ServiceProcess("readme-tour", List.of(), List.of()).withDefaultSecurity()) {
      service.start();
      Path dir = service.directory();
      String script =
          "set -euo pipefail\n"
              + tour.replace(
                  "B=http://localhost:8080\n", "B=http://127.0.0.1:" + service.port() + "\n");
      String[] result = bash(dir, "tour", script);
      String out = result[0];
      String err = result[1];

      List<String> statuses = new ArrayList<>();
      err.lines().filter(l -> l.startsWith("STATUS ")).forEach(statuses::add);
      assertThat(statuses).as(err).hasSizeGreaterThan(20);
      for (String s : statuses) {
        int code = Integer.parseInt(s.split(" ")[1]);
        assertThat(code).as(s).isBetween(200, 299);
      }
      assertThat(statuses.get(statuses.size() - 1)).startsWith("STATUS 204 DELETE");
      assertThat(out)
          .contains("hello")
          .contains("AAAA")
          .contains("\"state\":\"committed\"")
          .contains("\"contentType\":\"image/tiff\"");
      assertThat(dir.resolve("scene.tif")).exists();
    }
  }
}
