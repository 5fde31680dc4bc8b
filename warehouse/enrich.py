"""Enrichment stage (outside the ingest hot path): quotes and entity mentions for the articles
not yet enriched, quotes linked across outlets. Run by the `enrich` flow, or `newsflow enrich`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import duckdb

from tasks.entities import Mention, entity_id, extract_mentions
from tasks.quotes import extract_quotes, same_quote
from tasks.sandbox import SandboxConfig, SandboxError, run_isolated
from warehouse.db import insert_rows, transaction, utcnow
from warehouse.load import stored_paragraphs


@dataclass
class EnrichReport:
    articles: int = 0
    quotes: int = 0
    linked: int = 0   # reports joined to a quote first reported elsewhere
    mentions: int = 0
    new_entities: int = 0
    failed: int = 0   # articles the entity model could not process (timeout, memory)


def enrich_pending(con: duckdb.DuckDBPyConnection, run_id: str, batch_size: int = 500,
                   sandbox: SandboxConfig | None = None) -> EnrichReport:
    """Quotes and entity mentions for every article without an internals.enriched row, in
    batches; the entity model runs in the sandbox's worker processes."""
    report = EnrichReport()
    while True:
        ids = [i for (i,) in con.execute("""
            SELECT a.article_id FROM articles a
            WHERE NOT EXISTS (SELECT 1 FROM internals.enriched e WHERE e.article_id = a.article_id)
            ORDER BY coalesce(a.published_at, a.ingested_at), a.ingested_at, a.article_id LIMIT ?""",
            [batch_size]).fetchall()]
        if not ids:
            return report
        paragraphs = stored_paragraphs(con, ids)
        found = run_isolated(article_mentions, [paragraphs.get(i, []) for i in ids], sandbox or SandboxConfig(timeout=300))
        with transaction(con):
            _enrich(con, run_id, ids, paragraphs, report)
            _write_mentions(con, ids, found, report)


def article_mentions(paragraphs: list[str]) -> list[Mention]:
    """Worker-side: the entity model on one article."""
    return extract_mentions(paragraphs)


def _full_names(con, found: list) -> dict[str, str]:
    """One-word key → the most mentioned longer key it is the first or last word of
    (this batch and the warehouse): "Poutine" alone → "Vladimir Poutine"."""
    counts: Counter[str] = Counter()
    for mentions in found:
        if not isinstance(mentions, SandboxError):
            counts.update(m.key for m in mentions if " " in m.key)
    for key, n in con.execute("""SELECT e.key, count(*) FROM entities e JOIN mentions m USING (entity_id)
                                 WHERE e.key LIKE '% %' GROUP BY ALL""").fetchall():
        counts[key] += n
    best: dict[str, tuple[int, str]] = {}
    for key, n in counts.items():
        for word in {key.split()[0], key.split()[-1]}:
            if word not in best or best[word] < (n, key):
                best[word] = (n, key)
    return {word: key for word, (_, key) in best.items()}


def _display_name(surface: str) -> str:
    words = surface.split()
    while len(words) > 1 and words[0][:1].islower():      # "cosmodrome de Vostotchny" → "Vostotchny"
        words = words[1:]
    return " ".join(words)


def _write_mentions(con, ids: list[str], found: list, report: EnrichReport) -> None:
    names: dict[str, tuple[str, str, str]] = {}   # entity_id → (name, kind, key)
    rows = []
    full = _full_names(con, found)
    for article_id, mentions in zip(ids, found, strict=True):
        if isinstance(mentions, SandboxError):
            report.failed += 1
            continue
        for m in mentions:
            key = m.key if " " in m.key else full.get(m.key, m.key)
            eid = entity_id(key)
            name = names.get(eid)
            if name is None or (len(m.surface.split()) > len(name[0].split()) and " " in key):
                names[eid] = (_display_name(m.surface), m.kind, key)
            rows.append((article_id, eid, m.surface, m.position, m.start))
    if names:
        known = {i for (i,) in con.execute("SELECT entity_id FROM entities WHERE list_contains(?, entity_id)",
                                           [sorted(names)]).fetchall()}
        new = [(eid, *names[eid]) for eid in sorted(names) if eid not in known]
        insert_rows(con, "entities", ["entity_id", "name", "kind", "key"], new)
        report.new_entities += len(new)
    insert_rows(con, "mentions", ["article_id", "entity_id", "surface", "position", "start"], rows)
    report.mentions += len(rows)


def _enrich(con, run_id: str, ids: list[str], paragraphs: dict[str, list[str]], report: EnrichReport) -> None:
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
