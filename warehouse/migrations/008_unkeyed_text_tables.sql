-- newsflow warehouse, version 8: the tables holding text (articles, paragraphs, raw_pages) lose their
-- PRIMARY KEY. DuckDB rewrites a keyed table's last row group (up to 122,880 rows, bodies included)
-- at every checkpoint, so each batch's commit cost grew with the warehouse (0.4 s for articles at
-- 32,000 rows, against 0.02 s for the same table unkeyed; duckdb/duckdb#24848). The keys stay
-- unique, as on a DuckLake (which has no constraints): the loader skips known articles and
-- content-addressed pages (anti-joins), in the batch's one transaction, with one writer at a time.

CREATE TABLE articles_unkeyed (
    article_id          VARCHAR NOT NULL,
    source_id           VARCHAR NOT NULL,
    source_uri          VARCHAR NOT NULL,
    url                 VARCHAR,
    title               VARCHAR,
    site_name           VARCHAR,
    author              VARCHAR,
    published_at        TIMESTAMP,
    published_precision VARCHAR,
    language            VARCHAR,
    image_url           VARCHAR,
    section             VARCHAR,
    body                VARCHAR NOT NULL,
    word_count          INTEGER NOT NULL,
    content_hash        BIGINT NOT NULL,
    raw_sha256          VARCHAR NOT NULL,
    ingested_at         TIMESTAMP NOT NULL,
    run_id              VARCHAR NOT NULL
);
INSERT INTO articles_unkeyed SELECT article_id, source_id, source_uri, url, title, site_name, author, published_at, published_precision, language, image_url, section, body, word_count, content_hash, raw_sha256, ingested_at, run_id FROM articles;
DROP TABLE articles;
ALTER TABLE articles_unkeyed RENAME TO articles;
COMMENT ON TABLE articles IS 'One row per article, with its cleaned text. Copies are kept: see duplicates.';
COMMENT ON COLUMN articles.article_id IS 'Stable id: the first 16 hex digits of sha256(source_uri). Re-ingesting keeps it. Unique (the loader skips the articles it holds).';
COMMENT ON COLUMN articles.source_id IS 'The source it came from (sources.source_id).';
COMMENT ON COLUMN articles.source_uri IS 'The file path (file:// URI) or fetched URL it was read from.';
COMMENT ON COLUMN articles.url IS 'Canonical URL of the article if known (HTML canonical link or og:url).';
COMMENT ON COLUMN articles.title IS 'Headline; NULL when the source has none.';
COMMENT ON COLUMN articles.site_name IS 'Outlet name as printed, e.g. Le Journal de Montréal.';
COMMENT ON COLUMN articles.author IS 'Byline, if known.';
COMMENT ON COLUMN articles.published_at IS 'Publication time (UTC), truncated to published_precision.';
COMMENT ON COLUMN articles.published_precision IS 'How much of published_at is known: year, month, day or second.';
COMMENT ON COLUMN articles.language IS 'ISO 639-1 code (declared by the page, else guessed from stop words).';
COMMENT ON COLUMN articles.image_url IS 'Lead image URL.';
COMMENT ON COLUMN articles.section IS 'Section label of the outlet (International, Politique...).';
COMMENT ON COLUMN articles.body IS 'Cleaned text: the paragraphs joined by blank lines, boilerplate removed.';
COMMENT ON COLUMN articles.word_count IS 'Words in body.';
COMMENT ON COLUMN articles.content_hash IS 'Hash of the normalised body; equal for exact copies.';
COMMENT ON COLUMN articles.raw_sha256 IS 'sha256 of the raw input bytes: an unchanged input is skipped on re-ingest.';
COMMENT ON COLUMN articles.ingested_at IS 'UTC time it was loaded.';
COMMENT ON COLUMN articles.run_id IS 'The run that loaded it (runs.run_id).';

CREATE TABLE paragraphs_unkeyed (
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    text       VARCHAR NOT NULL,
    line       INTEGER NOT NULL
);
INSERT INTO paragraphs_unkeyed SELECT article_id, position, text, line FROM paragraphs;
DROP TABLE paragraphs;
ALTER TABLE paragraphs_unkeyed RENAME TO paragraphs;
COMMENT ON TABLE paragraphs IS 'The cleaned body, one row per paragraph, in order.';
COMMENT ON COLUMN paragraphs.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN paragraphs.position IS 'Paragraph number in the body, from 0 (article_id, position is unique).';
COMMENT ON COLUMN paragraphs.text IS 'Paragraph text.';
COMMENT ON COLUMN paragraphs.line IS 'Line number of the paragraph in the source text, from 0.';

CREATE TABLE raw_pages_unkeyed (
    sha256       VARCHAR NOT NULL,
    content      BLOB NOT NULL,
    size         BIGINT NOT NULL,
    content_type VARCHAR,
    charset      VARCHAR,
    url          VARCHAR,
    stored_at    TIMESTAMP NOT NULL
);
INSERT INTO raw_pages_unkeyed SELECT sha256, content, size, content_type, charset, url, stored_at FROM raw_pages;
DROP TABLE raw_pages;
ALTER TABLE raw_pages_unkeyed RENAME TO raw_pages;
COMMENT ON TABLE raw_pages IS 'Raw HTML of fetched articles, zlib-compressed and content-addressed, so pages can be re-extracted (newsflow reextract).';
COMMENT ON COLUMN raw_pages.sha256 IS 'sha256 of the uncompressed bytes (articles.raw_sha256).';
COMMENT ON COLUMN raw_pages.content IS 'zlib-compressed bytes (Python: zlib.decompress).';
COMMENT ON COLUMN raw_pages.size IS 'Uncompressed size in bytes.';
COMMENT ON COLUMN raw_pages.content_type IS 'Media type it was served with.';
COMMENT ON COLUMN raw_pages.charset IS 'Charset declared in the HTTP header, if any (decoding needs it).';
COMMENT ON COLUMN raw_pages.url IS 'Final URL it was fetched from (first time).';
COMMENT ON COLUMN raw_pages.stored_at IS 'UTC time it was stored.';
