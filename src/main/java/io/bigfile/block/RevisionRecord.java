package io.bigfile.block;

import java.time.Instant;

/** One stored change of a file. */
public record RevisionRecord(long revision, Instant committedAt, int changesMask) {}
