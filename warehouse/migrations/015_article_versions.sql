-- newsflow warehouse, version 15: article versions (issue 18). A page or file whose cleaned text
-- (or headline) changed since it was loaded is a new version of the same article, not a failure:
-- articles holds the latest version, article_versions every version with its paragraph-level
-- diff against the one before, article_changes lists the changes. Every stored article becomes
-- its version 1 (fetched_at = ingested_at).

ALTER TABLE articles ADD COLUMN version INTEGER;
UPDATE articles SET version = 1;
COMMENT ON TABLE articles IS 'One row per article, with its cleaned text: the latest version (earlier versions and what changed: article_versions, article_changes). Copies are kept: see duplicates.';
COMMENT ON COLUMN articles.version IS 'The version its text is (article_versions.version): 1 as first loaded, n+1 each time the page or file came back with another text or headline.';
COMMENT ON COLUMN articles.raw_sha256 IS 'sha256 of the raw input bytes of the latest version: an unchanged input is skipped on re-ingest.';
COMMENT ON COLUMN articles.ingested_at IS 'UTC time it was first loaded (version 1); a later version keeps it. Never used as a publication date.';

CREATE TABLE article_versions (
    article_id         VARCHAR NOT NULL,
    version            INTEGER NOT NULL,
    fetched_at         TIMESTAMP NOT NULL,
    run_id             VARCHAR NOT NULL,
    raw_sha256         VARCHAR NOT NULL,
    content_sha256     VARCHAR NOT NULL,
    title              VARCHAR,
    word_count         INTEGER NOT NULL,
    paragraphs         INTEGER NOT NULL,
    paragraphs_added   INTEGER,
    paragraphs_removed INTEGER,
    diff               STRUCT(op VARCHAR, position INTEGER, text VARCHAR)[],
    PRIMARY KEY (article_id, version)
);
COMMENT ON TABLE article_versions IS 'Every version of every article: 1 as first loaded, then one row per text or headline change found on re-ingest or re-check, with the paragraph-level diff against the version before. The latest is the articles row.';
COMMENT ON COLUMN article_versions.article_id IS 'The article (articles.article_id): a changed page or file keeps its id.';
COMMENT ON COLUMN article_versions.version IS '1, 2, ... in the order the texts were seen.';
COMMENT ON COLUMN article_versions.fetched_at IS 'UTC time this text was first loaded (the change happened at or before it; for version 1 articles.ingested_at).';
COMMENT ON COLUMN article_versions.run_id IS 'The run that loaded this version (runs.run_id).';
COMMENT ON COLUMN article_versions.raw_sha256 IS 'sha256 of the raw bytes this version was read from (raw_pages.sha256 while kept).';
COMMENT ON COLUMN article_versions.content_sha256 IS 'sha256 of this version''s cleaned body (UTF-8, hex; sha256(articles.body) for the latest).';
COMMENT ON COLUMN article_versions.title IS 'Headline of this version; NULL when it had none.';
COMMENT ON COLUMN article_versions.word_count IS 'Words in this version''s body.';
COMMENT ON COLUMN article_versions.paragraphs IS 'Paragraphs in this version''s body.';
COMMENT ON COLUMN article_versions.paragraphs_added IS 'Paragraphs of this version not in the version before (diff entries with op added); NULL for version 1.';
COMMENT ON COLUMN article_versions.paragraphs_removed IS 'Paragraphs of the version before not in this one (diff entries with op removed); NULL for version 1.';
COMMENT ON COLUMN article_versions.diff IS 'The paragraph-level diff from the version before, in reading order: op added (position in this version) or removed (position in the version before), and the paragraph''s text; a rewritten paragraph is removed and added. Paragraphs kept are not listed; empty when only the headline changed; NULL for version 1. unnest(diff) gives one row per paragraph.';

INSERT INTO article_versions
SELECT a.article_id, 1, a.ingested_at, a.run_id, a.raw_sha256, sha256(a.body), a.title, a.word_count,
       (SELECT count(*) FROM paragraphs p WHERE p.article_id = a.article_id), NULL, NULL, NULL
FROM articles a;

CREATE TABLE article_checks (
    article_id       VARCHAR NOT NULL,
    checked_at       TIMESTAMP NOT NULL,
    checkpoint_hours DOUBLE NOT NULL,
    outcome          VARCHAR NOT NULL,
    run_id           VARCHAR NOT NULL
);
COMMENT ON TABLE article_checks IS 'The re-check flow''s state, written with each batch it loads: one row per re-check of a recent web article (flows/recheck.py), so that each checkpoint is checked once.';
COMMENT ON COLUMN article_checks.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN article_checks.checked_at IS 'UTC time of the re-check.';
COMMENT ON COLUMN article_checks.checkpoint_hours IS 'The checkpoint it was due at: hours after the article was first seen (articles.ingested_at).';
COMMENT ON COLUMN article_checks.outcome IS 'What the fetch gave: not modified (304), unchanged (same text), updated (a new version), or failed: <reason>.';
COMMENT ON COLUMN article_checks.run_id IS 'The re-check run (runs.run_id).';

CREATE VIEW article_changes AS
SELECT v.article_id, outlet_of(a.site_name, a.url) AS outlet, a.url,
       p.version AS from_version, v.version AS to_version,
       p.fetched_at AS previous_fetched_at, v.fetched_at AS detected_at,
       p.title AS old_title, v.title AS new_title, p.title IS DISTINCT FROM v.title AS title_changed,
       v.paragraphs_added, v.paragraphs_removed, v.word_count - p.word_count AS word_count_change,
       v.run_id
FROM article_versions v
JOIN article_versions p ON p.article_id = v.article_id AND p.version = v.version - 1
JOIN articles a ON a.article_id = v.article_id;
COMMENT ON VIEW article_changes IS 'Each change of an article''s text or headline: from which version to which, when it was detected (the fetch that saw the new text), old and new headline, and how many paragraphs were added and removed (the paragraphs themselves: article_versions.diff).';
