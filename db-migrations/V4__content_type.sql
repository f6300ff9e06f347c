-- A file's media type, an attribute versioned per revision like its name: the Content-Type its content is served
-- with (application/octet-stream when NULL). The service validates it (RFC 9110 section 8.3.1, at most 255 characters)
-- before it reaches the table. Change bit 64 in file_version.changes marks a revision that changed it.
ALTER TABLE file_version ADD COLUMN content_type TEXT;
