"""Site boilerplate is retroactive: a line a batch makes a site's boilerplate leaves the site's
stored articles too, not only the ones loaded from then on.

A chrome line becomes boilerplate at its SITE_LINE_MIN_ARTICLES-th article (in varied contexts),
so the earlier articles of the site hold it while the later ones do not. When a batch learns a
(site, line key), this step takes the line out of the site's stored articles in the batch's
transaction: audited in removed_lines (rule "site_repeated", as the live path), the articles'
text, fingerprints and copy links rewritten (warehouse/load/replace.py), and their quotes and
mentions made to point at the same paragraphs (which moved up).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from tasks.copies.fingerprint import fingerprint_article
from tasks.documents.clean import CHROME_MAX_WORDS, SiteLine, is_chrome_line, line_key, remove_site_boilerplate
from tasks.isolation import InputError, stage
from tasks.models import Article, Failure, Fingerprint
from warehouse.load.replace import replace_articles, stored_articles
from warehouse.sql import keys

# Article.outlet (tasks/models.py) in SQL: the site name, else the URL's host, lowercased.
OUTLET_SQL = ("coalesce(nullif(site_name, ''), CASE WHEN strpos(url, '://') > 0 THEN "
              "nullif(lower(split_part(substr(url, strpos(url, '://') + 3), '/', 1)), '') END)")


# The stage of this step's failures (reason "reclean error"): the article was loaded before, so
# its row says it was not cleaned again, not that it is missing.
RECLEAN = "reclean"


@dataclass
class RetroResult:
    """What the step changed: lines moved to removed_lines, articles rewritten, their new copy links."""

    lines: int = 0
    articles: list[str] = field(default_factory=list)
    links: int = 0
    left_empty: list[str] = field(default_factory=list)   # kept as they were: every paragraph was the site's chrome


def candidate_articles(con: duckdb.DuckDBPyConnection, learned: set[SiteLine]) -> list[str]:
    """Ids of the stored articles holding one of these lines. The key is a Python hash, so SQL only
    narrows to the sites' short paragraphs (a whitespace split never counts more words in SQL than
    Python's split does) and Python checks the line's shape and key."""
    sites = sorted({site for site, _ in learned})
    if not sites:
        return []
    rows = con.execute(f"""
        SELECT a.article_id, a.site, p.text FROM paragraphs p
        JOIN (SELECT article_id, {OUTLET_SQL} AS site FROM articles WHERE {OUTLET_SQL} IN {keys(con, sites, '_sites')}) a
          USING (article_id)
        WHERE len(string_split_regex(trim(p.text), '\\s+')) <= {CHROME_MAX_WORDS}""").fetchall()
    return sorted({article_id for article_id, site, text in rows
                   if is_chrome_line(text) and (site, line_key(text)) in learned})


def remove_retroactively(con: duckdb.DuckDBPyConnection, learned: set[SiteLine], failures: list[Failure]) -> RetroResult:
    """Take the newly learned boilerplate out of the stored articles that hold it (inside the
    batch's transaction). An article this step raises on keeps its text and becomes a failure of
    the batch (tasks/isolation.py): its error is its own, not the batch's. An article the lines
    would leave empty is kept as it was (cleaning never deletes a stored article)."""
    result = RetroResult()
    if not learned:
        return result
    changed: list[Article] = []
    fingerprints: list[Fingerprint] = []
    renumbered: list[tuple[str, int, int | None]] = []
    for article in stored_articles(con, candidate_articles(con, learned)).values():
        old = list(zip(article.line_numbers, article.paragraphs, strict=True))
        try:
            with stage(RECLEAN, article.article_id):
                moved = remove_site_boilerplate(article, learned)
                fingerprint = fingerprint_article(article) if moved and article.paragraphs else None
        except InputError as err:
            failures.append(err.failure(article.source_id, article.source_uri))
            continue
        if fingerprint is None:
            if moved:
                result.left_empty.append(article.article_id)
            continue
        changed.append(article)
        fingerprints.append(fingerprint)
        renumbered += [(article.article_id, i, j) for i, j in _positions(old, article)]
        result.lines += moved
    if changed:
        result.links = replace_articles(con, changed, fingerprints)
        result.articles = [a.article_id for a in changed]
        renumber_enrichment(con, renumbered)
    return result


def _positions(old: list[tuple[int, str]], article: Article) -> list[tuple[int, int | None]]:
    """(old position, new position or None when removed) of each paragraph: the kept ones are a
    subsequence of the old ones (lines are only taken out), matched in order."""
    kept = list(zip(article.line_numbers, article.paragraphs, strict=True))
    pairs, j = [], 0
    for i, paragraph in enumerate(old):
        if j < len(kept) and kept[j] == paragraph:
            pairs.append((i, j))
            j += 1
        else:
            pairs.append((i, None))
    return pairs


def renumber_enrichment(con: duckdb.DuckDBPyConnection, renumbered: list[tuple[str, int, int | None]]) -> None:
    """Quotes and mentions point at a paragraph by position: follow the paragraphs that moved up,
    and drop those of the removed lines (the text they were found in is no longer in the body)."""
    moves = [row for row in renumbered if row[1] != row[2]]
    if not moves:
        return
    con.register("_renumber", pa.table({"article_id": [r[0] for r in moves], "old": [r[1] for r in moves],
                                        "new": pa.array([r[2] for r in moves], pa.int32())}))
    try:
        for table in ("quotes", "mentions"):
            con.execute(f"""DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM _renumber r WHERE r.new IS NULL
                            AND r.article_id = {table}.article_id AND r.old = {table}.position)""")
            con.execute(f"""UPDATE {table} SET position = r.new FROM _renumber r
                            WHERE r.new IS NOT NULL AND r.article_id = {table}.article_id AND r.old = {table}.position""")
    finally:
        con.unregister("_renumber")
