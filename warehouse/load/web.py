"""The web state, read before a fetch and written with each batch, here both ways: page outcomes and
validators (ETag, Last-Modified) for conditional requests, raw pages, robots.txt entries."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from tasks.models import ArticleCheck, PageRecord, RawPage, RobotsEntry, WebBatch
from tasks.versions import due_checkpoint
from warehouse.db import utcnow
from warehouse.load.report import BatchReport
from warehouse.sql import insert_rows, keys

PAGE_COLUMNS = ["url", "kind", "source_id", "final_url", "status", "content_type", "etag", "last_modified",
                "raw_sha256", "article_id", "outcome", "first_fetched", "last_fetched", "fetches", "run_id"]


class DueRecheck(NamedTuple):
    """A stored web article the re-check flow fetches again, and the checkpoint it is due at."""

    article_id: str
    source_id: str
    url: str
    checkpoint_hours: float


RAW_COLUMNS = ["sha256", "content", "size", "content_type", "charset", "url", "stored_at"]


def write_web(con, run_id: str, report: BatchReport, web: WebBatch) -> None:
    """Page states (validators for the next run), raw pages of loaded and updated articles, robots,
    and the re-check flow's checks of the batch (article_checks)."""
    failed_uri = {f.source_uri: f.reason for f in report.failures}
    rows: dict[str, PageRecord] = {}
    for page in web.pages:
        if page.outcome is None:
            page.outcome = report.outcomes.get(page.article_id or "") or (
                f"failed: {failed_uri[page.url]}" if page.url in failed_uri else "failed: not loaded")
        rows[page.url] = page
    pages = list(rows.values())
    if pages:
        con.execute("CREATE OR REPLACE TEMP TABLE _pages AS SELECT * FROM pages LIMIT 0")
        insert_rows(con, "_pages", PAGE_COLUMNS, {
            "url": [p.url for p in pages], "kind": [p.kind for p in pages],
            "source_id": [p.source_id for p in pages], "final_url": [p.final_url for p in pages],
            "status": [p.status for p in pages], "content_type": [p.content_type for p in pages],
            "etag": [p.etag for p in pages], "last_modified": [p.last_modified for p in pages],
            "raw_sha256": [p.raw_sha256 for p in pages], "article_id": [p.article_id for p in pages],
            "outcome": [p.outcome for p in pages], "first_fetched": [p.fetched_at for p in pages],
            "last_fetched": [p.fetched_at for p in pages], "fetches": [1] * len(pages),
            "run_id": [run_id] * len(pages),
        })
        # An upsert without ON CONFLICT (a DuckLake has no keys): update the known URLs, insert the others.
        con.execute("""
            UPDATE pages SET
                kind = n.kind, source_id = n.source_id,
                final_url = coalesce(n.final_url, pages.final_url),
                status = n.status,
                content_type = coalesce(n.content_type, pages.content_type),
                etag = CASE WHEN n.status = 200 THEN n.etag ELSE pages.etag END,
                last_modified = CASE WHEN n.status = 200 THEN n.last_modified ELSE pages.last_modified END,
                raw_sha256 = coalesce(n.raw_sha256, pages.raw_sha256),
                article_id = coalesce(n.article_id, pages.article_id),
                outcome = n.outcome, last_fetched = n.last_fetched,
                fetches = pages.fetches + 1, run_id = n.run_id
            FROM _pages n WHERE pages.url = n.url""")
        con.execute("INSERT INTO pages SELECT * FROM _pages n WHERE NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = n.url)")
        con.execute("DROP TABLE _pages")
    keep = {p.raw_sha256 for p in pages if p.outcome in ("loaded", "updated")}
    write_raw(con, [r for r in web.raw if r.sha256 in keep])
    write_checks(con, run_id, web.checks, rows)
    robots = list({r.origin: r for r in web.robots}.values())
    if robots:
        con.execute(f"DELETE FROM internals.robots WHERE origin IN {keys(con, [r.origin for r in robots])}")
        insert_rows(con, "internals.robots", ["origin", "fetched_at", "status", "body", "rule", "detail"],
                    [(r.origin, r.fetched_at, r.status, r.body, r.rule, r.detail or None) for r in robots])


