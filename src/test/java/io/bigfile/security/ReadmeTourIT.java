package io.bigfile.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's tour, as written, run with bash against the service in its default mode (token, the
 * token generated on first start), from the service's directory, where the tour reads {@code
 * data/token}: every request is let in (no 401 or 403), none fails, and the tour shows what it says
 * it shows. curl reports each request's status on stderr (a {@code .curlrc} of the test's).
 */
@Timeout(300)
class ReadmeTourIT {

  /** The shell block of the section "A tour of the API". */
  static String tour() throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    int section = readme.indexOf("\n## A tour of the API\n");
    assertThat(section).as("the README's tour").isPositive();
    int start = readme.indexOf("```sh\n", section) + "```sh\n".length();
    int end = readme.indexOf("\n```", start);
    return readme.substring(start, end + 1);
  }

  @Test
  void theToursCommandsWorkWithTheGeneratedToken() throws Exception {
    String tour = tour();
    assertThat(tour).contains("B=http://localhost:8080\n").contains("$(cat data/token)");
    try (ServiceProcess service =
        new ServiceProcess("readme-tour", List.of(), List.of()).withDefaultSecurity()) {
      service.start();
      Path dir = service.directory();
      Path curlHome = Files.createDirectories(dir.resolve("curl-home"));
      Files.writeString(
          curlHome.resolve(".curlrc"),
          "write-out = \"%{stderr}STATUS %{http_code} %{method} %{url_effective}\\n\"\n");
      String script =
          "set -euo pipefail\n"
              + tour.replace(
                  "B=http://localhost:8080\n", "B=http://127.0.0.1:" + service.port() + "\n");
      Files.writeString(dir.resolve("tour.sh"), script);
      ProcessBuilder pb =
          new ProcessBuilder("bash", dir.resolve("tour.sh").toString())
              .directory(dir.toFile())
              .redirectOutput(dir.resolve("tour.out").toFile())
              .redirectError(dir.resolve("tour.err").toFile());
      pb.environment().put("CURL_HOME", curlHome.toString());
      Process bash = pb.start();
      assertThat(bash.waitFor(120, TimeUnit.SECONDS)).as("the tour ends").isTrue();
      String out = Files.readString(dir.resolve("tour.out"), StandardCharsets.ISO_8859_1);
      String err = Files.readString(dir.resolve("tour.err"), StandardCharsets.ISO_8859_1);
      assertThat(bash.exitValue()).as(err).isZero();

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
