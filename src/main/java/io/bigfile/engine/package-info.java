/**
 * The engine: the one implementation of {@link io.bigfile.file.BigFiles}, in plain Java over the
 * storage port {@link io.bigfile.block.BlockStore}.
 *
 * <h2>Who does what</h2>
 *
 * <ul>
 *   <li>{@link io.bigfile.engine.Engine}: the façade. It enters each request's transaction and
 *       routes the request; it holds no logic of its own.
 *   <li>{@code Transactions}: open and finished transactions, their expiry, the snapshots pinned by
 *       them and by running reads, and {@code enter}, the one way a request gets its transaction
 *       (named, ephemeral autocommit, or ephemeral at a past revision).
 *   <li>{@code Transaction} and {@code TxnFile}: one transaction and one file as it changed it.
 *       Each keeps its own invariants behind methods (budget, truncation mark, pages).
 *   <li>{@code Staging}: writes, patches and resizes of a transaction, into dirty pages, all or
 *       nothing per request (savepoints).
 *   <li>{@code Uploads}: autocommit writes, streamed into the database block by block.
 *   <li>{@code Committer}: the commit sequence below; it alone moves page states and publishes to
 *       the page cache.
 *   <li>{@code IdempotentRequests}: autocommit writes with an idempotency key, answered once.
 *   <li>{@code BlockEncoding}, {@code BlockVersions}: the encoding of a block write, and the one
 *       cache-then-load path for block versions and index windows.
 *   <li>{@code FileViews}, {@code ContentReader}, {@code RangeLister}: what a transaction sees:
 *       file records, listings, revisions, content and data ranges.
 *   <li>{@code CachedIndexStore}, {@code PartialReads}, {@code Retention}: per-snapshot caches of
 *       file records and block indexes, the small-read policy, history packing.
 * </ul>
 *
 * <h2>The commit sequence</h2>
 *
 * <ol>
 *   <li>Under the transaction's lock, every dirty page is encoded in its file's write format,
 *       against the version the transaction's snapshot saw (loaded, through the page cache, when
 *       the format compares with it). Encodings refer to the pages: one copy of the dirty data.
 *   <li>The pages go DIRTY to STORED and the changeset goes to the store, which writes it in one
 *       database transaction on one connection (a JTA transaction with that connection as its only
 *       resource): block rows in ascending (file, block) order, the head row locked, conflicts
 *       checked against {@link io.bigfile.block.ConflictRules}, then the revision row.
 *   <li>Only once the database committed do the pages go STORED to CLEAN and get published to the
 *       shared page cache under the new revision. A conflict aborts the transaction; any other
 *       failure puts the pages back to DIRTY and leaves the transaction open, to be retried or
 *       aborted.
 *   <li>If the database lost its answer to the commit (the store could not learn whether it
 *       landed), the transaction is COMMITTING: its pages are dropped unpublished, and it becomes
 *       COMMITTED at the revision the database holds, or ABORTED, once the store can tell. Nothing
 *       is assumed meanwhile: not that the commit is visible, not that it may be repeated.
 * </ol>
 *
 * <p>An autocommit write with an idempotency key hands the store a claim with its changeset: the
 * store keeps the key in the commit's own database transaction, so the key is taken exactly when
 * the changes landed, and a retry with the key is answered from it instead of being applied again.
 *
 * <p>An autocommit upload follows the same sequence, but its blocks are encoded as the body is
 * read, while the database transaction is open and before the head lock is taken. The HTTP edge
 * receives every body in full before its request reaches the engine, so a body is read at the speed
 * of memory or a local disk and a write connection is held only as long as the database takes: no
 * client's transfer keeps another's commit waiting.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>A snapshot never shows a later commit without every earlier one: a request reads at one
 *       revision, and everything it reads (records, index entries, block versions) is keyed by that
 *       revision or by the immutable version it names.
 *   <li>A failed request leaves its transaction exactly as before; a failed commit leaves nothing
 *       visible; a crash leaves the old or the new state.
 *   <li>No cache can serve a stale block: cached block versions are keyed by the revision that
 *       wrote them and are put only after their commit; index and file records are cached per
 *       snapshot, which never changes.
 *   <li>Memory is bounded: dirty pages by the budgets, uploads and reads stream a block or a window
 *       at a time, and a commit holds one copy of the dirty data.
 * </ol>
 *
 * <h2>Alternatives rejected</h2>
 *
 * <ul>
 *   <li><em>The store pulling lazily encoded blocks from the engine.</em> The store held the head
 *       lock while an encoding loaded a previous version from the read pool, and page states were
 *       set inside the store's iterator. Encoding first costs no memory (encodings refer to pages)
 *       and keeps data flowing one way: engine, store, database, outcome.
 *   <li><em>Invalidating caches on commit.</em> Keys that name immutable versions and snapshots
 *       need no invalidation, which is what makes several replicas over one database safe.
 *   <li><em>Writing dirty pages to the database before commit</em> (as the original design's
 *       storeblk may). Uncommitted rows would need a visibility rule of their own; dirty pages stay
 *       in memory under a budget, and only autocommit uploads stream, inside their own database
 *       transaction.
 *   <li><em>Two-phase commit across connections.</em> One connection per commit needs no prepared
 *       transactions, which most managed PostgreSQL services disable.
 * </ul>
 */
package io.bigfile.engine;
