package io.bigfile.file;

/**
 * What a client asks for when it creates a file; null fields take the configured defaults.
 *
 * @param name a name for people (see {@link FileNames}), or null for none
 * @param contentType the media type to serve the content with (see {@link MediaTypes}), or null for
 *     none
 */
public record NewFile(String name, Integer blockSize, WriteFormat format, String contentType) {

  public NewFile {
    if (name != null) {
      FileNames.check(name);
    }
    if (contentType != null) {
      MediaTypes.check(contentType);
    }
  }

  /** A file without a media type. */
  public NewFile(String name, Integer blockSize, WriteFormat format) {
    this(name, blockSize, format, null);
  }
}
