"""What loading needs of an article that depends on its text alone: its fingerprint and its term
counts. Computed by the worker that extracted the article, in parallel, so that the one process
writing the warehouse only looks things up; recomputed there only if the article's paragraphs
changed since (the site's learned boilerplate removes lines at load time)."""

from __future__ import annotations

from collections import Counter

from tasks.copies.fingerprint import fingerprint_article
from tasks.models import Article, Features, Fingerprint
from tasks.stories.terms import terms


def with_features(article: Article) -> Article:
    """The article with its features attached (what the extraction workers return)."""
    article.features = Features(fingerprint_article(article), terms(article.title, article.body, article.language),
                                len(article.paragraphs))
    return article


def _current(article: Article) -> Features:
    if article.features is None or article.features.paragraph_count != len(article.paragraphs):
        with_features(article)
    return article.features


def fingerprint_of(article: Article) -> Fingerprint:
    return _current(article).fingerprint


def terms_of(article: Article) -> Counter[str]:
    return _current(article).terms
