"""Re-extract stored raw pages with the current extraction and cleaning rules.

For each article whose raw bytes are in raw_pages (a fetched page's HTML, or a file input's text
or HTML), extract or read and clean it again (in the sandbox);
where the paragraphs changed, replace the article's text, paragraphs, removed lines and
fingerprints, and recompute its copy links, in one transaction per batch. The sites' learned
boilerplate is removed as the loader removes it. Story membership is
kept (rule changes move boilerplate, not the subject), and the term and site-line statistics
are left as they are (they are counts over what was seen).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import duckdb

from tasks.documents.article import article_from_page, article_from_stored_file
from tasks.documents.clean import remove_site_boilerplate
from tasks.documents.read import StoredFile
from tasks.models import Article, WebPage
from tasks.sandbox import SandboxConfig, run_isolated
from warehouse.db import retry_conflicts
from warehouse.load.articles import METADATA_COLUMNS
from warehouse.load.clean import learned_boilerplate
from warehouse.load.known import stored_paragraphs
from warehouse.load.replace import metadata_of, replace_articles
from warehouse.sql import keys


@dataclass
class ReextractReport:
    checked: int = 0
    updated: int = 0
    failed: int = 0
    links: int = 0
    files: int = 0   # of the checked articles, the file inputs (the others are web pages)


# A file input's article (tasks/documents/read.py source_id_for_path): read again as a file, not as a page.
_FILE_INPUT = "a.source_id LIKE 'files:%'"


def reextract(con: duckdb.DuckDBPyConnection, batch_size: int = 200, sandbox: SandboxConfig | None = None) -> ReextractReport:
    """Re-extract every article whose raw bytes are stored: web pages through the page path, file
    inputs through the file path (text or HTML by the file's name), batch by batch."""
    report = ReextractReport()
    rows = con.execute(f"""
        SELECT a.article_id, a.source_id, coalesce(p.url, a.source_uri), coalesce(r.url, a.url), r.charset, r.sha256
        FROM articles a JOIN raw_pages r ON r.sha256 = a.raw_sha256
        LEFT JOIN pages p ON p.article_id = a.article_id AND p.raw_sha256 = a.raw_sha256
        WHERE NOT {_FILE_INPUT}
        QUALIFY row_number() OVER (PARTITION BY a.article_id ORDER BY p.url) = 1
        ORDER BY a.article_id""").fetchall()
    for i in range(0, len(rows), batch_size):
        batch = rows[i : i + batch_size]
        contents = _contents(con, [row[-1] for row in batch])
        pages = [WebPage(source_id, url, final_url or url, zlib.decompress(contents[sha]), charset, sha)
                 for _, source_id, url, final_url, charset, sha in batch]
        _replace_changed(con, [row[0] for row in batch], run_isolated(article_from_page, pages, sandbox), report)
    files = con.execute(f"""
        SELECT a.article_id, a.source_id, a.source_uri, r.sha256 FROM articles a JOIN raw_pages r ON r.sha256 = a.raw_sha256
        WHERE {_FILE_INPUT} ORDER BY a.article_id""").fetchall()
    for i in range(0, len(files), batch_size):
        batch = files[i : i + batch_size]
        contents = _contents(con, [row[-1] for row in batch])
        stored = [StoredFile(source_id, uri, zlib.decompress(contents[sha])) for _, source_id, uri, sha in batch]
        _replace_changed(con, [row[0] for row in batch], run_isolated(article_from_stored_file, stored, sandbox), report)
        report.files += len(batch)
    return report


def _contents(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, bytes]:
    """The compressed raw bytes of these sha256s (one batch's: the table holds every page ever kept)."""
    return dict(con.execute(f"SELECT sha256, content FROM raw_pages WHERE sha256 IN {keys(con, shas)}").fetchall())


def _replace_changed(con: duckdb.DuckDBPyConnection, article_ids: list[str], results: list,
                     report: ReextractReport) -> None:
    """Replace the articles whose re-extraction (`results`, in `article_ids` order) changed their
    paragraphs or metadata, in one transaction."""
    stored = stored_paragraphs(con, article_ids)
    metadata = stored_metadata(con, article_ids)
    outside = stored_outside_sources(con, article_ids)
    # The sites' learned boilerplate, as the loader removed it: re-extraction must not bring it back.
    learned = learned_boilerplate(con, {r.outlet for r in results if isinstance(r, Article) and r.outlet})
    boilerplate = {(site, key) for site, site_keys in learned.items() for key in site_keys}
    changed: list[Article] = []
    for article_id, result in zip(article_ids, results, strict=True):
        report.checked += 1
        if not isinstance(result, Article):
            report.failed += 1
            continue
        result.article_id = article_id
        remove_site_boilerplate(result, boilerplate)
        keep_outside_evidence(result, metadata.get(article_id), outside.get(article_id, {}))
        if stored.get(article_id, []) != result.paragraphs or metadata.get(article_id) != metadata_of(result):
            changed.append(result)
    if changed:
        # On a DuckLake a write that lost to a concurrent writer is rolled back and redone on the
        # new state (replace_articles re-reads everything it needs).
        report.links += retry_conflicts(con, lambda: replace_articles(con, changed))
        report.updated += len(changed)


def stored_metadata(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> dict[str, tuple]:
    """The metadata columns each article has now (METADATA_COLUMNS order)."""
    rows = con.execute(f"SELECT article_id, {', '.join(METADATA_COLUMNS)} FROM articles "
                       f"WHERE article_id IN {keys(con, article_ids, '_meta')}").fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


# Evidence that came with the page, not in it (a feed entry's date and title, a sitemap's date, the
# name of the site's other pages): re-extracting the raw page cannot find it again.
OUTSIDE_SOURCES = ("feed", "sitemap", "listing", "site", "sources.toml")
_FIELD_COLUMNS = {"title": ("title",), "site_name": ("site_name",), "updated_at": ("updated_at",),
                  "published_at": ("published_at", "published_precision", "published_offset")}


def stored_outside_sources(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> dict[str, dict[str, str]]:
    """Per article, the fields whose stored value came from outside the page (OUTSIDE_SOURCES)."""
    found: dict[str, dict[str, str]] = {}
    for article_id, name, source in con.execute(
            f"SELECT article_id, field, source FROM metadata_sources WHERE article_id IN {keys(con, article_ids, '_out')}"
            ).fetchall():
        if source.split(":", 1)[0] in OUTSIDE_SOURCES:
            found.setdefault(article_id, {})[name] = source
    return found


def keep_outside_evidence(a: Article, stored: tuple | None, outside: dict[str, str]) -> None:
    """A field the page does not give keeps the value its feed, sitemap or site gave at load time."""
    if stored is None:
        return
    values = dict(zip(METADATA_COLUMNS, stored, strict=True))
    for name, source in outside.items():
        columns = _FIELD_COLUMNS.get(name, ())
        if columns and getattr(a, columns[0]) is None and values[columns[0]] is not None:
            for column in columns:
                setattr(a, column, values[column])
            a.metadata_sources = {**a.metadata_sources, name: source}
