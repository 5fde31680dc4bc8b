-- newsflow warehouse, version 13: raw_pages keeps the bytes of file inputs too (text and HTML
-- files, written with their article's batch), so that reextract can read every stored article
-- again. No data change: only what the table and its columns say.

COMMENT ON TABLE raw_pages IS 'Raw bytes of loaded articles: the HTML of fetched pages and the bytes of file inputs (text or HTML, .gz ones gunzipped), zlib-compressed and content-addressed, so they can be re-extracted (newsflow reextract).';
COMMENT ON COLUMN raw_pages.sha256 IS 'sha256 of the uncompressed bytes (articles.raw_sha256).';
COMMENT ON COLUMN raw_pages.content_type IS 'Media type it was served with; for a file input text/html or text/plain (by its name: how reextract reads it).';
COMMENT ON COLUMN raw_pages.charset IS 'Charset declared in the HTTP header, if any (decoding needs it); NULL for file inputs.';
COMMENT ON COLUMN raw_pages.url IS 'Final URL it was fetched from (first time); for a file input its file:// URI.';
