-- newsflow warehouse, version 10: a failure caused by an unexpected error in a per-input stage
-- records the exception's type, so that analysts can count them (and developers find them).
ALTER TABLE failures ADD COLUMN error_type VARCHAR;
COMMENT ON COLUMN failures.stage IS 'The stage that gave up on the input: discover, fetch, read, decode, parse, extract, date, clean, fingerprint, copies, stories, page or load.';
COMMENT ON COLUMN failures.reason IS 'Short reason, e.g. empty file, undecodable bytes, missing path, no content; "<stage> error" for an unexpected error.';
COMMENT ON COLUMN failures.error_type IS 'The exception''s type (e.g. LookupError) when an unexpected error in a per-input stage made this input a failure; NULL otherwise.';
COMMENT ON TABLE internals.robots IS 'robots.txt per origin (cached 24 h): parse the body, or a blanket allow (4xx). An unreachable robots.txt (5xx, network or TLS error, blocked redirect) means deny for the fetcher that met it and is not cached.';
