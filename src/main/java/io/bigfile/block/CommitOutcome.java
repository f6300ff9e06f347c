package io.bigfile.block;

import java.time.Instant;

/** A successful commit: the revision it created and when. */
public record CommitOutcome(long revision, Instant committedAt) {}
