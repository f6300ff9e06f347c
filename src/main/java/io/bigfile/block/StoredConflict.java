package io.bigfile.block;

import java.util.List;

/** What the store found in conflict for one file: kinds of change and a sample of block numbers. */
public record StoredConflict(long fileId, List<String> what, List<Long> blocks) {}
