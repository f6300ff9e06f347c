package io.bigfile.file;

import java.time.Instant;
import java.util.List;

/**
 * A revision that changed a file, and what it changed ("created", "size", "name", "format",
 * "contentType", "blocks", "deleted").
 */
public record RevisionInfo(long revision, Instant committedAt, List<String> changes) {}
