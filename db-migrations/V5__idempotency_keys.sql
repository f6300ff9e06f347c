-- Idempotency keys of autocommit writes (draft-ietf-httpapi-idempotency-key-header). A row is written by the commit
-- that applies its request, in the same database transaction, so a key is taken if and only if its request's changes
-- landed: the retry of a request whose answer was lost finds its key and applies nothing again. The primary key is
-- what makes two requests with one key (a retry racing its first attempt, on any replica) apply once: the second
-- commit fails on it and rolls back whole.
--   principal:     whose key it is (keys are scoped per principal; 'anonymous' while access control names nobody).
--   fingerprint:   SHA-256 of the request (method, target, the headers that change its meaning, the body's digest); the
--                  same key with another fingerprint is refused.
--   rev:           the revision the request created, or the snapshot it read when it changed nothing.
--   file_id .. file_modified_at: the file the request answered with, as of rev (a copy of its file_version, file and
--                  revision times), so the answer can be given again however the file's history is packed meanwhile.
--   expires_at:    after it the key is forgotten (expired rows are deleted periodically) and may be used again.
CREATE TABLE idempotency_key (
    principal        TEXT        NOT NULL,
    idempotency_key  TEXT        NOT NULL,
    fingerprint      BYTEA       NOT NULL,
    rev              BIGINT      NOT NULL,
    file_id          BIGINT      NOT NULL,
    block_size       INTEGER     NOT NULL,
    name             TEXT,
    content_type     TEXT,
    size             BIGINT      NOT NULL,
    format           SMALLINT    NOT NULL,
    deleted          BOOLEAN     NOT NULL,
    file_rev         BIGINT      NOT NULL,
    file_created_at  TIMESTAMPTZ NOT NULL,
    file_modified_at TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    expires_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);
CREATE INDEX idempotency_key_expires_at ON idempotency_key (expires_at);
