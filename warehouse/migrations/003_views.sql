-- newsflow warehouse, version 3: paragraph edits of copies, and views for the common questions.

ALTER TABLE copied_paragraphs ADD COLUMN edits VARCHAR;
COMMENT ON COLUMN copied_paragraphs.edits IS 'Word-level edits from the original paragraph to the copy: [-removed-] {+added+}, … for unchanged runs; empty when identical.';

-- The outlet of an article: its site name, else its URL''s host.
CREATE MACRO outlet_of(site_name, url) AS
    coalesce(site_name, nullif(split_part(split_part(url, '://', 2), '/', 1), ''));

CREATE VIEW passage_reuse AS
SELECT c.duplicate_of AS original_id, outlet_of(o.site_name, o.url) AS original_outlet,
       o.published_at AS original_published,
       c.article_id AS copy_id, outlet_of(a.site_name, a.url) AS copy_outlet, a.published_at AS copy_published,
       d.kind, d.similarity AS article_similarity,
       c.source_position AS original_position, c.position AS copy_position, c.similarity,
       op.text AS original_text, p.text AS copy_text, coalesce(c.edits, '') AS edits
FROM copied_paragraphs c
JOIN duplicates d ON d.article_id = c.article_id AND d.duplicate_of = c.duplicate_of
JOIN articles a ON a.article_id = c.article_id
JOIN articles o ON o.article_id = c.duplicate_of
JOIN paragraphs p ON p.article_id = c.article_id AND p.position = c.position
JOIN paragraphs op ON op.article_id = c.duplicate_of AND op.position = c.source_position;
COMMENT ON VIEW passage_reuse IS 'Who copied whom: each shared paragraph of a copy link, the original (published first) and the copy side by side, with the edits.';

CREATE VIEW story_overview AS
WITH firsts AS (
    SELECT sa.story_id, outlet_of(a.site_name, a.url) AS outlet,
           min(coalesce(a.published_at, a.ingested_at)) AS first_at
    FROM story_articles sa JOIN articles a USING (article_id)
    GROUP BY ALL
)
SELECT s.story_id, s.title, s.article_count, s.outlet_count, s.first_seen, s.last_seen,
       list(f.outlet ORDER BY f.first_at, f.outlet) FILTER (WHERE f.outlet IS NOT NULL) AS outlets_in_order
FROM stories s LEFT JOIN firsts f USING (story_id)
GROUP BY ALL;
COMMENT ON VIEW story_overview IS 'Stories with article and outlet counts, first/last seen, and the outlets in order of first publication.';

CREATE VIEW outlet_originality AS
WITH per_paragraph AS (
    SELECT outlet_of(a.site_name, a.url) AS outlet, p.article_id, p.position,
           EXISTS (SELECT 1 FROM copied_paragraphs c WHERE c.article_id = p.article_id AND c.position = p.position) AS copied
    FROM paragraphs p JOIN articles a USING (article_id)
)
SELECT outlet, count(DISTINCT article_id) AS articles, count(*) AS paragraphs,
       count(*) FILTER (WHERE copied) AS copied_paragraphs,
       round(1 - count(*) FILTER (WHERE copied) / count(*), 3) AS original_share
FROM per_paragraph WHERE outlet IS NOT NULL
GROUP BY outlet;
COMMENT ON VIEW outlet_originality IS 'Per outlet: paragraphs it published, how many were copied from an earlier article, and the share of original ones.';

CREATE VIEW articles_per_day AS
SELECT CAST(coalesce(published_at, ingested_at) AS DATE) AS day, outlet_of(site_name, url) AS outlet, count(*) AS articles
FROM articles GROUP BY ALL;
COMMENT ON VIEW articles_per_day IS 'Articles per publication day (ingestion day when undated) and outlet.';
