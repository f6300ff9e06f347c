package io.bigfile.file;

/**
 * A change of a file's attributes; a null field is left as it is.
 *
 * @param size truncate or extend to this size (an extension reads as zeros)
 * @param format the write format for later writes
 * @param name the new name
 */
public record FileUpdate(Long size, WriteFormat format, String name) {

  public FileUpdate {
    if (size != null && size < 0) {
      throw new InvalidRequestException("size must not be negative");
    }
  }

  public boolean isEmpty() {
    return size == null && format == null && name == null;
  }
}
