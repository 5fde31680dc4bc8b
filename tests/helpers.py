"""Small helpers the tests share: read and clean files the way the flow does."""

from __future__ import annotations

from pathlib import Path

from tasks.documents.clean import clean_document
from tasks.documents.read import discover_files, read_input
from tasks.models import Article, Failure


def articles_from(paths: list[str | Path]) -> tuple[list[Article], list[Failure]]:
    items, failures = discover_files([str(p) for p in paths])
    articles = []
    for item in items:
        raw = read_input(item)
        if isinstance(raw, Failure):
            failures.append(raw)
        else:
            articles.append(clean_document(raw))
    return articles, failures


KEYED_TABLES = [("paragraphs", "article_id, position"), ("duplicates", "article_id, duplicate_of"),
                ("stories", "story_id"), ("sources", "source_id"), ("internals.fingerprints", "hash, article_id")]


def tables_with_duplicate_keys(con) -> list[str]:
    """The tables of KEYED_TABLES holding a key twice: what two writers at once must never leave."""
    return [table for table, key in KEYED_TABLES
            if con.execute(f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
                           ).fetchone()[0]]
