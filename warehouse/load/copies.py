"""Copies as stored: candidates from the fingerprint index, verified by tasks/copies/dedup.py, and written as
duplicates and copied_paragraphs."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from tasks.copies.dedup import (
    MIN_SHARED_FINGERPRINTS,
    MIN_SHARED_SHARE,
    CopyLink,
    batch_candidates,
    find_copies,
    paragraph_edits,
)
from tasks.copies.fingerprint import fingerprint_paragraphs
from tasks.features import fingerprint_of
from tasks.isolation import stage
from tasks.models import Article, Fingerprint
from warehouse.load.known import stored_paragraphs
from warehouse.sql import insert_rows, keys

CANDIDATES_PER_ARTICLE = 50


def order_key(published: dict[str, datetime | None], rank: dict[str, tuple]):
    """Earliest first: publication date (undated last), then load order (`rank`), then id."""
    def key(article_id: str) -> tuple:
        when = published.get(article_id)
        return (when is None, when or datetime.max, rank.get(article_id, (1, 0)), article_id)
    return key


def stored_ranks(con, ids: list[str]) -> dict[str, tuple]:
    """Load order of stored articles: (0, ingested_at, place in the batch). A batch's articles
    share one ingested_at and their place in it is not stored, but the copy links the loader
    decided among them are: the place is the article's depth in those links (an original before
    its copies), so that recomputing links (reextract) never reverses who copied whom."""
    if not ids:
        return {}
    ingested = dict(con.execute(
        f"SELECT article_id, ingested_at FROM articles WHERE article_id IN {keys(con, ids, '_ranked')}").fetchall())
    depth = dict.fromkeys(ingested, 0)
    edges = con.execute(f"""
        SELECT d.article_id, d.duplicate_of FROM duplicates d
        JOIN articles c ON c.article_id = d.article_id JOIN articles o ON o.article_id = d.duplicate_of
        WHERE d.article_id IN {keys(con, sorted(ingested), '_ranked')} AND c.ingested_at = o.ingested_at""").fetchall()
    edges = [(c, o) for c, o in edges if c in depth and o in depth]
    for _ in range(len(edges)):   # longest chain of links back to an original (the links form no cycle)
        changed = False
        for copy_id, original in edges:
            if depth[copy_id] < depth[original] + 1 <= len(edges):
                depth[copy_id] = depth[original] + 1
                changed = True
        if not changed:
            break
    return {i: (0, when, depth[i]) for i, when in ingested.items()}


def find_links(con, new: list[Article], fingerprints: list[Fingerprint],
                stored: dict[str, list[str]] | None = None) -> list[CopyLink]:
    """Copy links of the new articles (among themselves and with stored ones); the stored
    candidates' paragraphs are added to `stored` when given."""
    if not new:
        return []
    content_hashes = keys(con, [fp.content_hash for fp in fingerprints])
    exact_rows = con.execute(f"SELECT article_id, content_hash FROM articles WHERE content_hash IN {content_hashes}").fetchall()
    by_hash: dict[int, list[str]] = {}
    for article_id, h in exact_rows:
        by_hash.setdefault(h, []).append(article_id)
    exact = {fp.article_id: by_hash.get(fp.content_hash, []) for fp in fingerprints}

    hashes = {"hash": [], "article_id": [], "size": []}
    for fp in fingerprints:
        hashes["hash"].extend(fp.winnowed.tolist())
        hashes["article_id"].extend([fp.article_id] * len(fp.winnowed))
        hashes["size"].extend([len(fp.winnowed)] * len(fp.winnowed))
    con.register("_batch_fingerprints", pa.table(hashes))
    try:   # tasks.copies.dedup.min_shared, in SQL: enough shared fingerprints, absolutely and relatively
        old_pairs = con.execute(f"""
            WITH shared AS (
                SELECT b.article_id AS new_id, b.size AS new_size, f.article_id AS old_id, count(*) AS shared
                FROM _batch_fingerprints b JOIN internals.fingerprints f USING (hash)
                GROUP BY ALL HAVING count(*) >= {MIN_SHARED_FINGERPRINTS})
            SELECT new_id, old_id, shared FROM shared
            LEFT JOIN internals.fingerprint_sizes s ON s.article_id = shared.old_id
            WHERE shared >= {MIN_SHARED_SHARE} * least(new_size, coalesce(s.winnowed, 0))
            QUALIFY row_number() OVER (PARTITION BY new_id ORDER BY shared DESC, old_id)
                    <= {CANDIDATES_PER_ARTICLE}
        """).fetchall()
    finally:
        con.unregister("_batch_fingerprints")
    pairs = batch_candidates(fingerprints) | {(n, o) for n, o, _ in old_pairs}

    old_ids = sorted({o for _, o, _ in old_pairs} | {i for v in exact.values() for i in v})
    existing: dict[str, Fingerprint] = {}
    published: dict[str, datetime | None] = {a.article_id: a.published_at for a in new}
    # Load order: stored articles (the candidates, and the new ones when re-extracted) by their
    # ingestion and place in their batch, before this batch's, which follow its order.
    rank: dict[str, tuple] = {a.article_id: (1, i) for i, a in enumerate(new)}
    rank.update(stored_ranks(con, sorted(set(old_ids) | set(published))))
    if old_ids:
        old_paragraphs = stored_paragraphs(con, old_ids)
        if stored is not None:
            stored.update(old_paragraphs)
        existing = {i: fingerprint_paragraphs(i, p) for i, p in old_paragraphs.items()}
        for article_id, when in con.execute(
            f"SELECT article_id, published_at FROM articles WHERE article_id IN {keys(con, old_ids)}"
        ).fetchall():
            published[article_id] = when
    return find_copies(fingerprints, existing, pairs, exact, order_key(published, rank))


