package io.bigfile.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.bigfile.file.FileId;
import io.bigfile.file.TransactionInfo;
import java.time.Instant;
import java.util.List;

/** The transaction JSON of the HTTP contract. */
@JsonInclude(JsonInclude.Include.NON_NULL)
record TransactionJson(
    String id,
    String state,
    long snapshotRevision,
    Instant expiresAt,
    long dirtyBytes,
    List<String> filesTouched,
    Long revision,
    String reason) {

  static TransactionJson of(TransactionInfo t) {
    return new TransactionJson(
        t.id(),
        t.state().externalName(),
        t.snapshotRevision(),
        t.expiresAt(),
        t.dirtyBytes(),
        t.filesTouched().stream().map(FileId::toString).toList(),
        t.revision(),
        t.reason());
  }
}
