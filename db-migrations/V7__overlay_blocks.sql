-- Overlay block versions (format 3): a base plus layers. The block_version row of an overlay version has
-- format 3, data NULL, base_rev the revision of its base (a whole or zero version of the same block, or 0 for a
-- hole) and layer its place in the overlay (1 for the first change over the base). Each layer stores the
-- extents it changed as rows of overlay: off is the extent's byte offset in the block, data its bytes (whole
-- chunks of 4 KiB, untrimmed). The content of an overlay version at revision R is, for every chunk, the newest
-- extent with base_rev < rev <= R that holds it, else the base.
ALTER TABLE block_version ADD COLUMN layer SMALLINT;

CREATE TABLE overlay (
    file_id BIGINT  NOT NULL,
    blk     BIGINT  NOT NULL,
    rev     BIGINT  NOT NULL,
    off     INTEGER NOT NULL,
    data    BYTEA   NOT NULL,
    PRIMARY KEY (file_id, blk, rev, off)
);
CREATE INDEX overlay_rev ON overlay (rev);

DO $$
BEGIN
    ALTER TABLE overlay ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN others THEN
    RAISE NOTICE 'lz4 is not available in this PostgreSQL build; overlay data keeps the default compression';
END $$;