def write_fingerprints(con, fingerprints: list[Fingerprint]) -> None:
    """Add articles to the near-copy index (internals.fingerprints and fingerprint_sizes)."""
    insert_rows(con, "internals.fingerprints", ["hash", "article_id"],
                [(h, fp.article_id) for fp in fingerprints for h in fp.winnowed.tolist()])
    insert_rows(con, "internals.fingerprint_sizes", ["article_id", "winnowed"],
                [(fp.article_id, len(fp.winnowed)) for fp in fingerprints])


def paragraph_texts(con, new: list[Article], wanted: set[tuple[str, int]],
                     stored: dict[str, list[str]] | None = None) -> dict[tuple[str, int], str]:
    """Paragraph texts by (article_id, position): this batch's, those already read (`stored`), and
    the other wanted ones from the warehouse."""
    texts = {(a.article_id, i): p for a in new for i, p in enumerate(a.paragraphs)}
    texts.update({(i, pos): t for i, paragraphs in (stored or {}).items() for pos, t in enumerate(paragraphs)})
    missing = sorted({article_id for article_id, pos in wanted if (article_id, pos) not in texts})
    if missing:
        texts.update({(i, pos): t for i, pos, t in con.execute(
            f"SELECT article_id, position, text FROM paragraphs WHERE article_id IN {keys(con, missing)}").fetchall()})
    return texts


def fingerprints_of(new: list[Article]) -> list[Fingerprint]:
    """The batch's fingerprints (computed by the extraction workers; again only for articles the
    site's learned boilerplate changed)."""
    fingerprints = []
    for article in new:
        with stage("fingerprint", article.article_id):
            fingerprints.append(fingerprint_of(article))
    return fingerprints


def write_copies(con, run_id: str, new: list[Article], links: list[CopyLink], stored: dict[str, list[str]]) -> None:
    """The copy links (duplicates) and, for near copies, their shared paragraphs with the edits."""
    insert_rows(con, "duplicates", ["article_id", "duplicate_of", "kind", "similarity", "shared_paragraphs", "run_id"],
                [(lk.article_id, lk.duplicate_of, lk.kind, lk.similarity, lk.shared_paragraphs, run_id) for lk in links])
    texts = paragraph_texts(con, new, {(lk.duplicate_of, sp.source_position) for lk in links for sp in lk.shared}, stored)
    copied = []
    for lk in links:
        with stage("copies", lk.article_id):
            copied += [(lk.article_id, sp.position, lk.duplicate_of, sp.source_position, sp.similarity,
                        paragraph_edits(texts.get((lk.duplicate_of, sp.source_position), ""),
                                        texts.get((lk.article_id, sp.position), "")))
                       for sp in lk.shared]
    insert_rows(con, "copied_paragraphs",
                ["article_id", "position", "duplicate_of", "source_position", "similarity", "edits"], copied)
