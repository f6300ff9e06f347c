package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.support.CanonicalJson;
import io.bigfile.support.ServiceTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checked-in {@code openapi/bigfile-openapi.json}, from which clients are generated and which
 * CI lints, is exactly what the service serves at {@code /v3/api-docs} (in canonical form: sorted
 * keys, two-space indentation). A change to the API that is not written to the file fails here;
 * {@code -Dopenapi.update=true} writes the served description to the file instead.
 */
class OpenApiDescriptionIT extends ServiceTestBase {

  static final Path FILE = Path.of("openapi", "bigfile-openapi.json");
  private static final String REGENERATE =
      "./mvnw verify -Dopenapi.update=true -Dit.test=OpenApiDescriptionIT -Dtest=none"
          + " -Dsurefire.failIfNoSpecifiedTests=false";

  @Test
  void theCheckedInDescriptionIsWhatTheServiceServes() throws IOException {
    var r = send(request("/v3/api-docs").GET());
    assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
    String served = CanonicalJson.format(body(r));
    if (Boolean.getBoolean("openapi.update")) {
      Files.createDirectories(FILE.getParent());
      Files.writeString(FILE, served, StandardCharsets.UTF_8);
      System.out.println("wrote " + FILE.toAbsolutePath());
      return;
    }
    String checkedIn =
        Files.exists(FILE) ? Files.readString(FILE, StandardCharsets.UTF_8) : "(missing)\n";
    if (!checkedIn.equals(served)) {
      throw new AssertionError(
          FILE
              + " is not what the service serves at /v3/api-docs: the API changed without"
              + " updating the published description.\n"
              + firstDifference(checkedIn, served)
              + "\nIf the change is intended, write the new description with\n  "
              + REGENERATE
              + "\nthen review and commit "
              + FILE
              + " (the generated client follows it on the next build).");
    }
  }

  /** The first differing line, with a little context, as a short unified-diff-like excerpt. */
  static String firstDifference(String expected, String actual) {
    List<String> a = expected.lines().toList();
    List<String> b = actual.lines().toList();
    int i = 0;
    while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
      i++;
    }
    StringBuilder sb = new StringBuilder("first difference at line " + (i + 1) + ":\n");
    for (int k = Math.max(0, i - 3); k < i; k++) {
      sb.append("   ").append(a.get(k)).append('\n');
    }
    for (int k = i; k < Math.min(a.size(), i + 4); k++) {
      sb.append(" - ").append(a.get(k)).append('\n');
    }
    for (int k = i; k < Math.min(b.size(), i + 4); k++) {
      sb.append(" + ").append(b.get(k)).append('\n');
    }
    return sb.toString();
  }
}
