package io.bigfile.file;

/** The requested revision is older than the retained history. */
public final class RevisionNotRetainedException extends BigFileException {

  public RevisionNotRetainedException(long revision, long oldestRetained) {
    super(
        "revision "
            + revision
            + " is no longer retained; the oldest readable revision is "
            + oldestRetained);
  }
}
