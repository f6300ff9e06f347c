package io.bigfile.file;

import java.time.Instant;

/**
 * A file as one request sees it.
 *
 * @param contentType the media type to serve the content with; null when it has none
 * @param revision the committed revision that last changed the file as seen by the request; null
 *     for a file created by the request's transaction and not committed yet
 * @param version an opaque validator that changes whenever the content or attributes seen by the
 *     request change: the revision for committed state, or a transaction-local counter when the
 *     request's transaction changed the file
 * @param modifiedAt the commit time of {@code revision}
 * @param asOf the revision the request read (its snapshot), or the revision an autocommit write
 *     created
 */
public record FileInfo(
    FileId id,
    String name,
    String contentType,
    long size,
    int blockSize,
    WriteFormat format,
    Long revision,
    String version,
    Instant createdAt,
    Instant modifiedAt,
    long asOf) {}
