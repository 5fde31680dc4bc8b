-- newsflow warehouse, version 9: the other tables that grow with every article (story_articles,
-- duplicates, pages, quotes, internals.enriched) lose their PRIMARY KEY too, for the reason of
-- version 8: at 100,000 articles one row added to the keyed story_articles made the checkpoint that
-- ends each batch cost 0.45 s. The keys stay unique: the loader and the enrichment stage write rows
-- only for articles (or URLs) they have not written before, in one transaction, one writer at a time.

CREATE TABLE story_articles_unkeyed (
    story_id   VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    similarity DOUBLE NOT NULL,
    run_id     VARCHAR NOT NULL
);
INSERT INTO story_articles_unkeyed SELECT story_id, article_id, similarity, run_id FROM story_articles;
DROP TABLE story_articles;
ALTER TABLE story_articles_unkeyed RENAME TO story_articles;
COMMENT ON TABLE story_articles IS 'Which story each article belongs to (one story per article).';
COMMENT ON COLUMN story_articles.story_id IS 'The story (stories.story_id).';
COMMENT ON COLUMN story_articles.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN story_articles.similarity IS 'Cosine similarity to the story when it joined (1 for the article that opened it).';
COMMENT ON COLUMN story_articles.run_id IS 'The run that assigned it.';

CREATE TABLE duplicates_unkeyed (
    article_id        VARCHAR NOT NULL,
    duplicate_of      VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL,
    similarity        DOUBLE NOT NULL,
    shared_paragraphs INTEGER NOT NULL,
    run_id            VARCHAR NOT NULL
);
INSERT INTO duplicates_unkeyed SELECT article_id, duplicate_of, kind, similarity, shared_paragraphs, run_id FROM duplicates;
DROP TABLE duplicates;
ALTER TABLE duplicates_unkeyed RENAME TO duplicates;
COMMENT ON TABLE duplicates IS 'Copy links between articles (both are kept). duplicate_of is the earlier one: published first, else ingested first.';
COMMENT ON COLUMN duplicates.article_id IS 'The later article.';
COMMENT ON COLUMN duplicates.duplicate_of IS 'The earlier article it copies.';
COMMENT ON COLUMN duplicates.kind IS 'exact (same normalised text) or near (edits of the same text: shared paragraphs).';
COMMENT ON COLUMN duplicates.similarity IS '1 for exact; for near, the larger of the two articles'' shares of words in shared paragraphs.';
COMMENT ON COLUMN duplicates.shared_paragraphs IS 'Paragraphs of article_id found in duplicate_of (detail in copied_paragraphs).';
COMMENT ON COLUMN duplicates.run_id IS 'The run that found the link.';

CREATE TABLE pages_unkeyed (
    url             VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,
    source_id       VARCHAR NOT NULL,
    final_url       VARCHAR,
    status          INTEGER,
    content_type    VARCHAR,
    etag            VARCHAR,
    last_modified   VARCHAR,
    raw_sha256      VARCHAR,
    article_id      VARCHAR,
    outcome         VARCHAR NOT NULL,
    first_fetched   TIMESTAMP NOT NULL,
    last_fetched    TIMESTAMP NOT NULL,
    fetches         INTEGER NOT NULL,
    run_id          VARCHAR NOT NULL
);
INSERT INTO pages_unkeyed SELECT url, kind, source_id, final_url, status, content_type, etag, last_modified, raw_sha256, article_id, outcome, first_fetched, last_fetched, fetches, run_id FROM pages;
DROP TABLE pages;
ALTER TABLE pages_unkeyed RENAME TO pages;
COMMENT ON TABLE pages IS 'Every URL fetched (articles, feeds, sitemaps), its latest outcome and the validators the next run sends (If-None-Match / If-Modified-Since).';
COMMENT ON COLUMN pages.url IS 'Canonical URL as requested (courlan: tracking parameters, fragment, host case and default port removed).';
COMMENT ON COLUMN pages.kind IS 'article, feed or sitemap.';
COMMENT ON COLUMN pages.source_id IS 'The source that listed it (sources.source_id).';
COMMENT ON COLUMN pages.final_url IS 'URL after redirects.';
COMMENT ON COLUMN pages.status IS 'HTTP status of the latest fetch (NULL when no answer).';
COMMENT ON COLUMN pages.content_type IS 'Media type of the latest answer.';
COMMENT ON COLUMN pages.etag IS 'ETag of the latest 200 answer.';
COMMENT ON COLUMN pages.last_modified IS 'Last-Modified of the latest 200 answer.';
COMMENT ON COLUMN pages.raw_sha256 IS 'sha256 of the latest body (raw_pages.sha256).';
COMMENT ON COLUMN pages.article_id IS 'The article it gave (articles.article_id), if any; several URLs may give one article (canonical link).';
COMMENT ON COLUMN pages.outcome IS 'loaded, unchanged, not modified (304), listed (a feed/sitemap read), or failed: <reason> (detail in failures).';
COMMENT ON COLUMN pages.first_fetched IS 'UTC time of the first fetch.';
COMMENT ON COLUMN pages.last_fetched IS 'UTC time of the latest fetch.';
COMMENT ON COLUMN pages.fetches IS 'How many times it was fetched.';
COMMENT ON COLUMN pages.run_id IS 'The latest run that fetched it.';

CREATE TABLE quotes_unkeyed (
    quote_id   VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    text       VARCHAR NOT NULL,
    speaker    VARCHAR,
    run_id     VARCHAR NOT NULL,
    speaker_entity_id VARCHAR
);
INSERT INTO quotes_unkeyed SELECT quote_id, article_id, position, start, text, speaker, run_id, speaker_entity_id FROM quotes;
DROP TABLE quotes;
ALTER TABLE quotes_unkeyed RENAME TO quotes;
COMMENT ON TABLE quotes IS 'Quotations in article bodies and who said them; one row per report, reports of one quote share quote_id.';
COMMENT ON COLUMN quotes.quote_id IS 'The quote: q_ + article_id and position of its first report; equal for the same words reported by several outlets.';
COMMENT ON COLUMN quotes.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN quotes.position IS 'Paragraph (paragraphs.position).';
COMMENT ON COLUMN quotes.start IS 'Character offset of the opening quotation mark in the paragraph.';
COMMENT ON COLUMN quotes.text IS 'The quoted words, without the quotation marks.';
COMMENT ON COLUMN quotes.speaker IS 'Who said it (from "a déclaré X", "selon X", "X said", a pronoun resolved to the last named speaker); NULL when unknown.';
COMMENT ON COLUMN quotes.run_id IS 'The enrichment run that extracted it.';
COMMENT ON COLUMN quotes.speaker_entity_id IS 'The speaker as an entity (entities.entity_id): the entity the article mentions under that name (Kim → Kim Jong Un), else the entity with that name; NULL when the speaker is unknown or matches no entity.';

CREATE TABLE internals.enriched_unkeyed (article_id VARCHAR NOT NULL, enriched_at TIMESTAMP NOT NULL);
INSERT INTO internals.enriched_unkeyed SELECT article_id, enriched_at FROM internals.enriched;
DROP TABLE internals.enriched;
ALTER TABLE internals.enriched_unkeyed RENAME TO enriched;
COMMENT ON TABLE internals.enriched IS 'Articles the enrichment stage has processed (quotes extracted).';
