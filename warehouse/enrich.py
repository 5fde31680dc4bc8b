"""Enrichment stage (outside the ingest hot path): quotes for the articles not yet enriched,
linked across outlets. Run by the `enrich` flow, or `newsflow enrich`."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from tasks.quotes import extract_quotes, same_quote
from warehouse.db import insert_rows, transaction, utcnow


@dataclass
class EnrichReport:
    articles: int = 0
    quotes: int = 0
    linked: int = 0   # reports joined to a quote first reported elsewhere


def enrich_pending(con: duckdb.DuckDBPyConnection, run_id: str, batch_size: int = 500) -> EnrichReport:
    """Extract and link quotes for every article without an internals.enriched row, in batches."""
    report = EnrichReport()
    while True:
        ids = [i for (i,) in con.execute("""
            SELECT a.article_id FROM articles a
            WHERE NOT EXISTS (SELECT 1 FROM internals.enriched e WHERE e.article_id = a.article_id)
            ORDER BY coalesce(a.published_at, a.ingested_at), a.ingested_at, a.article_id LIMIT ?""",
            [batch_size]).fetchall()]
        if not ids:
            return report
        with transaction(con):
            _enrich(con, run_id, ids, report)


def _enrich(con, run_id: str, ids: list[str], report: EnrichReport) -> None:
    paragraphs: dict[str, list[str]] = {}
    for article_id, text in con.execute(
            "SELECT article_id, text FROM paragraphs WHERE list_contains(?, article_id) ORDER BY article_id, position",
            [ids]).fetchall():
        paragraphs.setdefault(article_id, []).append(text)
    story_of = dict(con.execute("SELECT article_id, story_id FROM story_articles WHERE list_contains(?, article_id)",
                                [ids]).fetchall())
    # Quotes already known in the same stories: the candidates a new report may repeat.
    known: dict[str, list[tuple[str, str]]] = {}
    for story_id, quote_id, text in con.execute("""
            SELECT sa.story_id, q.quote_id, any_value(q.text) FROM quotes q JOIN story_articles sa USING (article_id)
            WHERE list_contains(?, sa.story_id) GROUP BY ALL""", [sorted(set(story_of.values()))]).fetchall():
        known.setdefault(story_id, []).append((quote_id, text))
    rows = []
    for article_id in ids:   # in publication order: the first report names the quote
        story = story_of.get(article_id, f"alone:{article_id}")
        for quote in extract_quotes(paragraphs.get(article_id, [])):
            match = next((qid for qid, text in known.get(story, []) if same_quote(text, quote.text)), None)
            quote_id = match or f"q_{article_id}_{quote.position}_{quote.start}"
            report.linked += match is not None
            if match is None:
                known.setdefault(story, []).append((quote_id, quote.text))
            rows.append((quote_id, article_id, quote.position, quote.start, quote.text, quote.speaker, run_id))
    insert_rows(con, "quotes", ["quote_id", "article_id", "position", "start", "text", "speaker", "run_id"], rows)
    now = utcnow()
    insert_rows(con, "internals.enriched", ["article_id", "enriched_at"], [(i, now) for i in ids])
    report.articles += len(ids)
    report.quotes += len(rows)
