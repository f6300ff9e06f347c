package io.bigfile.file;

/** No file with this id exists in the snapshot the request sees. */
public final class UnknownFileException extends BigFileException {

  public UnknownFileException(String id) {
    super("no file '" + id + "'");
  }
}
