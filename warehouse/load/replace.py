"""Replace stored articles' text: what re-extraction (warehouse/reextract.py) and the retroactive
removal of a site's newly learned boilerplate (warehouse/load/clean.py) both do, so written once.

The replaced articles keep their id, run and story; their body, word count, content hash,
metadata, paragraphs, removed lines, fingerprints and story terms are rewritten, and their copy links are
recomputed. The caller runs this inside its transaction.
"""

from __future__ import annotations

import duckdb

from tasks.copies.dedup import paragraph_edits
from tasks.copies.fingerprint import fingerprint_article
from tasks.models import Article, Author, Fingerprint, RemovedLine
from warehouse.load.articles import METADATA_COLUMNS, write_metadata
from warehouse.load.copies import find_links, paragraph_texts, write_fingerprints
from warehouse.load.stories import replace_terms
from warehouse.sql import insert_rows, keys


def metadata_of(a: Article) -> tuple:
    """The article's METADATA_COLUMNS values: a replacement rewrites them too (better extraction fixes stored facts)."""
    return tuple(getattr(a, c) for c in METADATA_COLUMNS)


def stored_articles(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, Article]:
    """These stored articles as Articles (paragraphs, line numbers, removed lines, metadata), so
    that a pure stage can be applied to them again and the result written by replace_articles."""
    if not ids:
        return {}
    where = f"article_id IN {keys(con, sorted(set(ids)), '_stored')}"
    found: dict[str, Article] = {}
    for row in con.execute(f"SELECT article_id, source_id, source_uri, raw_sha256, {', '.join(METADATA_COLUMNS)} "
                           f"FROM articles WHERE {where} ORDER BY article_id").fetchall():
        article_id, source_id, source_uri, raw_sha256, *meta = row
        found[article_id] = Article(article_id, source_id, source_uri, raw_sha256, [], [], [],
                                    **dict(zip(METADATA_COLUMNS, meta, strict=True)))
    for article_id, text, line in con.execute(
            f"SELECT article_id, text, line FROM paragraphs WHERE {where} ORDER BY article_id, position").fetchall():
        found[article_id].paragraphs.append(text)
        found[article_id].line_numbers.append(line)
    for article_id, position, text, rule in con.execute(
            f"SELECT article_id, position, text, rule FROM removed_lines WHERE {where} "
            "ORDER BY article_id, position, rule, text").fetchall():
        found[article_id].removed.append(RemovedLine(position, text, rule))
    for article_id, name, kind, source in con.execute(
            f"SELECT article_id, name, kind, source FROM article_authors WHERE {where} ORDER BY article_id, position"
            ).fetchall():
        found[article_id].authors.append(Author(name, kind, source))
    for article_id, field, source in con.execute(
            f"SELECT article_id, field, source FROM metadata_sources WHERE {where}").fetchall():
        found[article_id].metadata_sources[field] = source
    return found


def replace_articles(con: duckdb.DuckDBPyConnection, articles: list[Article],
                     fingerprints: list[Fingerprint] | None = None) -> int:
    """Write these articles over their stored versions and recompute their copy links; returns
    the links written. `fingerprints` (in `articles` order) when the caller computed them already."""
    ids = keys(con, [a.article_id for a in articles], "_replaced")
    for table in ("paragraphs", "removed_lines", "internals.fingerprints", "internals.fingerprint_sizes"):
        con.execute(f"DELETE FROM {table} WHERE article_id IN {ids}")
    con.execute(f"DELETE FROM copied_paragraphs WHERE article_id IN {ids} OR duplicate_of IN {ids}")
    run_ids = dict(con.execute(f"SELECT article_id, run_id FROM articles WHERE article_id IN {ids}").fetchall())
    if fingerprints is None:
        fingerprints = [fingerprint_article(a) for a in articles]
    for a, fp in zip(articles, fingerprints, strict=True):
        con.execute("UPDATE articles SET body = ?, word_count = ?, content_hash = ? WHERE article_id = ?",
                    [a.body, fp.word_count, fp.content_hash, a.article_id])
        con.execute(f"UPDATE articles SET {', '.join(f'{c} = ?' for c in METADATA_COLUMNS)} WHERE article_id = ?",
                    [*metadata_of(a), a.article_id])
    for table in ("article_authors", "metadata_sources"):
        con.execute(f"DELETE FROM {table} WHERE article_id IN {ids}")
    write_metadata(con, articles)
    replace_terms(con, articles)
    insert_rows(con, "paragraphs", ["article_id", "position", "text", "line"],
                [(a.article_id, i, t, n) for a in articles
                 for i, (t, n) in enumerate(zip(a.paragraphs, a.line_numbers, strict=True))])
    insert_rows(con, "removed_lines", ["article_id", "position", "text", "rule"],
                [(a.article_id, r.position, r.text, r.rule) for a in articles for r in a.removed])
    # The old links are still there while the new ones are found: they tell the load order of
    # articles ingested together (see copies.stored_ranks), so that no direction is reversed.
    links = [lk for lk in find_links(con, articles, fingerprints) if lk.article_id != lk.duplicate_of]
    con.execute(f"DELETE FROM duplicates WHERE article_id IN {ids} OR duplicate_of IN {ids}")
    write_fingerprints(con, fingerprints)
    seen = set()
    rows = []
    for lk in links:
        if (lk.article_id, lk.duplicate_of) not in seen:
            seen.add((lk.article_id, lk.duplicate_of))
            rows.append((lk.article_id, lk.duplicate_of, lk.kind, lk.similarity, lk.shared_paragraphs,
                         run_ids.get(lk.article_id) or run_ids.get(lk.duplicate_of)))
    insert_rows(con, "duplicates", ["article_id", "duplicate_of", "kind", "similarity", "shared_paragraphs", "run_id"], rows)
    texts = paragraph_texts(con, articles, {(lk.duplicate_of, sp.source_position) for lk in links for sp in lk.shared}
                             | {(lk.article_id, sp.position) for lk in links for sp in lk.shared})
    insert_rows(con, "copied_paragraphs",
                ["article_id", "position", "duplicate_of", "source_position", "similarity", "edits"],
                [(lk.article_id, sp.position, lk.duplicate_of, sp.source_position, sp.similarity,
                  paragraph_edits(texts.get((lk.duplicate_of, sp.source_position), ""),
                                  texts.get((lk.article_id, sp.position), "")))
                 for lk in links for sp in lk.shared])
    return len(rows)
