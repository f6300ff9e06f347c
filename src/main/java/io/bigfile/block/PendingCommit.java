package io.bigfile.block;

/**
 * A commit whose outcome the store could not learn: its changes were all sent and the database was
 * asked to commit them, but the answer never came back (the connection broke, or timed out, during
 * the commit call). The store can settle it later ({@link BlockStore#settle}) from what the
 * database holds: whether the revision row carrying this commit's token exists.
 *
 * @param revision the revision the commit was to create
 * @param token the value only this commit wrote into its revision row
 */
public record PendingCommit(long revision, long token) {}
