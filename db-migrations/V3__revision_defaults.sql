-- A revision row says itself what every commit must do when it inserts one, so that the commit can insert it as an
-- ordinary row (through the catalogue's entity) and still:
--   * take its time from the database's clock at the insert, under the head lock, so that revision times never go
--     backwards as revisions go up, whatever the replicas' clocks say;
--   * tell every replica of the new head revision: a notification on channel bigfile_head with the revision,
--     delivered when, and only if, the commit's transaction commits (io.bigfile.postgres.HeadWatcher listens).
ALTER TABLE revision ALTER COLUMN committed_at SET DEFAULT clock_timestamp();

CREATE FUNCTION revision_notify_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bigfile_head', NEW.rev::text);
    RETURN NULL;
END $$;

CREATE TRIGGER revision_notify_head AFTER INSERT ON revision
    FOR EACH ROW EXECUTE FUNCTION revision_notify_head();
