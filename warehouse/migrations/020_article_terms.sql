-- newsflow warehouse, version 20: each article's story terms stored when it is loaded, so that
-- consolidation (warehouse/load/stories.py) reads the vectors of the stored articles it re-clusters
-- instead of re-tokenizing their bodies (2,500 bodies a batch at 100,000 articles: bench/RESULTS.md).
-- Terms are stored by number: reading 500,000 rows of term strings out of 20 million took DuckDB
-- about 1 s, their numbers a fifth of that. Articles loaded before this version get their rows the
-- first time consolidation needs them.
ALTER TABLE internals.term_df ADD COLUMN term_id INTEGER;
UPDATE internals.term_df AS d SET term_id = r.id
FROM (SELECT term, row_number() OVER (ORDER BY term) AS id FROM internals.term_df) AS r
WHERE d.term = r.term;
COMMENT ON COLUMN internals.term_df.term_id IS 'The term''s number in internals.article_terms (never reused).';
CREATE TABLE internals.article_terms (article_id VARCHAR NOT NULL, term_id INTEGER NOT NULL, n INTEGER NOT NULL);
COMMENT ON TABLE internals.article_terms IS 'Story term counts of each article (tasks/stories/terms.py: title counted twice) as of its stored title and body; with internals.term_df (term_id) they give its TF-IDF vector.';
