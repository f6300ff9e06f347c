/**
 * Pages in memory: the shared cache of clean block versions, and the dirty pages of transactions
 * with their memory budget.
 *
 * <p>Clean versions are keyed by {@code (file, block, revision that wrote the version)}. A version
 * never changes once committed, so an entry can never be stale: a reader at any snapshot asks for
 * the version its snapshot sees, and readers at different snapshots share entries. This is what
 * makes several replicas over one database safe to cache: nothing is invalidated, because nothing
 * cached is ever wrong.
 */
package io.bigfile.pagecache;
