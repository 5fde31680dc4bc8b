-- newsflow warehouse, version 1. Table and column names are an API: analysts query them.
-- Times are UTC (TIMESTAMP without time zone).

CREATE TABLE runs (
    run_id          VARCHAR PRIMARY KEY,
    flow_run_id     VARCHAR,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL,
    inputs          VARCHAR[],
    files_seen      INTEGER DEFAULT 0,
    articles_loaded INTEGER DEFAULT 0,
    unchanged       INTEGER DEFAULT 0,
    failures        INTEGER DEFAULT 0,
    exact_copies    INTEGER DEFAULT 0,
    near_copies     INTEGER DEFAULT 0,
    stories_created INTEGER DEFAULT 0,
    stories_grown   INTEGER DEFAULT 0,
    lines_removed   INTEGER DEFAULT 0,
    batches         INTEGER DEFAULT 0,
    error           VARCHAR
);
COMMENT ON TABLE runs IS 'One row per ingest run: when, what came in, what was loaded, and how it ended.';
COMMENT ON COLUMN runs.run_id IS 'Id of the run, referenced by articles.run_id and the other tables.';
COMMENT ON COLUMN runs.flow_run_id IS 'Prefect flow-run id (open it in the Prefect UI); NULL outside Prefect.';
COMMENT ON COLUMN runs.started_at IS 'UTC start time.';
COMMENT ON COLUMN runs.finished_at IS 'UTC end time; NULL while running or if the process died.';
COMMENT ON COLUMN runs.status IS 'running, completed or failed.';
COMMENT ON COLUMN runs.inputs IS 'Paths or URLs given to the run.';
COMMENT ON COLUMN runs.files_seen IS 'Inputs found (files read, pages fetched).';
COMMENT ON COLUMN runs.articles_loaded IS 'New articles written by this run.';
COMMENT ON COLUMN runs.unchanged IS 'Inputs already in the warehouse with the same content, skipped.';
COMMENT ON COLUMN runs.failures IS 'Rows this run added to failures.';
COMMENT ON COLUMN runs.exact_copies IS 'Exact-copy links (duplicates.kind = exact) this run added.';
COMMENT ON COLUMN runs.near_copies IS 'Near-copy links (duplicates.kind = near) this run added.';
COMMENT ON COLUMN runs.stories_created IS 'Stories this run opened.';
COMMENT ON COLUMN runs.stories_grown IS 'Existing stories this run added articles to.';
COMMENT ON COLUMN runs.lines_removed IS 'Boilerplate lines removed from the loaded articles.';
COMMENT ON COLUMN runs.batches IS 'Batches committed (see batches).';
COMMENT ON COLUMN runs.error IS 'Why the run failed; NULL otherwise.';

CREATE TABLE batches (
    run_id       VARCHAR NOT NULL,
    batch_no     INTEGER NOT NULL,
    committed_at TIMESTAMP NOT NULL,
    articles     INTEGER NOT NULL,
    failures     INTEGER NOT NULL,
    PRIMARY KEY (run_id, batch_no)
);
COMMENT ON TABLE batches IS 'Commit markers: a batch is all or nothing, and its row is written in the same transaction as its data.';
COMMENT ON COLUMN batches.run_id IS 'The run (runs.run_id).';
COMMENT ON COLUMN batches.batch_no IS 'Batch number within the run, from 0.';
COMMENT ON COLUMN batches.committed_at IS 'UTC commit time.';
COMMENT ON COLUMN batches.articles IS 'Articles the batch wrote.';
COMMENT ON COLUMN batches.failures IS 'Failure rows the batch wrote.';

CREATE TABLE sources (
    source_id   VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    uri         VARCHAR NOT NULL,
    first_seen  TIMESTAMP NOT NULL,
    last_seen   TIMESTAMP NOT NULL,
    last_run_id VARCHAR
);
COMMENT ON TABLE sources IS 'Where articles come from: a folder or file given to ingest (later: a feed, a sitemap, a URL list).';
COMMENT ON COLUMN sources.source_id IS 'kind:location, e.g. files:/home/me/newsflow/seeds.';
COMMENT ON COLUMN sources.kind IS 'files (more kinds to come: feed, sitemap, urls).';
COMMENT ON COLUMN sources.uri IS 'The folder, file or URL as a URI.';
COMMENT ON COLUMN sources.first_seen IS 'UTC time of the first run that used it.';
COMMENT ON COLUMN sources.last_seen IS 'UTC time of the latest run that used it.';
COMMENT ON COLUMN sources.last_run_id IS 'The latest run that used it.';

