package io.bigfile.security.links;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The signing key generated on first start when none is configured: 32 random bytes, base64, in a
 * file readable by its owner only ({@code rw-------}), reused on later starts, so links survive a
 * restart. Its key id is {@value #KEY_ID}. Deleting the file revokes every link it signed (a new
 * key is generated at the next start).
 *
 * <p>Only for one replica: replicas that do not share the file each sign with a key of their own
 * and refuse each other's links; configure {@code bigfile.security.links.keys} for several.
 */
public final class KeyFile {

  /** The key id of the generated key. */
  public static final String KEY_ID = "local";

  private KeyFile() {}

  /** The key, read from {@code file}, or generated into it when it does not exist. */
  public static byte[] readOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        byte[] key = new byte[LinkSigner.MIN_KEY_BYTES];
        new SecureRandom().nextBytes(key);
        if (create(file, Base64.getEncoder().encodeToString(key) + "\n")) {
          return key;
        }
        // another process created it meanwhile: use theirs
      }
      String text = Files.readString(file, StandardCharsets.US_ASCII);
      try {
        return LinkSigner.decodeKey(KEY_ID, text);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(
            "the signed-link key file " + file + " does not hold a key: " + e.getMessage());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the signed-link key file " + file, e);
    }
  }

  /** Creates the file with owner-only permissions; false if it already exists. */
  private static boolean create(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    try {
      if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(file);
      }
    } catch (FileAlreadyExistsException e) {
      return false;
    }
    Files.writeString(file, content, StandardCharsets.US_ASCII);
    return true;
  }
}
