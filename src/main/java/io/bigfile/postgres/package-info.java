/**
 * PostgreSQL behind the storage port: every SQL statement of bigfile, all parameterised, and the
 * only database transaction boundary.
 *
 * <p>Writes run in a JTA transaction (Narayana) on exactly one database connection, enlisted as the
 * transaction's only resource, so the transaction manager commits it in one phase and PostgreSQL's
 * prepared transactions (off by default, {@code max_prepared_transactions = 0}) are never needed.
 * Reads run on a plain pool in autocommit mode: every row they read is immutable, so no read needs
 * a transaction.
 *
 * <p>Binary transfer of bytea is forced ({@code prepareThreshold=-1}): text transfer would double
 * the bytes on the wire and read several times slower.
 */
package io.bigfile.postgres;
