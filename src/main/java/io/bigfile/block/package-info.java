/**
 * Cutting a file into blocks, and the storage port: the one narrow interface through which the
 * engine reaches the database. The port loads file records, block index entries and block versions
 * at a snapshot, and commits a changeset atomically at a new revision. It has no configuration
 * setters and no notion of HTTP.
 */
package io.bigfile.block;
