package io.bigfile.web;

import io.bigfile.file.FileInfo;
import java.time.Instant;

/** The file JSON of the HTTP contract. */
record FileJson(
    String id,
    String name,
    long size,
    int blockSize,
    String format,
    Long revision,
    Instant createdAt,
    Instant modifiedAt) {

  static FileJson of(FileInfo f) {
    return new FileJson(
        f.id().toString(),
        f.name(),
        f.size(),
        f.blockSize(),
        f.format().externalName(),
        f.revision(),
        f.createdAt(),
        f.modifiedAt());
  }
}
