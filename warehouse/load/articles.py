"""The rows of a batch's articles: articles, paragraphs, removed lines, sources, failures and the batch marker."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa

from tasks.models import Article, Failure, Fingerprint
from warehouse.sql import insert_rows

ARTICLE_COLUMNS = [
    "article_id", "source_id", "source_uri", "url", "title", "site_name", "author", "published_at",
    "published_precision", "language", "image_url", "section", "body", "word_count",
    "content_hash", "raw_sha256", "ingested_at", "run_id", "title_tag", "published_offset", "updated_at",
    "version",
]


def write_articles(con, run_id: str, now: datetime, new: list[Article], fingerprints: list[Fingerprint],
                   failures: list[Failure]) -> None:
    """The batch's articles with their paragraphs and removed lines, and the sources they came from."""
    upsert_sources(con, run_id, now, {a.source_id for a in new} | {f.source_id for f in failures})
    insert_rows(con, "articles", ARTICLE_COLUMNS, {
        "article_id": [a.article_id for a in new],
        "source_id": [a.source_id for a in new],
        "source_uri": [a.source_uri for a in new],
        "url": [a.url for a in new],
        "title": [a.title for a in new],
        "site_name": [a.site_name for a in new],
        "author": [a.author for a in new],
        "published_at": [a.published_at for a in new],
        "published_precision": [a.published_precision for a in new],
        "language": [a.language for a in new],
        "image_url": [a.image_url for a in new],
        "section": [a.section for a in new],
        "body": [a.body for a in new],
        "word_count": [fp.word_count for fp in fingerprints],
        "content_hash": [fp.content_hash for fp in fingerprints],
        "raw_sha256": [a.raw_sha256 for a in new],
        "ingested_at": [now] * len(new),
        "run_id": [run_id] * len(new),
        "title_tag": [a.title_tag for a in new],
        "published_offset": [a.published_offset for a in new],
        "updated_at": [a.updated_at for a in new],
        "version": [1] * len(new),
    })
    write_metadata(con, new)
    para = [(a.article_id, i, text, line) for a in new
            for i, (text, line) in enumerate(zip(a.paragraphs, a.line_numbers, strict=True))]
    insert_rows(con, "paragraphs", ["article_id", "position", "text", "line"], para)
    removed = [(a.article_id, r.position, r.text, r.rule) for a in new for r in a.removed]
    insert_rows(con, "removed_lines", ["article_id", "position", "text", "rule"], removed)


# The metadata an article's page gives (re-extraction replaces them: warehouse/reextract.py).
METADATA_COLUMNS = ("title", "title_tag", "site_name", "author", "published_at", "published_precision",
                    "published_offset", "updated_at", "language", "image_url", "url", "section")


def write_metadata(con, articles: list[Article]) -> None:
    """Each article's byline (article_authors) and where each metadata value came from."""
    insert_rows(con, "article_authors", ["article_id", "position", "name", "kind", "source"],
                [(a.article_id, i, au.name, au.kind, au.source) for a in articles for i, au in enumerate(a.authors)])
    insert_rows(con, "metadata_sources", ["article_id", "field", "source"],
                [(a.article_id, f, src) for a in articles for f, src in sorted(a.metadata_sources.items())])


def write_failures(con, run_id: str, now: datetime, failures: list[Failure]) -> None:
    insert_rows(con, "failures",
                ["run_id", "source_id", "source_uri", "stage", "reason", "detail", "error_type", "failed_at"],
                [(run_id, f.source_id, f.source_uri, f.stage, f.reason, f.detail or None, f.error_type, now)
                 for f in failures])


def mark_batch(con, run_id: str, batch_no: int, now: datetime, loaded: int, failed: int) -> None:
    """The batch's marker row, written last in its transaction: its presence proves the commit."""
    con.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?)", [run_id, batch_no, now, loaded, failed])


def upsert_sources(con, run_id: str, now: datetime, source_ids: set[str]) -> None:
    """The sources seen: new ones inserted, every one's last_seen and last_run_id set. Two
    statements for the whole batch (a batch of files can hold 200 sources: one query each cost
    2.5 s a batch in a warehouse of 100,000 sources)."""
    if not source_ids:
        return
    ids = sorted(source_ids)
    kinds, uris = [], []
    for source_id in ids:
        kind, _, location = source_id.partition(":")
        kinds.append(kind)
        uris.append(Path(location).absolute().as_uri() if kind == "files" else location)
    con.register("_sources", pa.table({"source_id": ids, "kind": kinds, "uri": uris}))
    try:
        con.execute("""
            INSERT INTO sources SELECT s.source_id, s.kind, s.uri, $now, $now, $run FROM _sources s
            WHERE NOT EXISTS (SELECT 1 FROM sources t WHERE t.source_id = s.source_id)""", {"now": now, "run": run_id})
        con.execute("""UPDATE sources SET last_seen = $now, last_run_id = $run
                       FROM _sources s WHERE sources.source_id = s.source_id""", {"now": now, "run": run_id})
    finally:
        con.unregister("_sources")


def add_counts(con, table: str, keys: list[str], counter: str, rows: list[tuple[tuple, int]]) -> None:
    """Add counts to a (keys…, counter) table: update present keys, insert the others."""
    if not rows:
        return
    data = {f"k{i}": [r[0][i] for r in rows] for i in range(len(keys))} | {"n": [r[1] for r in rows]}
    con.register("_counts", pa.table(data))
    try:
        on = " AND ".join(f"t.{k} = c.k{i}" for i, k in enumerate(keys))
        con.execute(f"UPDATE {table} t SET {counter} = t.{counter} + c.n FROM _counts c WHERE {on}")
        select = ", ".join(f"c.k{i}" for i in range(len(keys)))
        con.execute(f"INSERT INTO {table} ({', '.join(keys)}, {counter}) SELECT {select}, c.n FROM _counts c "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {on})")
    finally:
        con.unregister("_counts")
