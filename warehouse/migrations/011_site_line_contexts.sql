-- newsflow warehouse, version 11: per-site learned boilerplate needs varied contexts, not only
-- repetition. A short line is a site's boilerplate once it was seen in enough articles of the site
-- AND next to enough different neighbours (tasks/clean.py): a line that recurs only because the same
-- text recurs (copies of one dispatch, a source claiming the site's name) keeps one context and stays.
-- At most SITE_LINE_MIN_CONTEXTS contexts are kept per line, so the table stays small.
CREATE TABLE internals.site_line_contexts (site VARCHAR NOT NULL, line_key BIGINT NOT NULL, context BIGINT NOT NULL);
COMMENT ON TABLE internals.site_line_contexts IS 'Distinct contexts (hash of the neighbouring content lines) each short line of a site was seen in, a few per line: learned boilerplate must be seen in varied contexts.';
