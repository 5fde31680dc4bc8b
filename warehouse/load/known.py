"""Articles the warehouse holds already: skipped when unchanged, a new version when their text or headline changed."""

from __future__ import annotations

from tasks.documents.clean import (
    SITE_LINE_MAX_WORDS,
    line_key,
)
from tasks.isolation import stage
from tasks.models import Article, Failure
from tasks.text import fold_for_match
from warehouse.load.clean import learned_boilerplate
from warehouse.load.report import BatchReport, count_unchanged
from warehouse.sql import keys


def stored_paragraphs(con, ids: list[str]) -> dict[str, list[str]]:
    """The stored paragraphs of these articles, in order, by article id."""
    paragraphs: dict[str, list[str]] = {}
    for article_id, text in con.execute(
            f"SELECT article_id, text FROM paragraphs WHERE article_id IN {keys(con, ids)} ORDER BY article_id, position"
            ).fetchall():
        paragraphs.setdefault(article_id, []).append(text)
    return paragraphs


def drop_known(con, articles: list[Article], failures: list[Failure],
               report: BatchReport) -> tuple[list[Article], list[Article]]:
    """Set aside the articles already loaded: unchanged ones (same raw bytes, or same text and
    headline once the site's boilerplate is set aside) silently; the others are revised, a new
    version of the stored article (warehouse/load/versions.py). Returns (new, revised)."""
    ids = [a.article_id for a in articles]
    known = dict(con.execute(
        f"SELECT article_id, raw_sha256 FROM articles WHERE article_id IN {keys(con, ids)}"
    ).fetchall()) if ids else {}
    new, seen, differ = [], set(), []
    for article in articles:
        if article.article_id in seen:
            continue
        seen.add(article.article_id)
        if article.article_id not in known:
            new.append(article)
        elif known[article.article_id] == article.raw_sha256:
            count_unchanged(report, article)
        else:
            differ.append(article)
    same = same_text(con, differ) - retitled(con, differ)
    revised = []
    for article in differ:
        if article.article_id in same:
            count_unchanged(report, article)
        else:
            revised.append(article)
    return new, revised


# Title evidence from outside the page (a feed or sitemap entry, a listing): a re-fetch of the page
# alone cannot give it again, so its absence or difference is no headline change.
_OUTSIDE_TITLE = ("feed", "sitemap", "listing", "site", "sources.toml")


def retitled(con, articles: list[Article]) -> set[str]:
    """Ids whose headline differs from the stored one, both read from the page itself (a title
    that came from the feed or sitemap is not compared: the page may not repeat it)."""
    if not articles:
        return set()
    ids = [a.article_id for a in articles]
    stored = dict(con.execute(
        f"SELECT article_id, title FROM articles WHERE article_id IN {keys(con, ids, '_titled')}").fetchall())
    outside = {article_id for article_id, source in con.execute(
        f"SELECT article_id, source FROM metadata_sources WHERE field = 'title' AND article_id IN {keys(con, ids, '_titled')}"
    ).fetchall() if source.split(":", 1)[0] in _OUTSIDE_TITLE}
    return {a.article_id for a in articles
            if a.title is not None and stored.get(a.article_id) is not None and a.article_id not in outside
            and a.metadata_sources.get("title", "").split(":", 1)[0] not in _OUTSIDE_TITLE
            and fold_for_match(a.title) != fold_for_match(stored[a.article_id])}


def same_text(con, articles: list[Article]) -> set[str]:
    """Ids whose paragraphs equal the stored ones, short lines that are (or were) the site's
    boilerplate aside: a page whose HTML changed around the same article is unchanged."""
    if not articles:
        return set()
    ids = [a.article_id for a in articles]
    stored = stored_paragraphs(con, ids)
    was_boilerplate: dict[str, set[int]] = {}
    for article_id, text in con.execute(
        f"SELECT article_id, text FROM removed_lines WHERE rule = 'site_repeated' AND article_id IN {keys(con, ids)}"
    ).fetchall():
        was_boilerplate.setdefault(article_id, set()).add(line_key(text))
    site_boilerplate = learned_boilerplate(con, {a.outlet for a in articles if a.outlet})
    same = set()
    for article in articles:
        with stage("load", article.article_id):
            if _same_paragraphs(article, stored.get(article.article_id, []),
                                was_boilerplate.get(article.article_id, set()) | site_boilerplate.get(article.outlet, set())):
                same.add(article.article_id)
    return same


def _same_paragraphs(article: Article, stored: list[str], skip: set[int]) -> bool:
    """Whether the article's paragraphs are the stored ones, the lines in `skip` (boilerplate keys) aside."""
    def text(paragraphs: list[str]) -> list[str]:
        return [fold_for_match(p) for p in paragraphs if len(p.split()) > SITE_LINE_MAX_WORDS or line_key(p) not in skip]
    return text(article.paragraphs) == text(stored)
