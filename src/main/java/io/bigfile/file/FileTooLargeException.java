package io.bigfile.file;

/** The write would make the file larger than the configured maximum size; nothing was changed. */
public final class FileTooLargeException extends BigFileException {

  public FileTooLargeException(long requested, long max) {
    super("a file may hold at most " + max + " bytes; this request would make it " + requested);
  }
}
