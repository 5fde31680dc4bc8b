-- newsflow warehouse, version 2: what was fetched from the web, the raw pages, robots.txt.

CREATE TABLE pages (
    url             VARCHAR PRIMARY KEY,
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

CREATE TABLE raw_pages (
    sha256       VARCHAR PRIMARY KEY,
    content      BLOB NOT NULL,
    size         BIGINT NOT NULL,
    content_type VARCHAR,
    charset      VARCHAR,
    url          VARCHAR,
    stored_at    TIMESTAMP NOT NULL
);
COMMENT ON TABLE raw_pages IS 'Raw HTML of fetched articles, zlib-compressed and content-addressed, so pages can be re-extracted (newsflow reextract).';
COMMENT ON COLUMN raw_pages.sha256 IS 'sha256 of the uncompressed bytes (articles.raw_sha256).';
COMMENT ON COLUMN raw_pages.content IS 'zlib-compressed bytes (Python: zlib.decompress).';
COMMENT ON COLUMN raw_pages.size IS 'Uncompressed size in bytes.';
COMMENT ON COLUMN raw_pages.content_type IS 'Media type it was served with.';
COMMENT ON COLUMN raw_pages.charset IS 'Charset declared in the HTTP header, if any (decoding needs it).';
COMMENT ON COLUMN raw_pages.url IS 'Final URL it was fetched from (first time).';
COMMENT ON COLUMN raw_pages.stored_at IS 'UTC time it was stored.';

CREATE TABLE internals.robots (
    origin     VARCHAR PRIMARY KEY,
    fetched_at TIMESTAMP NOT NULL,
    status     INTEGER,
    body       VARCHAR,
    rule       VARCHAR NOT NULL,
    detail     VARCHAR
);
COMMENT ON TABLE internals.robots IS 'robots.txt per origin (cached 24 h): parse the body, or a blanket allow (4xx) / deny (5xx, unreachable).';

COMMENT ON TABLE sources IS 'Where articles come from: a folder or file, a feed, a sitemap, a URL list, or URLs given one by one.';
COMMENT ON COLUMN sources.source_id IS 'kind:location, e.g. files:/home/me/newsflow/seeds, feed:https://example.org/rss.xml, url:https://example.org/a.html.';
COMMENT ON COLUMN sources.kind IS 'files, feed, sitemap, urls (a list file) or url.';
COMMENT ON COLUMN failures.stage IS 'discover, fetch, read, extract, clean or load.';
COMMENT ON COLUMN failures.reason IS 'Short reason, e.g. robots, status, timeout, too large, blocked address, not html, no content, empty file.';

ALTER TABLE runs ADD COLUMN pages_fetched INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN not_modified INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN requests INTEGER DEFAULT 0;
COMMENT ON COLUMN runs.pages_fetched IS 'Article pages fetched with a body (200).';
COMMENT ON COLUMN runs.not_modified IS 'Article pages answered 304 Not Modified to a conditional request.';
COMMENT ON COLUMN runs.requests IS 'HTTP requests sent (robots.txt, feeds, sitemaps, pages, retries and redirects included).';