def write_checks(con, run_id: str, checks: list[ArticleCheck], pages: dict[str, PageRecord]) -> None:
    """The batch's re-checks with what each fetch gave (its page's outcome: not modified,
    unchanged, updated, failed: ...)."""
    insert_rows(con, "article_checks", ["article_id", "checked_at", "checkpoint_hours", "outcome", "run_id"],
                [(c.article_id, pages[c.url].fetched_at if c.url in pages else c.checked_at, c.checkpoint_hours,
                  pages[c.url].outcome if c.url in pages else "failed: not fetched", run_id) for c in checks])


def due_rechecks(con, checkpoints_hours: list[float], now: datetime, horizon_hours: float) -> list[DueRecheck]:
    """The web articles first seen less than `horizon_hours` ago whose age crossed a checkpoint no
    check has covered yet (tasks/versions.due_checkpoint), oldest first, with the URL their page was
    last fetched from (its validators make the re-check a conditional request)."""
    rows = con.execute("""
        SELECT a.article_id, a.source_id, coalesce(p.url, a.source_uri), a.ingested_at,
               (SELECT max(c.checked_at) FROM article_checks c WHERE c.article_id = a.article_id)
        FROM articles a
        LEFT JOIN pages p ON p.article_id = a.article_id AND p.kind = 'article'
        WHERE a.source_id NOT LIKE 'files:%' AND a.ingested_at >= ?::TIMESTAMP - to_microseconds(?::BIGINT)
        QUALIFY row_number() OVER (PARTITION BY a.article_id ORDER BY p.last_fetched DESC NULLS LAST, p.url) = 1
        ORDER BY a.ingested_at, a.article_id""", [now, int(horizon_hours * 3_600_000_000)]).fetchall()
    due = []
    for article_id, source_id, url, first_seen, last_checked in rows:
        checkpoint = due_checkpoint(first_seen, last_checked, now, checkpoints_hours)
        if checkpoint is not None:
            due.append(DueRecheck(article_id, source_id, url, checkpoint))
    return due


def write_raw(con, raw: list[RawPage]) -> None:
    """Raw bytes (of fetched pages, and of file inputs: written with their articles) into raw_pages,
    content-addressed: bytes already stored are not stored again."""
    raw = list({r.sha256: r for r in raw}.values())
    if raw:
        con.execute("CREATE OR REPLACE TEMP TABLE _raw AS SELECT * FROM raw_pages LIMIT 0")
        insert_rows(con, "_raw", RAW_COLUMNS, {
            "sha256": [r.sha256 for r in raw], "content": [r.content for r in raw], "size": [r.size for r in raw],
            "content_type": [r.content_type for r in raw], "charset": [r.charset for r in raw],
            "url": [r.url for r in raw], "stored_at": [utcnow()] * len(raw),
        })
        con.execute("INSERT INTO raw_pages SELECT * FROM _raw r WHERE NOT EXISTS "
                    "(SELECT 1 FROM raw_pages p WHERE p.sha256 = r.sha256)")
        con.execute("DROP TABLE _raw")


_VALIDATORS = ("SELECT url, etag, last_modified FROM pages WHERE (etag IS NOT NULL OR last_modified IS NOT NULL) "
               "AND outcome IN ('loaded', 'updated', 'unchanged', 'not modified', 'listed') AND {where}")


def listing_validators(con) -> dict[str, tuple[str | None, str | None]]:
    """url → (etag, last_modified) of the feeds and sitemaps fetched before."""
    return {url: (etag, modified) for url, etag, modified in con.execute(
        _VALIDATORS.format(where="kind IN ('feed', 'sitemap')")).fetchall()}


def page_validators(con, urls: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """url → (etag, last_modified) of these article URLs (one batch at a time: the pages table
    grows with every URL ever fetched)."""
    return {url: (etag, modified) for url, etag, modified in con.execute(
        _VALIDATORS.format(where=f"url IN {keys(con, urls)}")).fetchall()}


def cached_robots(con) -> list[RobotsEntry]:
    """The robots.txt entries fetched before (each is used while younger than the fetcher's TTL)."""
    return [RobotsEntry(*row) for row in con.execute(
        "SELECT origin, fetched_at, status, body, rule, coalesce(detail, '') FROM internals.robots").fetchall()]
