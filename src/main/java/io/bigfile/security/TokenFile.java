package io.bigfile.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * The token a service in {@code token} mode generates for itself when none is configured, so that
 * it starts secure without a set-up step (as Elasticsearch and Jupyter do): 256 random bits, in
 * base64url (43 characters), on one line of a file readable and writable by its owner only ({@code
 * rw-------}), created on first start and read again on every later one.
 *
 * <p>The file is written in full under a temporary name in the same directory, with its permissions
 * set at creation, and only then moved to its name: a reader never sees it half written or readable
 * by others. On a file system without POSIX permissions it is created with the system's defaults.
 */
public final class TokenFile {

  /** {@code rw-------}. */
  public static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private static final int TOKEN_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The token in the file, and whether this start created the file. */
  public record Loaded(String token, boolean created) {

    @Override
    public String toString() {
      return "Loaded[token=******, created=" + created + "]";
    }
  }

  private TokenFile() {}

  /**
   * The token kept at {@code path}; a new one if there is no file yet.
   *
   * @throws IllegalStateException if the file exists but holds no usable token
   * @throws UncheckedIOException if it cannot be read or written
   */
  public static Loaded readOrCreate(Path path) {
    try {
      if (!Files.exists(path)) {
        if (create(path)) {
          return new Loaded(read(path), true);
        }
      }
      return new Loaded(read(path), false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use the token file " + path.toAbsolutePath(), e);
    }
  }

  /** Whether the file exists with permissions wider than owner-only (on a POSIX file system). */
  public static boolean readableByOthers(Path path) {
    if (!posix()) {
      return false;
    }
    try {
      return !OWNER_ONLY.containsAll(Files.getPosixFilePermissions(path));
    } catch (IOException e) {
      return false;
    }
  }

  /** Creates the file with a new token; false if another process created it meanwhile. */
  private static boolean create(Path path) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    byte[] bytes = new byte[TOKEN_BYTES];
    RANDOM.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Path tmp =
        posix()
            ? Files.createTempFile(
                dir, ".token", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
            : Files.createTempFile(dir, ".token", ".tmp", new FileAttribute<?>[0]);
    try {
      Files.writeString(tmp, token + "\n", StandardCharsets.US_ASCII);
      Files.move(tmp, path);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String read(Path path) throws IOException {
    String token = Files.readString(path, StandardCharsets.UTF_8).strip();
    if (token.length() < TOKEN_BYTES || token.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalStateException(
          "the token file "
              + path.toAbsolutePath()
              + " holds no usable token: delete it to have a new one generated");
    }
    return token;
  }

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }
}
