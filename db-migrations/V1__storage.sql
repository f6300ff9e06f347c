-- bigfile storage schema. Append-only: a merged migration is never edited.
--
-- Every commit that changes anything gets one revision. All rows that a revision writes carry its number; rows are
-- never updated once their revision is committed (pack only deletes rows that no retained revision can see).
-- A reader at snapshot S sees, for every key, the row with the largest rev <= S.

-- The head revision. Its row lock serialises commits: a commit takes it, checks for conflicts, stamps its rows with
-- head + 1 and commits, so revision numbers become visible in order and a snapshot never misses an earlier commit.
CREATE TABLE head (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    rev       BIGINT  NOT NULL
);
INSERT INTO head (rev) VALUES (0);

-- oldest_retained_rev: the oldest revision that can still be read (reads with at= below it get 410), raised before
-- pack removes anything. packed_rev: pack has removed everything no revision at or above it can see; the next pack
-- looks only at rows written after it.
CREATE TABLE history (
    singleton           BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    oldest_retained_rev BIGINT  NOT NULL,
    packed_rev          BIGINT  NOT NULL
);
INSERT INTO history (oldest_retained_rev, packed_rev) VALUES (0, 0);

-- token: the commit's placeholder number, so that a committer whose commit call failed can tell from the database
-- whether its commit landed.
CREATE TABLE revision (
    rev          BIGINT PRIMARY KEY,
    committed_at TIMESTAMPTZ NOT NULL,
    token        BIGINT NOT NULL
);
INSERT INTO revision (rev, committed_at, token) VALUES (0, now(), 0);
CREATE INDEX revision_committed_at ON revision (committed_at);

-- Immutable attributes of a file.
CREATE TABLE file (
    id          BIGINT PRIMARY KEY,
    block_size  INTEGER NOT NULL CHECK (block_size >= 4096),
    created_rev BIGINT  NOT NULL
);

-- Mutable attributes of a file, one row per revision that changed the file (its blocks or its attributes).
-- changes is a bit set: 1 size, 2 name, 4 format, 8 blocks, 16 created, 32 deleted.
-- format is the write format: 1 whole, 2 chunked, 3 auto.
CREATE TABLE file_version (
    file_id BIGINT   NOT NULL REFERENCES file (id) ON DELETE CASCADE,
    rev     BIGINT   NOT NULL,
    name    TEXT,
    size    BIGINT   NOT NULL CHECK (size >= 0),
    format  SMALLINT NOT NULL,
    deleted BOOLEAN  NOT NULL,
    changes SMALLINT NOT NULL,
    PRIMARY KEY (file_id, rev)
);
CREATE INDEX file_version_rev ON file_version (rev);

-- One row per stored block version. format: 0 zero (reads as zeros; written by truncation or an all-zero write),
-- 1 whole (data holds the block with trailing zero bytes trimmed), 2 chunked (data is NULL; the block's content is
-- the chunk rows of this (file_id, blk) with base_rev <= rev <= this rev, newest per offset).
-- Rows with a negative rev belong to a commit in progress (a placeholder replaced by the revision at commit).
CREATE TABLE block_version (
    file_id  BIGINT   NOT NULL,
    blk      BIGINT   NOT NULL,
    rev      BIGINT   NOT NULL,
    format   SMALLINT NOT NULL,
    base_rev BIGINT,
    data     BYTEA,
    PRIMARY KEY (file_id, blk, rev)
);
CREATE INDEX block_version_rev ON block_version (rev, file_id, blk);

-- 4 KiB chunks of chunked block versions: trailing zeros trimmed, an all-zero chunk is a row with NULL data
-- (it hides the older chunk at that offset) or no row at all.
CREATE TABLE chunk (
    file_id BIGINT  NOT NULL,
    blk     BIGINT  NOT NULL,
    off     INTEGER NOT NULL,
    rev     BIGINT  NOT NULL,
    data    BYTEA,
    PRIMARY KEY (file_id, blk, off, rev)
);
CREATE INDEX chunk_rev ON chunk (rev);

-- Placeholder revisions (negated) for rows written before the commit takes the head lock.
CREATE SEQUENCE placeholder_seq;

-- The oldest snapshot each running replica still reads, refreshed by its pack loop; pack never removes what a live
-- pin can see.
CREATE TABLE snapshot_pin (
    replica   TEXT PRIMARY KEY,
    min_rev   BIGINT,
    heartbeat TIMESTAMPTZ NOT NULL
);
