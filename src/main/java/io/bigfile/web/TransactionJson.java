package io.bigfile.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.bigfile.file.FileId;
import io.bigfile.file.TransactionInfo;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;
import java.time.Instant;
import java.util.List;

/** The transaction JSON of the HTTP contract. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Transaction", description = "A transaction and its state")
record TransactionJson(
    @Schema(requiredMode = RequiredMode.REQUIRED, description = "The transaction's id") String id,
    @Schema(
            requiredMode = RequiredMode.REQUIRED,
            allowableValues = {"open", "committing", "committed", "aborted"},
            description =
                "open: accepts requests; committing: its commit was sent, the database's answer"
                    + " was lost, and it becomes committed or aborted once the database answers"
                    + " again; committed; aborted")
        String state,
    @Schema(
            requiredMode = RequiredMode.REQUIRED,
            description = "The head revision when it began: what it reads, plus its own writes")
        long snapshotRevision,
    @Schema(description = "When an open transaction is aborted if it stays unused")
        Instant expiresAt,
    @Schema(
            requiredMode = RequiredMode.REQUIRED,
            description = "Bytes of uncommitted blocks it holds (whole blocks)")
        long dirtyBytes,
    @Schema(requiredMode = RequiredMode.REQUIRED, description = "Ids of the files it changed")
        List<String> filesTouched,
    @Schema(
            description =
                "Once committed: the revision its changes became visible at (the snapshot when it"
                    + " changed nothing)")
        Long revision,
    @Schema(description = "Once aborted, or while committing: why") String reason) {

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
