-- Compress block and chunk data with lz4 where the server supports it: it compresses sparse data about as well as
-- pglz at a fraction of the CPU, and gives up on incompressible data cheaply. A PostgreSQL built without lz4 keeps
-- its default (pglz); both read back the same bytes, so nothing depends on which one a server has.
DO $$
BEGIN
    ALTER TABLE block_version ALTER COLUMN data SET COMPRESSION lz4;
    ALTER TABLE chunk ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN others THEN
    RAISE NOTICE 'lz4 is not available in this PostgreSQL build; block data keeps the default compression';
END $$;
