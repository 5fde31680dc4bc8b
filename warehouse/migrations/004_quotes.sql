-- newsflow warehouse, version 4: quotations (filled by the enrichment stage, not by ingest).

CREATE TABLE quotes (
    quote_id   VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    text       VARCHAR NOT NULL,
    speaker    VARCHAR,
    run_id     VARCHAR NOT NULL,
    PRIMARY KEY (article_id, position, start)
);
COMMENT ON TABLE quotes IS 'Quotations in article bodies and who said them; one row per report, reports of one quote share quote_id.';
COMMENT ON COLUMN quotes.quote_id IS 'The quote: q_ + article_id and position of its first report; equal for the same words reported by several outlets.';
COMMENT ON COLUMN quotes.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN quotes.position IS 'Paragraph (paragraphs.position).';
COMMENT ON COLUMN quotes.start IS 'Character offset of the opening quotation mark in the paragraph.';
COMMENT ON COLUMN quotes.text IS 'The quoted words, without the quotation marks.';
COMMENT ON COLUMN quotes.speaker IS 'Who said it (from "a déclaré X", "selon X", "X said", a pronoun resolved to the last named speaker); NULL when unknown.';
COMMENT ON COLUMN quotes.run_id IS 'The enrichment run that extracted it.';

CREATE TABLE internals.enriched (article_id VARCHAR PRIMARY KEY, enriched_at TIMESTAMP NOT NULL);
COMMENT ON TABLE internals.enriched IS 'Articles the enrichment stage has processed (quotes extracted).';

CREATE VIEW quotes_per_speaker AS
SELECT speaker, count(DISTINCT quote_id) AS quotes, count(*) AS reports, count(DISTINCT article_id) AS articles
FROM quotes WHERE speaker IS NOT NULL GROUP BY speaker;
COMMENT ON VIEW quotes_per_speaker IS 'Per speaker: distinct quotes, how many times they were reported, in how many articles.';
