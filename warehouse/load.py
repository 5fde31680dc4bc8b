"""Load a batch of cleaned articles: dedup and story assignment against the warehouse, one transaction.

The stages are pure functions in tasks/; this module only reads the state they need from the
warehouse (indexes, counts, candidate stories), calls them, and writes their results.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from tasks.copies.dedup import (
    MIN_SHARED_FINGERPRINTS,
    MIN_SHARED_SHARE,
    CopyLink,
    batch_candidates,
    find_copies,
    paragraph_edits,
)
from tasks.copies.fingerprint import Fingerprint, fingerprint_paragraphs
from tasks.documents.clean import (
    SITE_LINE_MAX_WORDS,
    SITE_LINE_MIN_ARTICLES,
    SITE_LINE_MIN_CONTEXTS,
    SiteLine,
    SiteLineStats,
    line_key,
    remove_site_boilerplate,
    site_boilerplate,
    site_line_counts,
)
from tasks.features import fingerprint_of, terms_of
from tasks.isolation import InputError, stage
from tasks.models import Article, Failure, PageRecord, WebBatch
from tasks.stories.assignment import MAX_GAP_DAYS, THRESHOLD, Assignment, Candidate, Story, assign_stories
from tasks.stories.terms import tfidf_vector
from tasks.text import fold_for_match
from warehouse.db import WarehouseError, insert_rows, is_lake, keys, retry_conflicts, utcnow

CANDIDATES_PER_ARTICLE = 50
STORY_SHORTLIST = 10   # stored stories compared with each new article (the most similar ones)
SHORTLIST_TERMS = 10   # an article's heaviest terms, looked up in the story index to rank them


@dataclass
class SourceReport:
    """Per-source counts of one run (the table artifact)."""

    read: int = 0
    loaded: int = 0
    unchanged: int = 0
    failed: int = 0
    lines_removed: int = 0
    exact_copies: int = 0
    near_copies: int = 0
    new_stories: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, other: SourceReport) -> None:
        for name in ("read", "loaded", "unchanged", "failed", "lines_removed", "exact_copies",
                     "near_copies", "new_stories"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reasons.update(other.reasons)


@dataclass(frozen=True)
class StoryChange:
    """A story this batch opened or grew: counts before (0 when new) and after."""

    story_id: str
    title: str | None
    articles_before: int
    articles_after: int
    outlets_before: int
    outlets_after: int

    @property
    def created(self) -> bool:
        return self.articles_before == 0


@dataclass
class BatchReport:
    batch_no: int
    loaded: list[str] = field(default_factory=list)
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)
    links: list[CopyLink] = field(default_factory=list)
    stories_created: set[str] = field(default_factory=set)
    stories_grown: set[str] = field(default_factory=set)
    story_changes: list[StoryChange] = field(default_factory=list)
    lines_removed: int = 0
    per_source: dict[str, SourceReport] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)  # article_id → loaded / unchanged / failed: …
    retries: int = 0   # DuckLake: times the batch lost to a concurrent writer and was recomputed


def load_batch(con: duckdb.DuckDBPyConnection, run_id: str, batch_no: int,
               articles: list[Article], failures: list[Failure], web: WebBatch | None = None) -> BatchReport:
    """Write one batch in one transaction; on any error nothing of it is written. An article that
    makes a per-input stage raise (tasks/isolation.py) becomes a failure and the batch is computed
    again without it, from scratch (copies and stories among the others may change). On a DuckLake,
    a batch that lost to a concurrent writer is recomputed on the new state and written again. Each
    attempt works on copies of the inputs (loading edits them)."""
    lake = is_lake(con)
    retries: list[BaseException] = []
    articles, failures = list(articles), list(failures)
    rejected: dict[str, str] = {}   # article id → reason, of the articles a stage raised on

    def attempt() -> BatchReport:
        if lake:
            batch, failed, pages = copy.deepcopy((articles, failures, web))
        else:   # loading reassigns an article's lists, never edits them: a shallow copy is enough
            batch, failed, pages = [copy.copy(a) for a in articles], list(failures), web
        report = _load(con, run_id, batch_no, batch, failed)
        report.outcomes.update({article_id: f"failed: {reason}" for article_id, reason in rejected.items()})
        if pages is not None:
            _write_web(con, run_id, report, pages)
        return report

    while True:
        try:
            report = retry_conflicts(con, attempt, on_retry=retries.append)
            break
        except InputError as err:
            culprit = next((a for a in articles if a.article_id == err.key), None)
            if culprit is None:   # not about one of this batch's articles: a fault of the run
                raise
            articles = [a for a in articles if a.article_id != err.key]
            failures.append(err.failure(culprit.source_id, culprit.source_uri))
            rejected[culprit.article_id] = err.reason
    report.retries = len(retries)
    committed = con.execute(
        "SELECT count(*) FROM batches WHERE run_id = ? AND batch_no = ?", [run_id, batch_no]
    ).fetchone()[0]
    if committed != 1:
        raise WarehouseError(f"batch {batch_no} of run {run_id} was not committed")
    return report


def _load(con: duckdb.DuckDBPyConnection, run_id: str, batch_no: int,
          articles: list[Article], failures: list[Failure]) -> BatchReport:
    now = utcnow()
    report = BatchReport(batch_no)
    failures = list(failures)
    new = _drop_known(con, articles, failures, report)

    # Per-site learned boilerplate: this batch's short lines + the warehouse's counts of them.
    batch_counts = site_line_counts(new)
    boilerplate = site_boilerplate(batch_counts, _site_line_counts(con, batch_counts))
    for article in new:
        with stage("clean", article.article_id):
            remove_site_boilerplate(article, boilerplate)
    kept = []
    for article in new:
        if article.paragraphs:
            kept.append(article)
        else:
            failures.append(Failure(article.source_id, article.source_uri, "clean",
                                    "no content after cleaning", "every line was boilerplate"))
    new = kept

    fingerprints = []
    for article in new:
        with stage("fingerprint", article.article_id):
            fingerprints.append(fingerprint_of(article))
    stored: dict[str, list[str]] = {}   # paragraphs of the older candidates, read once for dedup and edits
    links = _find_links(con, new, fingerprints, stored)
    assignments, stories, batch_df = _assign(con, new, links)

    report.story_changes = _write(con, run_id, batch_no, now, new, fingerprints, links, assignments, stories,
                                  failures, batch_counts, batch_df, stored)

    report.loaded = [a.article_id for a in new]
    report.failures = failures
    report.outcomes.update({a.article_id: "loaded" for a in new})
    report.links = links
    report.stories_created = {s.story_id for s in stories.values() if s.new}
    report.stories_grown = {s.story_id for s in stories.values() if s.changed and not s.new}
    report.lines_removed = sum(len(a.removed) for a in new)
    _per_source(report, new, failures, assignments, stories)
    return report


def stored_paragraphs(con, ids: list[str]) -> dict[str, list[str]]:
    """The stored paragraphs of these articles, in order, by article id."""
    paragraphs: dict[str, list[str]] = {}
    for article_id, text in con.execute(
            f"SELECT article_id, text FROM paragraphs WHERE article_id IN {keys(con, ids)} ORDER BY article_id, position"
            ).fetchall():
        paragraphs.setdefault(article_id, []).append(text)
    return paragraphs


def _drop_known(con, articles: list[Article], failures: list[Failure],
                report: BatchReport) -> list[Article]:
    """Skip articles already loaded: unchanged ones (same raw bytes, or same text once the site's
    boilerplate is set aside) silently, changed ones as a failure; the first version is kept."""
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
            _unchanged(report, article)
        else:
            differ.append(article)
    same = _same_text(con, differ)
    for article in differ:
        if article.article_id in same:
            _unchanged(report, article)
        else:
            report.outcomes[article.article_id] = "failed: changed since loaded"
            failures.append(Failure(
                article.source_id, article.source_uri, "load", "changed since loaded",
                "this input was loaded before with other text; the first version is kept",
            ))
    return new


def _unchanged(report: BatchReport, article: Article) -> None:
    report.unchanged += 1
    report.outcomes[article.article_id] = "unchanged"
    report.per_source.setdefault(article.source_id, SourceReport()).unchanged += 1


def _same_text(con, articles: list[Article]) -> set[str]:
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
    site_boilerplate = _site_boilerplate(con, {a.outlet for a in articles if a.outlet})
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


def _write_web(con, run_id: str, report: BatchReport, web: WebBatch) -> None:
    """Page states (validators for the next run), raw pages of loaded/changed articles, robots."""
    failed_uri = {f.source_uri: f.reason for f in report.failures}
    rows: dict[str, PageRecord] = {}
    for page in web.pages:
        if page.outcome is None:
            page.outcome = report.outcomes.get(page.article_id or "") or (
                f"failed: {failed_uri[page.url]}" if page.url in failed_uri else "failed: not loaded")
        rows[page.url] = page
    pages = list(rows.values())
    if pages:
        con.execute("CREATE OR REPLACE TEMP TABLE _pages AS SELECT * FROM pages LIMIT 0")
        insert_rows(con, "_pages", PAGE_COLUMNS, {
            "url": [p.url for p in pages], "kind": [p.kind for p in pages],
            "source_id": [p.source_id for p in pages], "final_url": [p.final_url for p in pages],
            "status": [p.status for p in pages], "content_type": [p.content_type for p in pages],
            "etag": [p.etag for p in pages], "last_modified": [p.last_modified for p in pages],
            "raw_sha256": [p.raw_sha256 for p in pages], "article_id": [p.article_id for p in pages],
            "outcome": [p.outcome for p in pages], "first_fetched": [p.fetched_at for p in pages],
            "last_fetched": [p.fetched_at for p in pages], "fetches": [1] * len(pages),
            "run_id": [run_id] * len(pages),
        })
        # An upsert without ON CONFLICT (a DuckLake has no keys): update the known URLs, insert the others.
        con.execute("""
            UPDATE pages SET
                kind = n.kind, source_id = n.source_id,
                final_url = coalesce(n.final_url, pages.final_url),
                status = n.status,
                content_type = coalesce(n.content_type, pages.content_type),
                etag = CASE WHEN n.status = 200 THEN n.etag ELSE pages.etag END,
                last_modified = CASE WHEN n.status = 200 THEN n.last_modified ELSE pages.last_modified END,
                raw_sha256 = coalesce(n.raw_sha256, pages.raw_sha256),
                article_id = coalesce(n.article_id, pages.article_id),
                outcome = n.outcome, last_fetched = n.last_fetched,
                fetches = pages.fetches + 1, run_id = n.run_id
            FROM _pages n WHERE pages.url = n.url""")
        con.execute("INSERT INTO pages SELECT * FROM _pages n WHERE NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = n.url)")
        con.execute("DROP TABLE _pages")
    keep = {p.raw_sha256 for p in pages if p.outcome in ("loaded", "failed: changed since loaded")}
    raw = list({r.sha256: r for r in web.raw if r.sha256 in keep}.values())
    if raw:
        con.execute("CREATE OR REPLACE TEMP TABLE _raw AS SELECT * FROM raw_pages LIMIT 0")
        insert_rows(con, "_raw", RAW_COLUMNS, {
            "sha256": [r.sha256 for r in raw], "content": [r.content for r in raw], "size": [r.size for r in raw],
            "content_type": [r.content_type for r in raw], "charset": [r.charset for r in raw],
            "url": [r.url for r in raw], "stored_at": [utcnow()] * len(raw),
        })
        con.execute("INSERT INTO raw_pages SELECT * FROM _raw r WHERE NOT EXISTS "
                    "(SELECT 1 FROM raw_pages p WHERE p.sha256 = r.sha256)")
        con.execute("DROP TABLE _raw")
    robots = list({r.origin: r for r in web.robots}.values())
    if robots:
        con.execute(f"DELETE FROM internals.robots WHERE origin IN {keys(con, [r.origin for r in robots])}")
        insert_rows(con, "internals.robots", ["origin", "fetched_at", "status", "body", "rule", "detail"],
                    [(r.origin, r.fetched_at, r.status, r.body, r.rule, r.detail or None) for r in robots])


PAGE_COLUMNS = ["url", "kind", "source_id", "final_url", "status", "content_type", "etag", "last_modified",
                "raw_sha256", "article_id", "outcome", "first_fetched", "last_fetched", "fetches", "run_id"]
RAW_COLUMNS = ["sha256", "content", "size", "content_type", "charset", "url", "stored_at"]


def _site_line_counts(con, lines: Iterable[SiteLine]) -> dict[SiteLine, SiteLineStats]:
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


def _site_boilerplate(con, sites: set[str]) -> dict[str, set[int]]:
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


def _order_key(published: dict[str, datetime | None], rank: dict[str, tuple]):
    """Earliest first: publication date (undated last), then load order (`rank`), then id."""
    def key(article_id: str) -> tuple:
        when = published.get(article_id)
        return (when is None, when or datetime.max, rank.get(article_id, (1, 0)), article_id)
    return key


def _stored_ranks(con, ids: list[str]) -> dict[str, tuple]:
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


def _find_links(con, new: list[Article], fingerprints: list[Fingerprint],
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
    rank.update(_stored_ranks(con, sorted(set(old_ids) | set(published))))
    if old_ids:
        old_paragraphs = stored_paragraphs(con, old_ids)
        if stored is not None:
            stored.update(old_paragraphs)
        existing = {i: fingerprint_paragraphs(i, p) for i, p in old_paragraphs.items()}
        for article_id, when in con.execute(
            f"SELECT article_id, published_at FROM articles WHERE article_id IN {keys(con, old_ids)}"
        ).fetchall():
            published[article_id] = when
    return find_copies(fingerprints, existing, pairs, exact, _order_key(published, rank))


def _assign(con, new: list[Article], links: list[CopyLink]):
    """Build TF-IDF vectors with warehouse document frequencies and assign stories."""
    counts = []
    for article in new:
        with stage("stories", article.article_id):
            counts.append(terms_of(article))
    batch_df: Counter[str] = Counter()
    for c in counts:
        batch_df.update(c.keys())
    df = dict(con.execute(
        f"SELECT term, df FROM internals.term_df WHERE term IN {keys(con, sorted(batch_df))}"
    ).fetchall()) if batch_df else {}
    for term, n in batch_df.items():
        df[term] = df.get(term, 0) + n
    n_docs = con.execute("SELECT count(*) FROM articles").fetchone()[0] + len(new)

    originals: dict[str, list[str]] = {}
    for link in links:
        originals.setdefault(link.article_id, []).append(link.duplicate_of)
    order = sorted(new, key=lambda a: (a.published_at is None, a.published_at or datetime.max, a.source_uri))
    rank = {a.article_id: i for i, a in enumerate(order)}
    candidates = []
    for a, c in sorted(zip(new, counts, strict=True), key=lambda ac: rank[ac[0].article_id]):
        with stage("stories", a.article_id):
            candidates.append(Candidate(a.article_id, tfidf_vector(c, df, n_docs), a.published_at,
                                        a.title or _first_sentence(a.body), originals.get(a.article_id, [])))
    shortlists = _story_shortlists(con, candidates)
    for cand in candidates:
        cand.shortlist = shortlists.get(cand.article_id, {})
    old_originals = sorted({o for v in originals.values() for o in v})
    story_of: dict[str, str] = dict(con.execute(
        f"SELECT article_id, story_id FROM story_articles WHERE article_id IN {keys(con, old_originals, '_originals')}"
    ).fetchall()) if old_originals else {}
    story_ids = sorted({s for scores in shortlists.values() for s in scores} | set(story_of.values()))
    stories: dict[str, Story] = {}
    if story_ids:
        for sid, title, size, first, last in con.execute(f"""
            SELECT s.story_id, s.title, s.article_count, si.first_published, si.last_published
            FROM stories s LEFT JOIN internals.story_index si USING (story_id)
            WHERE s.story_id IN {keys(con, story_ids)}""").fetchall():
            stories[sid] = Story(sid, None, size, first, last, title)
    # Centroids only of the stories an article may join: its original's, or one open at its date
    # and similar enough.
    gap = timedelta(days=MAX_GAP_DAYS)
    joinable = sorted({sid for cand in candidates for sid, score in cand.shortlist.items()
                       if score >= THRESHOLD and sid in stories and stories[sid].is_open_for(cand.published_at, gap)}
                      | set(story_of.values()))
    if joinable:
        centroids: dict[str, dict[str, float]] = {sid: {} for sid in joinable}
        for sid, term, weight in con.execute(
            f"SELECT story_id, term, weight FROM internals.story_terms WHERE story_id IN {keys(con, joinable)}"
        ).fetchall():
            centroids[sid][term] = weight
        for sid, centroid in centroids.items():
            stories[sid].centroid = centroid
    assignments = assign_stories(candidates, stories, story_of)
    return assignments, {sid: s for sid, s in stories.items() if s.changed}, batch_df


def _story_shortlists(con, candidates: list[Candidate]) -> dict[str, dict[str, float]]:
    """Per candidate, the STORY_SHORTLIST stored stories most similar to it, with its cosine
    similarity to each (whether they are still open at its date is Story.is_open_for's call). In SQL over
    the inverted index internals.story_terms: the stories are found with the candidate's
    SHORTLIST_TERMS heaviest terms (a vector's items are heaviest first), then scored with all its
    terms; the writer loads the centroids of the few stories an article may join, however many
    the warehouse holds."""
    rows = [(c.article_id, t, w, i < SHORTLIST_TERMS) for c in candidates for i, (t, w) in enumerate(c.vector.items())]
    if not rows:
        return {}
    con.register("_vectors", pa.table({"article_id": [r[0] for r in rows], "term": [r[1] for r in rows],
                                       "weight": [r[2] for r in rows], "heavy": [r[3] for r in rows]}))
    try:
        found = con.execute(f"""
            WITH dots AS (
                SELECT v.article_id, st.story_id, sum(v.weight * st.weight) AS dot
                FROM _vectors v JOIN internals.story_terms st USING (term) WHERE v.heavy GROUP BY ALL),
            top AS (   -- top-k by an aggregate, not a window over every (article, story) pair
                SELECT d.article_id, max_by({{'story_id': d.story_id, 'norm': si.norm}},
                                            {{'cosine': d.dot / si.norm, 'story_id': d.story_id}},
                                            {STORY_SHORTLIST}) AS best
                FROM dots d JOIN internals.story_index si USING (story_id) GROUP BY d.article_id),
            short AS (SELECT article_id, unnest(best, recursive := true) FROM top)
            SELECT s.article_id, s.story_id, sum(v.weight * st.weight) / any_value(s.norm) AS score
            FROM short s JOIN _vectors v USING (article_id)
            JOIN internals.story_terms st ON st.story_id = s.story_id AND st.term = v.term
            GROUP BY s.article_id, s.story_id
            ORDER BY s.article_id, score DESC, s.story_id""").fetchall()
    finally:
        con.unregister("_vectors")
    shortlists: dict[str, dict[str, float]] = {}
    for article_id, story_id, score in found:
        shortlists.setdefault(article_id, {})[story_id] = score
    return shortlists


def _first_sentence(body: str, limit: int = 120) -> str:
    first = body.split("\n", 1)[0]
    for end in (". ", "! ", "? "):
        if end in first:
            first = first.split(end, 1)[0] + end.strip()
            break
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def _write(con, run_id: str, batch_no: int, now: datetime, new: list[Article],
           fingerprints: list[Fingerprint], links: list[CopyLink], assignments: list[Assignment],
           stories: dict[str, Story], failures: list[Failure],
           site_counts: Counter[tuple[str, int]], batch_df: Counter[str],
           stored: dict[str, list[str]]) -> list[StoryChange]:
    _upsert_sources(con, run_id, now, {a.source_id for a in new} | {f.source_id for f in failures})
    insert_rows(con, "articles", ARTICLE_COLUMNS, {
        "article_id": [a.article_id for a in new],
        "source_id": [a.source_id for a in new],
        "source_uri": [a.source_uri for a in new],
        "url": [a.url for a in new],
        "title": [a.title for a in new],
        "site_name": [a.site_name for a in new],
        "author": [a.author for a in new],
        "published_at": [a.published_at for a in new],
        "published_precision": [a.published_precision for a in new],
        "language": [a.language for a in new],
        "image_url": [a.image_url for a in new],
        "section": [a.section for a in new],
        "body": [a.body for a in new],
        "word_count": [fp.word_count for fp in fingerprints],
        "content_hash": [fp.content_hash for fp in fingerprints],
        "raw_sha256": [a.raw_sha256 for a in new],
        "ingested_at": [now] * len(new),
        "run_id": [run_id] * len(new),
    })
    para = [(a.article_id, i, text, line) for a in new
            for i, (text, line) in enumerate(zip(a.paragraphs, a.line_numbers, strict=True))]
    insert_rows(con, "paragraphs", ["article_id", "position", "text", "line"], para)
    removed = [(a.article_id, r.position, r.text, r.rule) for a in new for r in a.removed]
    insert_rows(con, "removed_lines", ["article_id", "position", "text", "rule"], removed)
    write_fingerprints(con, fingerprints)
    dup_rows = [(lk.article_id, lk.duplicate_of, lk.kind, lk.similarity, len(lk.shared), run_id) for lk in links]
    insert_rows(con, "duplicates",
                ["article_id", "duplicate_of", "kind", "similarity", "shared_paragraphs", "run_id"],
                dup_rows)
    texts = _paragraph_texts(con, new, {(lk.duplicate_of, sp.source_position) for lk in links for sp in lk.shared},
                             stored)
    copied = []
    for lk in links:
        with stage("copies", lk.article_id):
            copied += [(lk.article_id, sp.position, lk.duplicate_of, sp.source_position, sp.similarity,
                        paragraph_edits(texts.get((lk.duplicate_of, sp.source_position), ""),
                                        texts.get((lk.article_id, sp.position), "")))
                       for sp in lk.shared]
    insert_rows(con, "copied_paragraphs",
                ["article_id", "position", "duplicate_of", "source_position", "similarity", "edits"],
                copied)
    members = [(x.story_id, x.article_id, x.similarity, run_id) for x in assignments]
    insert_rows(con, "story_articles", ["story_id", "article_id", "similarity", "run_id"], members)
    report_changes = _write_stories(con, run_id, stories)
    _add_counts(con, "internals.term_df", ["term"], "df",
                [((t,), n) for t, n in sorted(batch_df.items())])
    _add_counts(con, "internals.site_lines", ["site", "line_key"], "articles",
                [(k, n) for k, n in sorted(site_counts.items())])
    fail_rows = [(run_id, f.source_id, f.source_uri, f.stage, f.reason, f.detail or None, f.error_type, now)
                 for f in failures]
    insert_rows(con, "failures",
                ["run_id", "source_id", "source_uri", "stage", "reason", "detail", "error_type", "failed_at"],
                fail_rows)
    con.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?)", [run_id, batch_no, now, len(new), len(failures)])
    return report_changes


def write_fingerprints(con, fingerprints: list[Fingerprint]) -> None:
    """Add articles to the near-copy index (internals.fingerprints and fingerprint_sizes)."""
    insert_rows(con, "internals.fingerprints", ["hash", "article_id"],
                [(h, fp.article_id) for fp in fingerprints for h in fp.winnowed.tolist()])
    insert_rows(con, "internals.fingerprint_sizes", ["article_id", "winnowed"],
                [(fp.article_id, len(fp.winnowed)) for fp in fingerprints])


def _paragraph_texts(con, new: list[Article], wanted: set[tuple[str, int]],
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


ARTICLE_COLUMNS = [
    "article_id", "source_id", "source_uri", "url", "title", "site_name", "author", "published_at",
    "published_precision", "language", "image_url", "section", "body", "word_count",
    "content_hash", "raw_sha256", "ingested_at", "run_id",
]


def _upsert_sources(con, run_id: str, now: datetime, source_ids: set[str]) -> None:
    for source_id in sorted(source_ids):
        kind, _, location = source_id.partition(":")
        uri = Path(location).absolute().as_uri() if kind == "files" else location
        con.execute("""
            INSERT INTO sources SELECT $id, $kind, $uri, $now, $now, $run
            WHERE NOT EXISTS (SELECT 1 FROM sources WHERE source_id = $id)""",
            {"id": source_id, "kind": kind, "uri": uri, "now": now, "run": run_id})
        con.execute("UPDATE sources SET last_seen = $now, last_run_id = $run WHERE source_id = $id",
                    {"id": source_id, "now": now, "run": run_id})


def _add_counts(con, table: str, keys: list[str], counter: str, rows: list[tuple[tuple, int]]) -> None:
    """Add counts to a (keys…, counter) table: update present keys, insert the others."""
    if not rows:
        return
    data = {f"k{i}": [r[0][i] for r in rows] for i in range(len(keys))} | {"n": [r[1] for r in rows]}
    con.register("_counts", pa.table(data))
    try:
        on = " AND ".join(f"t.{k} = c.k{i}" for i, k in enumerate(keys))
        con.execute(f"UPDATE {table} t SET {counter} = t.{counter} + c.n FROM _counts c WHERE {on}")
        select = ", ".join(f"c.k{i}" for i in range(len(keys)))
        con.execute(f"INSERT INTO {table} ({', '.join(keys)}, {counter}) SELECT {select}, c.n FROM _counts c "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {on})")
    finally:
        con.unregister("_counts")


def story_aggregates(where: str = "true") -> str:
    """SQL: per story (story_id), its article count n, headline, outlets, first_seen and last_seen,
    computed from its articles (stories matching `where`, an expression on sa.story_id)."""
    return f"""
        SELECT sa.story_id, count(*) AS n,
               first(a.title ORDER BY a.published_at NULLS LAST, a.ingested_at, a.source_uri)
                   FILTER (WHERE a.title IS NOT NULL) AS headline,
               count(DISTINCT coalesce(a.site_name, nullif(split_part(split_part(a.url, '://', 2), '/', 1), ''))) AS outlets,
               coalesce(min(a.published_at), min(a.ingested_at)) AS first_seen,
               coalesce(max(a.published_at), max(a.ingested_at)) AS last_seen
        FROM story_articles sa JOIN articles a USING (article_id)
        WHERE {where} GROUP BY sa.story_id"""


def _write_stories(con, run_id: str, stories: dict[str, Story]) -> list[StoryChange]:
    if not stories:
        return []
    ids = sorted(stories)
    before = {sid: (n, o) for sid, n, o in con.execute(
        f"SELECT story_id, article_count, outlet_count FROM stories WHERE story_id IN {keys(con, ids, '_stories')}").fetchall()}
    created = [(s.story_id, s.title, 0, 0, run_id, run_id) for s in stories.values() if s.new]
    insert_rows(con, "stories", ["story_id", "title", "article_count", "outlet_count",
                                 "created_run_id", "updated_run_id"], created)
    con.execute(f"""
        UPDATE stories SET article_count = agg.n, outlet_count = agg.outlets,
               first_seen = agg.first_seen, last_seen = agg.last_seen, updated_run_id = $run,
               title = coalesce(agg.headline, stories.title)
        FROM ({story_aggregates("sa.story_id IN (SELECT v FROM _stories)")}) agg
        WHERE stories.story_id = agg.story_id""", {"run": run_id})
    con.execute("DELETE FROM internals.story_terms WHERE story_id IN (SELECT v FROM _stories)")
    term_rows = [(sid, t, w) for sid in ids for t, w in sorted(stories[sid].centroid.items())]
    insert_rows(con, "internals.story_terms", ["story_id", "term", "weight"], term_rows)
    con.execute("DELETE FROM internals.story_index WHERE story_id IN (SELECT v FROM _stories)")
    insert_rows(con, "internals.story_index", ["story_id", "norm", "first_published", "last_published"],
                [(sid, stories[sid].norm, stories[sid].first_seen, stories[sid].last_seen) for sid in ids])
    changes = []
    for sid, title, articles, outlets in con.execute(
            "SELECT story_id, title, article_count, outlet_count FROM stories WHERE story_id IN (SELECT v FROM _stories) "
            "ORDER BY story_id").fetchall():
        articles_before, outlets_before = before.get(sid, (0, 0))
        changes.append(StoryChange(sid, title, articles_before, articles, outlets_before, outlets))
    return changes


def _per_source(report: BatchReport, new: list[Article], failures: list[Failure],
                assignments: list[Assignment], stories: dict[str, Story]) -> None:
    source_of = {a.article_id: a.source_id for a in new}
    for article in new:
        rep = report.per_source.setdefault(article.source_id, SourceReport())
        rep.read += 1
        rep.loaded += 1
        rep.lines_removed += len(article.removed)
    for failure in failures:
        rep = report.per_source.setdefault(failure.source_id, SourceReport())
        rep.read += failure.stage != "discover"
        rep.failed += 1
        rep.reasons[failure.reason] += 1
    for link in report.links:
        rep = report.per_source[source_of[link.article_id]] if link.article_id in source_of else None
        if rep is not None:
            if link.kind == "exact":
                rep.exact_copies += 1
            else:
                rep.near_copies += 1
    for assignment in assignments:
        story = stories.get(assignment.story_id)
        if story is not None and story.new and assignment.story_id.endswith(assignment.article_id):
            report.per_source[source_of[assignment.article_id]].new_stories += 1
