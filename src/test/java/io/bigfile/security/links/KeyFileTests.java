package io.bigfile.security.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTests {

  @TempDir Path dir;

  @Test
  void aKeyIsGeneratedOnceOwnerOnlyAndReused() throws Exception {
    Path file = dir.resolve("data").resolve("link-key");
    byte[] first = KeyFile.readOrCreate(file);
    assertThat(first).hasSize(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(file, StandardCharsets.US_ASCII).strip())
        .isEqualTo(Base64.getEncoder().encodeToString(first));
    assertThat(KeyFile.readOrCreate(file)).as("a restart reuses it").isEqualTo(first);

    // deleting the file revokes: the next start makes another key
    Files.delete(file);
    assertThat(KeyFile.readOrCreate(file)).isNotEqualTo(first);
  }

  @Test
  void aFileThatHoldsNoKeyStopsTheStart() throws Exception {
    Path file = dir.resolve("link-key");
    Files.writeString(file, "c2hvcnQ=\n");
    assertThatThrownBy(() -> KeyFile.readOrCreate(file))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("at least 32")
        .hasMessageNotContaining("c2hvcnQ=");
  }
}
