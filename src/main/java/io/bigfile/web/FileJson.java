package io.bigfile.web;

import io.bigfile.file.FileInfo;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;
import java.time.Instant;

/** The file JSON of the HTTP contract. */
@Schema(name = "FileInfo", description = "A file as the request sees it")
record FileJson(
    @Schema(
            requiredMode = RequiredMode.REQUIRED,
            description = "The file's id",
            example = "3f1c0a9b2e7d4c11")
        String id,
    @Schema(nullable = true, description = "The file's name; null when it has none") String name,
    @Schema(
            nullable = true,
            description =
                "The media type its content is served with; null when it has none (served as"
                    + " application/octet-stream)",
            example = "video/mp4")
        String contentType,
    @Schema(requiredMode = RequiredMode.REQUIRED, description = "Size in bytes") long size,
    @Schema(requiredMode = RequiredMode.REQUIRED, description = "Bytes per block") int blockSize,
    @Schema(
            requiredMode = RequiredMode.REQUIRED,
            description = "How later writes store blocks",
            allowableValues = {"auto", "whole", "chunked"})
        String format,
    @Schema(
            nullable = true,
            description =
                "The revision that last changed the file; null for a file created in the"
                    + " request's transaction and not committed yet")
        Long revision,
    @Schema(requiredMode = RequiredMode.REQUIRED) Instant createdAt,
    @Schema(requiredMode = RequiredMode.REQUIRED) Instant modifiedAt) {

  static FileJson of(FileInfo f) {
    return new FileJson(
        f.id().toString(),
        f.name(),
        f.contentType(),
        f.size(),
        f.blockSize(),
        f.format().externalName(),
        f.revision(),
        f.createdAt(),
        f.modifiedAt());
  }
}
