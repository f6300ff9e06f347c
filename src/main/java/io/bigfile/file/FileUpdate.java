package io.bigfile.file;

/**
 * A change of a file's attributes; a null field is left as it is.
 *
 * @param size truncate or extend to this size (an extension reads as zeros)
 * @param format the write format for later writes
 * @param name the new name (see {@link FileNames})
 * @param contentType the new media type (see {@link MediaTypes}), or {@link #NO_CONTENT_TYPE} to
 *     remove it
 */
public record FileUpdate(Long size, WriteFormat format, String name, String contentType) {

  /** As {@code contentType}: the file has no media type any more. */
  public static final String NO_CONTENT_TYPE = "";

  public FileUpdate {
    if (size != null && size < 0) {
      throw new InvalidRequestException("size must not be negative");
    }
    if (name != null) {
      FileNames.check(name);
    }
    if (contentType != null && !contentType.equals(NO_CONTENT_TYPE)) {
      MediaTypes.check(contentType);
    }
  }

  /** A change that leaves the media type as it is. */
  public FileUpdate(Long size, WriteFormat format, String name) {
    this(size, format, name, null);
  }

  public boolean isEmpty() {
    return size == null && format == null && name == null && contentType == null;
  }

  /** The media type the file has after this change, if it changes it: null for none. */
  public String newContentType() {
    return NO_CONTENT_TYPE.equals(contentType) ? null : contentType;
  }
}
