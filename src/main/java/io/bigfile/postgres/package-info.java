/**
 * PostgreSQL behind the storage port: every SQL statement of bigfile, all parameterised, and the
 * only database transaction boundary.
 *
 * <p>Writes run in a JTA transaction (Narayana) on exactly one database connection, enlisted as the
 * transaction's only resource, so the transaction manager commits it in one phase and PostgreSQL's
 * prepared transactions (off by default, {@code max_prepared_transactions = 0}) are never needed.
 * Reads run on a plain pool in autocommit mode: every row they read is immutable, so no read needs
 * a transaction. A read of what a revision sees may run on a hot standby that has replayed that
 * revision ({@link io.bigfile.postgres.Standbys}).
 *
 * <p>Binary transfer of bytea is forced ({@code prepareThreshold=-1}): text transfer would double
 * the bytes on the wire and read several times slower.
 *
 * <p>Every wait for the database is bounded ({@link io.bigfile.postgres.SessionLimits}), and a
 * commit whose answer was lost is settled from what the database holds, never from the transaction
 * manager's status ({@link io.bigfile.postgres.CommitWriter}).
 */
package io.bigfile.postgres;
