package io.bigfile.pagecache;

/** Names one stored block version. */
public record BlockKey(long fileId, long blk, long rev) {}
