package io.bigfile.block;

import io.bigfile.file.WriteFormat;
import java.time.Instant;

/**
 * A file's stored attributes as one snapshot sees them.
 *
 * @param contentType the media type its content is served with; null when it has none
 * @param revision the revision of the file's newest change visible in the snapshot
 */
public record FileRecord(
    long id,
    int blockSize,
    String name,
    String contentType,
    long size,
    WriteFormat format,
    boolean deleted,
    long revision,
    Instant createdAt,
    Instant modifiedAt) {}
