-- newsflow warehouse, version 12: the facts analysts cite, each with where it was found.
-- An undated article keeps published_at NULL: the views, the story spans and the export partitions
-- say "undated" (a NULL day) instead of the ingest time, which lives in ingested_at only.

ALTER TABLE articles ADD COLUMN title_tag VARCHAR;
ALTER TABLE articles ADD COLUMN published_offset INTEGER;
ALTER TABLE articles ADD COLUMN updated_at TIMESTAMP;
COMMENT ON COLUMN articles.title IS 'Headline as the outlet printed it, without the outlet''s name as prefix or suffix; NULL when the source has none. Where it came from: metadata_sources (field ''title'').';
COMMENT ON COLUMN articles.title_tag IS 'The page''s <title> as written (often headline plus outlet name); NULL for text inputs.';
COMMENT ON COLUMN articles.site_name IS 'The outlet''s own name (og:site_name, JSON-LD publisher, feed title or the source''s name in sources.toml); NULL when none is given (outlet_of() then uses the URL''s host).';
COMMENT ON COLUMN articles.author IS 'The byline: the names of article_authors joined with ", " in order (kept for compatibility; article_authors tells people from outlets).';
COMMENT ON COLUMN articles.published_at IS 'Publication time as the page (or its feed, sitemap or URL) declares it: in UTC when published_offset is set, else as written; NULL when undated, never the ingest time. Only the part given by published_precision is known; metadata_sources says where it was found.';
COMMENT ON COLUMN articles.published_precision IS 'How much of published_at is known: year, month, day, minute or second. NULL when undated.';
COMMENT ON COLUMN articles.published_offset IS 'The UTC offset the publication time was declared with, in minutes east of UTC (120 for +02:00); published_at is then in UTC. NULL when none was declared: a day, or a time stored as written (its zone unknown).';
COMMENT ON COLUMN articles.updated_at IS 'Last modification time the page declares (UTC), kept apart from published_at; NULL when none.';
COMMENT ON COLUMN articles.ingested_at IS 'UTC time it was loaded. Never used as a publication date.';

CREATE TABLE article_authors (
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    name       VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,
    source     VARCHAR NOT NULL
);
COMMENT ON TABLE article_authors IS 'Who signed each article, one row per name in byline order: people, and outlets or agencies named as author (kind).';
COMMENT ON COLUMN article_authors.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN article_authors.position IS '0-based order in the byline.';
COMMENT ON COLUMN article_authors.name IS 'The name as printed, without "By", roles or dates.';
COMMENT ON COLUMN article_authors.kind IS 'person, or organization (an outlet or agency named as author: AFP, Reuters, the site itself).';
COMMENT ON COLUMN article_authors.source IS 'Where the name was found, e.g. json-ld, meta:author, rel=author, byline, text:author.';

CREATE TABLE metadata_sources (
    article_id VARCHAR NOT NULL,
    field      VARCHAR NOT NULL,
    source     VARCHAR NOT NULL
);
COMMENT ON TABLE metadata_sources IS 'Where each metadata value of an article came from, so analysts can judge it: one row per article and field that has a value.';
COMMENT ON COLUMN metadata_sources.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN metadata_sources.field IS 'The articles column: title, site_name, authors, published_at, updated_at, language, url.';
COMMENT ON COLUMN metadata_sources.source IS 'The evidence, e.g. og:title, json-ld:headline, meta:article:published_time, url (a date in the URL path), feed, sitemap, listing (the feed or sitemap entry''s title), site (the name its site''s other pages declare), sources.toml, text:date.';

DROP VIEW articles_per_day;
CREATE VIEW articles_per_day AS
SELECT CAST(published_at AS DATE) AS day, outlet_of(site_name, url) AS outlet, count(*) AS articles
FROM articles GROUP BY ALL;
COMMENT ON VIEW articles_per_day IS 'Articles per publication day and outlet; day is NULL for the undated ones (never their ingestion day).';

DROP VIEW story_overview;
CREATE VIEW story_overview AS
WITH firsts AS (
    SELECT sa.story_id, outlet_of(a.site_name, a.url) AS outlet, min(a.published_at) AS first_at
    FROM story_articles sa JOIN articles a USING (article_id)
    GROUP BY ALL
)
SELECT s.story_id, s.title, s.article_count, s.outlet_count, s.first_seen, s.last_seen,
       list(f.outlet ORDER BY f.first_at NULLS LAST, f.outlet) FILTER (WHERE f.outlet IS NOT NULL) AS outlets_in_order
FROM stories s LEFT JOIN firsts f USING (story_id)
GROUP BY ALL;
COMMENT ON VIEW story_overview IS 'Stories with article and outlet counts, first/last publication, and the outlets in order of first publication (undated outlets last).';

COMMENT ON COLUMN stories.first_seen IS 'Earliest published_at of its articles; NULL when none is dated.';
COMMENT ON COLUMN stories.last_seen IS 'Latest published_at of its articles; NULL when none is dated.';