CREATE TABLE articles (
    article_id          VARCHAR PRIMARY KEY,
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
COMMENT ON TABLE articles IS 'One row per article, with its cleaned text. Copies are kept: see duplicates.';
COMMENT ON COLUMN articles.article_id IS 'Stable id: the first 16 hex digits of sha256(source_uri). Re-ingesting keeps it.';
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

CREATE TABLE paragraphs (
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    text       VARCHAR NOT NULL,
    line       INTEGER NOT NULL,
    PRIMARY KEY (article_id, position)
);
COMMENT ON TABLE paragraphs IS 'The cleaned body, one row per paragraph, in order.';
COMMENT ON COLUMN paragraphs.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN paragraphs.position IS 'Paragraph number in the body, from 0.';
COMMENT ON COLUMN paragraphs.text IS 'Paragraph text.';
COMMENT ON COLUMN paragraphs.line IS 'Line number of the paragraph in the source text, from 0.';

CREATE TABLE removed_lines (
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    text       VARCHAR NOT NULL,
    rule       VARCHAR NOT NULL
);
COMMENT ON TABLE removed_lines IS 'Every source line that is not in the body, and the rule that took it out.';
COMMENT ON COLUMN removed_lines.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN removed_lines.position IS 'Line number in the source text, from 0 (same numbering as paragraphs.line).';
COMMENT ON COLUMN removed_lines.text IS 'The removed line as it was.';
COMMENT ON COLUMN removed_lines.rule IS 'Rule name from tasks/rules/boilerplate.toml, site_repeated (learned per site), image_caption, section_label, markdown_image, or meta:* when the line became metadata (title, site_name, date).';

CREATE TABLE duplicates (
    article_id        VARCHAR NOT NULL,
    duplicate_of      VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL,
    similarity        DOUBLE NOT NULL,
    shared_paragraphs INTEGER NOT NULL,
    run_id            VARCHAR NOT NULL,
    PRIMARY KEY (article_id, duplicate_of)
);
COMMENT ON TABLE duplicates IS 'Copy links between articles (both are kept). duplicate_of is the earlier one: published first, else ingested first.';
COMMENT ON COLUMN duplicates.article_id IS 'The later article.';
COMMENT ON COLUMN duplicates.duplicate_of IS 'The earlier article it copies.';
COMMENT ON COLUMN duplicates.kind IS 'exact (same normalised text) or near (edits of the same text: shared paragraphs).';
COMMENT ON COLUMN duplicates.similarity IS '1 for exact; for near, the larger of the two articles'' shares of words in shared paragraphs.';
COMMENT ON COLUMN duplicates.shared_paragraphs IS 'Paragraphs of article_id found in duplicate_of (detail in copied_paragraphs).';
COMMENT ON COLUMN duplicates.run_id IS 'The run that found the link.';

CREATE TABLE copied_paragraphs (
    article_id      VARCHAR NOT NULL,
    position        INTEGER NOT NULL,
    duplicate_of    VARCHAR NOT NULL,
    source_position INTEGER NOT NULL,
    similarity      DOUBLE NOT NULL
);
COMMENT ON TABLE copied_paragraphs IS 'For near copies: which paragraphs of the later article are found in the earlier one.';
COMMENT ON COLUMN copied_paragraphs.article_id IS 'The later article (duplicates.article_id).';
COMMENT ON COLUMN copied_paragraphs.position IS 'Its paragraph (paragraphs.position).';
COMMENT ON COLUMN copied_paragraphs.duplicate_of IS 'The earlier article (duplicates.duplicate_of).';
COMMENT ON COLUMN copied_paragraphs.source_position IS 'The best-matching paragraph of the earlier article.';
COMMENT ON COLUMN copied_paragraphs.similarity IS 'Share of the paragraph''s word 3-grams found in the earlier article.';

CREATE TABLE stories (
    story_id        VARCHAR PRIMARY KEY,
    title           VARCHAR,
    first_seen      TIMESTAMP,
    last_seen       TIMESTAMP,
    article_count   INTEGER NOT NULL,
    outlet_count    INTEGER NOT NULL,
    created_run_id  VARCHAR NOT NULL,
    updated_run_id  VARCHAR NOT NULL
);
COMMENT ON TABLE stories IS 'Real-world stories: articles about the same event. Grows as new articles join.';
COMMENT ON COLUMN stories.story_id IS 's_ + the article_id of the article that opened the story; never changes.';
COMMENT ON COLUMN stories.title IS 'Headline of the first titled article, else its first sentence.';
COMMENT ON COLUMN stories.first_seen IS 'Earliest published_at of its articles (earliest ingested_at if none is dated).';
COMMENT ON COLUMN stories.last_seen IS 'Latest published_at of its articles (latest ingested_at if none is dated).';
COMMENT ON COLUMN stories.article_count IS 'Articles in the story, copies included.';
COMMENT ON COLUMN stories.outlet_count IS 'Distinct outlets (site_name, else URL host) among them; articles with neither are not counted.';
COMMENT ON COLUMN stories.created_run_id IS 'The run that opened it.';
COMMENT ON COLUMN stories.updated_run_id IS 'The latest run that added to it.';

CREATE TABLE story_articles (
    story_id   VARCHAR NOT NULL,
    article_id VARCHAR PRIMARY KEY,
    similarity DOUBLE NOT NULL,
    run_id     VARCHAR NOT NULL
);
COMMENT ON TABLE story_articles IS 'Which story each article belongs to (one story per article).';
COMMENT ON COLUMN story_articles.story_id IS 'The story (stories.story_id).';
COMMENT ON COLUMN story_articles.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN story_articles.similarity IS 'Cosine similarity to the story when it joined (1 for the article that opened it).';
COMMENT ON COLUMN story_articles.run_id IS 'The run that assigned it.';

CREATE TABLE failures (
    run_id     VARCHAR NOT NULL,
    source_id  VARCHAR NOT NULL,
    source_uri VARCHAR NOT NULL,
    stage      VARCHAR NOT NULL,
    reason     VARCHAR NOT NULL,
    detail     VARCHAR,
    failed_at  TIMESTAMP NOT NULL
);
COMMENT ON TABLE failures IS 'Inputs that did not become articles, with the reason. A failure never stops the run.';
COMMENT ON COLUMN failures.run_id IS 'The run (runs.run_id).';
COMMENT ON COLUMN failures.source_id IS 'The source (sources.source_id).';
COMMENT ON COLUMN failures.source_uri IS 'The file or URL that failed.';
COMMENT ON COLUMN failures.stage IS 'discover, read, extract, clean or load.';
COMMENT ON COLUMN failures.reason IS 'Short reason, e.g. empty file, undecodable bytes, missing path, no content.';
COMMENT ON COLUMN failures.detail IS 'More detail (error message), if any.';
COMMENT ON COLUMN failures.failed_at IS 'UTC time.';

-- Internal indexes kept with the data so that each batch looks up, never rebuilds.
CREATE SCHEMA internals;
CREATE TABLE internals.fingerprints (hash BIGINT NOT NULL, article_id VARCHAR NOT NULL);
COMMENT ON TABLE internals.fingerprints IS 'Winnowed word 5-gram hashes per article: the near-copy candidate index.';
CREATE TABLE internals.story_terms (story_id VARCHAR NOT NULL, term VARCHAR NOT NULL, weight DOUBLE NOT NULL);
COMMENT ON TABLE internals.story_terms IS 'Story centroids (sum of article TF-IDF unit vectors, top terms).';
CREATE TABLE internals.term_df (term VARCHAR NOT NULL, df BIGINT NOT NULL);
COMMENT ON TABLE internals.term_df IS 'Document frequency of story terms, for IDF.';
CREATE TABLE internals.site_lines (site VARCHAR NOT NULL, line_key BIGINT NOT NULL, articles BIGINT NOT NULL);
COMMENT ON TABLE internals.site_lines IS 'How many articles of a site contain each short line: learned boilerplate.';
