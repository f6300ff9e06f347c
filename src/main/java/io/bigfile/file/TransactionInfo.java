package io.bigfile.file;

import java.time.Instant;
import java.util.List;

/**
 * A transaction's state.
 *
 * @param revision the commit revision once committed (the snapshot when the commit changed
 *     nothing), else null
 * @param reason why an aborted transaction was aborted, else null
 */
public record TransactionInfo(
    String id,
    TransactionState state,
    long snapshotRevision,
    Instant expiresAt,
    long dirtyBytes,
    List<FileId> filesTouched,
    Long revision,
    String reason) {}
