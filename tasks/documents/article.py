"""A document's way to an Article, the same for a file and a fetched page: read or extract it,
clean it, refuse it when nothing is left, attach its features. This is what the extraction
workers run, one document at a time; any exception about the document is its Failure, named
after the stage that raised it (tasks/isolation.py)."""

from __future__ import annotations

from tasks.documents.clean import clean_document
from tasks.documents.extract import extract_html
from tasks.documents.read import InputFile, StoredFile, document_from_bytes, is_html_name, read_bytes
from tasks.features import with_features
from tasks.isolation import failure_or, stage
from tasks.models import Article, Failure, RawDocument, RawPage, WebPage, compress_raw
from tasks.web.urls import canonical_url, is_web_url, same_site, strip_userinfo

NO_CONTENT = "no content after cleaning"
# Modules the workers' fork server imports beside this one (tasks/sandbox.py): caches each worker
# would fill on its own first pages.
WORKER_PRELOAD = ("tasks.documents.worker_warmup",)


def no_content(source_id: str, source_uri: str, detail: str = "every line was boilerplate or metadata") -> Failure:
    """The failure of a document that cleaning (or the site's learned boilerplate) left empty."""
    return Failure(source_id, source_uri, "clean", NO_CONTENT, detail)


def finish_article(raw: RawDocument, uri: str) -> Article | Failure:
    """Clean a read or extracted document into an Article with its features, or its Failure."""
    with stage("clean", uri):
        article = clean_document(raw)
    if not article.paragraphs:
        return no_content(raw.source_id, uri)
    with stage("fingerprint", uri):
        return with_features(article)


def article_from_file(item: InputFile) -> Article | Failure:
    """Read, extract and clean one file."""
    return failure_or(_article_from_file, item.source_id, item.uri, item, default_stage="read")


def _article_from_file(item: InputFile) -> Article | Failure:
    data = read_bytes(item)
    if isinstance(data, Failure):
        return data
    raw = document_from_bytes(data, item.source_id, item.uri, item.path)
    article = raw if isinstance(raw, Failure) else finish_article(raw, item.uri)
    if isinstance(article, Article):
        # Kept (compressed here, in the worker: the bytes are read once) so that reextract can
        # read the file again when it is gone or changed; written with the article's batch.
        article.raw = file_raw(data, raw.raw_sha256, item.uri, item.path)
    return article


def file_raw(data: bytes, sha256: str, uri: str, name: str) -> RawPage:
    """A file's bytes as a raw_pages row (content-addressed, like a fetched page's)."""
    return RawPage(sha256, compress_raw(data), len(data), "text/html" if is_html_name(name) else "text/plain",
                   None, uri)


def article_from_stored_file(stored: StoredFile) -> Article | Failure:
    """Read a file input again from its kept bytes (text or HTML by its name), for reextract."""
    return failure_or(_article_from_stored_file, stored.source_id, stored.uri, stored, default_stage="read")


def _article_from_stored_file(stored: StoredFile) -> Article | Failure:
    raw = document_from_bytes(stored.data, stored.source_id, stored.uri, stored.uri)
    return raw if isinstance(raw, Failure) else finish_article(raw, stored.uri)


def article_from_page(page: WebPage) -> Article | Failure:
    """Extract and clean one fetched page. The article's URI is the page's canonical URL
    (<link rel=canonical> / og:url) when it points into the same site."""
    return failure_or(_article_from_page, page.source_id, page.url, page, default_stage="page")


def article_from_archived_page(page: WebPage) -> Article | Failure:
    """A page read from a WARC: extracted like a fetched page, its raw bytes compressed here, in
    the worker (the reader would otherwise spend most of its time in zlib), for raw_pages."""
    article = article_from_page(page)
    if isinstance(article, Article):
        article.raw = RawPage(page.sha256, compress_raw(page.body), len(page.body), page.content_type,
                              page.charset, page.final_url)
    return article


def _article_from_page(page: WebPage) -> Article | Failure:
    raw = extract_html(page.body, page.source_id, page.url, page.sha256, url=page.final_url, charset=page.charset,
                       hints=page.hints)
    if isinstance(raw, Failure):
        return raw
    with stage("page", page.url):
        if raw.url and raw.url != page.url and is_web_url(raw.url) and same_site(raw.url, page.final_url):
            canonical = canonical_url(raw.url)
            if canonical.split("://", 1)[1].strip("/").count("/") >= 1:   # not a bare home page
                raw.source_uri = canonical
        # The page's own og:url may carry credentials too: never stored.
        raw.url = strip_userinfo(raw.url) if raw.url and is_web_url(raw.url) else page.final_url
    return finish_article(raw, page.url)
