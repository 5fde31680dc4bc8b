"""The sites' learned boilerplate, as stored: line counts and contexts per site (tasks/documents/clean.py decides
what is boilerplate)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pyarrow as pa

from tasks.documents.article import no_content
from tasks.documents.clean import (
    SITE_LINE_MIN_ARTICLES,
    SITE_LINE_MIN_CONTEXTS,
    SiteLine,
    SiteLineCounts,
    SiteLineStats,
    remove_site_boilerplate,
    site_boilerplate,
    site_line_counts,
)
from tasks.isolation import stage
from tasks.models import Article, Failure
from warehouse.load.articles import add_counts
from warehouse.sql import insert_rows, keys


def stored_site_lines(con, lines: Iterable[SiteLine]) -> dict[SiteLine, SiteLineStats]:
    """Articles and known contexts of each of these (site, line key) lines, as stored before this
    batch. When `lines` is a batch's SiteLineCounts, its new contexts are recorded too (in the
    batch's transaction, at most SITE_LINE_MIN_CONTEXTS per line)."""
    ordered = sorted(lines)
    if not ordered:
        return {}
    con.register("_lines", pa.table({"site": [site for site, _ in ordered], "line_key": [k for _, k in ordered]}))
    try:
        rows = con.execute("SELECT site, line_key, articles FROM internals.site_lines JOIN _lines USING (site, line_key)"
                           ).fetchall()
        known: dict[SiteLine, set[int]] = {}
        for site, key, context in con.execute(
                "SELECT site, line_key, context FROM internals.site_line_contexts JOIN _lines USING (site, line_key)"
                ).fetchall():
            known.setdefault((site, key), set()).add(context)
    finally:
        con.unregister("_lines")
    batch_contexts = getattr(lines, "contexts", {})
    new_rows = []
    for line in ordered:
        have = known.get(line, set())
        room = SITE_LINE_MIN_CONTEXTS - len(have)
        if room > 0:
            new_rows += [(*line, c) for c in sorted(batch_contexts.get(line, set()) - have)[:room]]
    insert_rows(con, "internals.site_line_contexts", ["site", "line_key", "context"], new_rows)
    return {(site, key): SiteLineStats(n, frozenset(known.get((site, key), ()))) for site, key, n in rows}


def learned_boilerplate(con, sites: set[str]) -> dict[str, set[int]]:
    """The learned boilerplate line keys of these sites (enough articles and contexts)."""
    found: dict[str, set[int]] = {}
    if sites:
        site_keys = keys(con, sorted(sites))
        for site, key in con.execute(f"""
                SELECT l.site, l.line_key FROM internals.site_lines l
                JOIN (SELECT site, line_key FROM internals.site_line_contexts WHERE site IN {site_keys}
                      GROUP BY ALL HAVING count(*) >= {SITE_LINE_MIN_CONTEXTS}) c USING (site, line_key)
                WHERE l.site IN {site_keys} AND l.articles >= {SITE_LINE_MIN_ARTICLES}""").fetchall():
            found.setdefault(site, set()).add(key)
    return found


def remove_learned_boilerplate(con, new: list[Article], failures: list[Failure]
                               ) -> tuple[list[Article], SiteLineCounts, set[SiteLine]]:
    """Set aside the lines each site repeats (its learned boilerplate: this batch's lines with the
    warehouse's counts and contexts of them); an article left empty becomes a failure. Returns the
    articles kept, the batch's line counts (added to the warehouse's with the batch) and the lines
    this batch made boilerplate that the stored counts alone did not (warehouse/load/retro.py
    takes those out of the site's stored articles)."""
    batch_counts = site_line_counts(new)
    prior = stored_site_lines(con, batch_counts)
    boilerplate = site_boilerplate(batch_counts, prior)
    # The same rule on the stored counts alone (no article of this batch): what was learned before it.
    before = site_boilerplate(Counter(dict.fromkeys(boilerplate, 0)), prior)
    kept = []
    for article in new:
        with stage("clean", article.article_id):
            remove_site_boilerplate(article, boilerplate)
        if article.paragraphs:
            kept.append(article)
        else:
            failures.append(no_content(article.source_id, article.source_uri, "every line was boilerplate"))
    return kept, batch_counts, boilerplate - before


def add_site_lines(con, batch_counts: SiteLineCounts) -> None:
    add_counts(con, "internals.site_lines", ["site", "line_key"], "articles",
               [(k, n) for k, n in sorted(batch_counts.items())])
