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
