package io.bigfile.block;

import io.bigfile.file.WriteFormat;
import java.util.Set;

/**
 * What a commit does to one file's attributes. Every file a commit touches has one.
 *
 * @param blockSize the block size, for a file this commit creates
 * @param contentType the media type, or null for none
 * @param changes what changed (never empty)
 * @param zeroFrom committed blocks at or past this block read as zeros from this commit on (a
 *     truncation), or {@link Long#MAX_VALUE}; blocks the same commit writes are not affected
 * @param requireUnchanged the commit fails if any other commit changed this file after the snapshot
 *     (a precondition was checked at the snapshot)
 */
public record FileChange(
    long fileId,
    int blockSize,
    String name,
    String contentType,
    long size,
    WriteFormat format,
    boolean deleted,
    Set<Change> changes,
    long zeroFrom,
    boolean requireUnchanged) {

  public boolean created() {
    return changes.contains(Change.CREATED);
  }

  /**
   * This change applied to the latest committed attributes: fields it did not change take theirs.
   */
  public FileChange onLatest(
      String latestName, String latestContentType, long latestSize, WriteFormat latestFormat) {
    return new FileChange(
        fileId,
        blockSize,
        changes.contains(Change.NAME) ? name : latestName,
        changes.contains(Change.CONTENT_TYPE) ? contentType : latestContentType,
        changes.contains(Change.SIZE) ? size : latestSize,
        changes.contains(Change.FORMAT) ? format : latestFormat,
        deleted,
        changes,
        zeroFrom,
        requireUnchanged);
  }
}
