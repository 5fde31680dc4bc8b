"""Stories as stored: the shortlist of stored stories per article (SQL over internals.story_terms), assignment by
tasks/stories/assignment.py, consolidation of the stories the batch touched (tasks/stories/consolidation.py),
and the story rows, centroids, index, events and aliases written back."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

from tasks.copies.dedup import (
    CopyLink,
)
from tasks.features import terms_of
from tasks.isolation import stage
from tasks.models import Article
from tasks.stories import consolidation, evidence
from tasks.stories.assignment import MAX_GAP_DAYS, THRESHOLD, Assignment, Candidate, Story, assign_stories
from tasks.stories.terms import ARTICLE_TERMS, IDF_PRIOR_DOCS, document_frequencies, terms, tfidf_vector
from warehouse.load.report import StoryChange
from warehouse.sql import insert_rows, keys

log = logging.getLogger(__name__)

STORY_SHORTLIST = 10   # stored stories compared with each new article (the most similar ones)
# The join model (tasks/stories/evidence.py) beats the single threshold in cross-validation, but is
# off: its committed threshold (0.25, chosen on all of the dev set) is below what the folds choose
# (0.35-0.8, median 0.45), the choice is unstable (F1 moves up to 0.79 over +-20%), and one shared
# title word joined two unrelated short articles (tests/test_cli_console.py). While it is off, no
# side vector is computed or stored (they would double internals.story_terms for nothing); stories
# grown after it is switched on gather them from then on.
USE_JOIN_MODEL = False  # True: the join model; False: the single cosine threshold (THRESHOLD)
# Consolidation after each batch (tasks/stories/consolidation.py): cross-validated on RPM2 dev it
# beats streaming alone on the mean and the worst split (bench/RESULTS.md). False: streaming only
# (the benches' baseline).
CONSOLIDATE = True


SHORTLIST_TERMS = 10   # an article's heaviest terms, looked up in the story index to rank them


@dataclass
class Streamed:
    """What streaming assignment (assign) hands to write_stories."""

    assignments: list[Assignment]
    stories: dict[str, Story]                  # the stories it opened or grew
    counts: dict[str, Counter[str]]            # each new article's term counts (stored by write_terms)
    links: set[tuple[str, str]]                # (story an article joined, a stored story it could have joined)
    kept: dict[str, consolidation.KeptStory]   # those stored stories as they were before the batch
    vectors: dict[str, dict[str, float]]       # each new article's TF-IDF vector, with the frequencies after the batch


def assign(con, new: list[Article], links: list[CopyLink]) -> Streamed:
    """Build TF-IDF vectors with warehouse document frequencies and assign stories; returns what
    write_stories needs (Streamed): the assignments, the stories they changed, each article's
    term counts and vector, and the links (the story each article joined, a stored story it
    could have joined: shortlisted above the floor, open at its date) that decide which stories
    consolidation compares, with those stories as they were (consolidation.KeptStory)."""
    counts, sides = [], {}
    for article in new:
        with stage("stories", article.article_id):
            counts.append(terms_of(article))
            sides[article.article_id] = ((evidence.title_terms(article.title),
                                          evidence.entity_terms(article.title, article.body))
                                         if USE_JOIN_MODEL else (Counter(), Counter()))
    batch_df = document_frequencies(counts)
    wanted = set(batch_df).union(*(t.keys() | e.keys() for t, e in sides.values()))
    df, term_ids = {}, {}
    for term, n, term_id in con.execute(
            f"SELECT term, df, term_id FROM internals.term_df WHERE term IN {keys(con, sorted(wanted))}"
    ).fetchall() if wanted else []:
        df[term], term_ids[term] = n, term_id
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
            title_counts, entity_counts = sides[a.article_id]
            candidates.append(Candidate(a.article_id, tfidf_vector(c, df, n_docs), a.published_at,
                                        a.title or _first_sentence(a.body), originals.get(a.article_id, []),
                                        title_vector=evidence.side_vector(title_counts, df, n_docs),
                                        entity_vector=evidence.side_vector(entity_counts, df, n_docs)))
    shortlists = story_shortlists(con, candidates, term_ids)
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
    # and similar enough for the join model to score it.
    gap = timedelta(days=MAX_GAP_DAYS)
    floor = evidence.JOIN_FLOOR if USE_JOIN_MODEL else THRESHOLD
    joinable = sorted({sid for cand in candidates for sid, score in cand.shortlist.items()
                       if score >= floor and sid in stories
                       and stories[sid].is_open_for(cand.published_at, gap)}
                      | set(story_of.values()))
    if joinable:
        for sid in joinable:
            stories[sid].centroid = {}
        for sid, term, weight in con.execute(
            f"SELECT story_id, term, weight FROM internals.story_terms WHERE story_id IN {keys(con, joinable)}"
        ).fetchall():
            story = stories[sid]
            if term.startswith(evidence.TITLE_PREFIX):
                story.title_centroid[term[len(evidence.TITLE_PREFIX):]] = weight
            elif term.startswith(evidence.ENTITY_PREFIX):
                story.entity_centroid[term[len(evidence.ENTITY_PREFIX):]] = weight
            else:
                story.centroid[term] = weight
    # Each stored story as it is before this batch joins it (Story.add makes a new dict: the
    # references stay as they are now): what consolidation keeps whole (KEEP_STORED_TOGETHER).
    kept = {sid: consolidation.KeptStory(stories[sid].centroid, stories[sid].first_seen, stories[sid].last_seen)
            for sid in joinable}
    assignments = assign_stories(candidates, stories, story_of, threshold=floor,
                                 join_model=evidence.model() if USE_JOIN_MODEL else None)
    links = {(story_of[cand.article_id], sid) for cand in candidates for sid, score in cand.shortlist.items()
             if score >= floor and sid in stories and stories[sid].is_open_for(cand.published_at, gap)}
    return Streamed(assignments, {sid: s for sid, s in stories.items() if s.changed},
                    {a.article_id: c for a, c in zip(new, counts, strict=True)}, links, kept,
                    {c.article_id: c.vector for c in candidates})



def story_shortlists(con, candidates: list[Candidate], term_ids: dict[str, int]) -> dict[str, dict[str, float]]:
    """Per candidate, the STORY_SHORTLIST stored stories most similar to it, with its cosine
    similarity to each (whether they are still open at its date is Story.is_open_for's call). In SQL over
    the inverted index internals.story_terms: the stories are found with the candidate's
    SHORTLIST_TERMS heaviest terms (a vector's items are heaviest first), then scored with all its
    terms; the writer loads the centroids of the few stories an article may join, however many
    the warehouse holds. Terms are joined by number (`term_ids`, internals.term_df): a term
    without one is new to the warehouse, so in no stored story."""
    rows = [(c.article_id, term_ids[t], w, i < SHORTLIST_TERMS)
            for c in candidates for i, (t, w) in enumerate(c.vector.items()) if t in term_ids]
    if not rows:
        return {}
    con.register("_vectors", pa.table({"article_id": [r[0] for r in rows],
                                       "term_id": pa.array([r[1] for r in rows], pa.int32()),
                                       "weight": [r[2] for r in rows], "heavy": [r[3] for r in rows]}))
    try:
        found = con.execute(f"""
            WITH dots AS (
                SELECT v.article_id, st.story_id, sum(v.weight * st.weight) AS dot
                FROM _vectors v JOIN internals.story_terms st USING (term_id) WHERE v.heavy GROUP BY ALL),
            top AS (   -- top-k by an aggregate, not a window over every (article, story) pair
                SELECT d.article_id, max_by({{'story_id': d.story_id, 'norm': si.norm}},
                                            {{'cosine': d.dot / si.norm, 'story_id': d.story_id}},
                                            {STORY_SHORTLIST}) AS best
                FROM dots d JOIN internals.story_index si USING (story_id) GROUP BY d.article_id),
            short AS (SELECT article_id, unnest(best, recursive := true) FROM top)
            SELECT s.article_id, s.story_id, sum(v.weight * st.weight) / any_value(s.norm) AS score
            FROM short s JOIN _vectors v USING (article_id)
            JOIN internals.story_terms st ON st.story_id = s.story_id AND st.term_id = v.term_id
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


def story_aggregates(where: str = "true") -> str:
    """SQL: per story (story_id), its article count n, headline, outlets, first_seen and last_seen,
    computed from its articles (stories matching `where`, an expression on sa.story_id).

    The headline is the story's most central one, not its first: the headline whose words (of 4
    letters or more) the story's other headlines share most (sum of the sharing counts over the
    square root of its word count), so that a story is named by what its articles say together,
    not by whichever article came first (a wire teaser, a side angle). Ties, and stories of one or
    two headlines, take the earliest published."""
    return f"""
        WITH members AS (
            SELECT sa.story_id, a.article_id, a.title, a.published_at, a.ingested_at, a.source_uri,
                   coalesce(a.site_name, nullif(split_part(split_part(a.url, '://', 2), '/', 1), '')) AS outlet
            FROM story_articles sa JOIN articles a USING (article_id) WHERE {where}),
        words AS (
            SELECT DISTINCT story_id, article_id, word FROM (
                SELECT story_id, article_id, unnest(regexp_split_to_array(lower(title), '[^\\p{{L}}\\p{{N}}]+')) AS word
                FROM members WHERE title IS NOT NULL)
            WHERE length(word) >= 4),
        central AS (
            SELECT story_id, article_id, sum(shared - 1) / sqrt(count(*)) AS centrality
            FROM (SELECT *, count(*) OVER (PARTITION BY story_id, word) AS shared FROM words)
            GROUP BY story_id, article_id),
        headlines AS (
            SELECT m.story_id, first(m.title ORDER BY coalesce(c.centrality, 0) DESC, m.published_at NULLS LAST,
                                                  m.ingested_at, m.source_uri) AS headline
            FROM members m LEFT JOIN central c USING (story_id, article_id)
            WHERE m.title IS NOT NULL GROUP BY m.story_id)
        SELECT m.story_id, count(*) AS n, any_value(h.headline) AS headline,
               count(DISTINCT m.outlet) AS outlets,
               min(m.published_at) AS first_seen,   -- NULL: no article of the story is dated
               max(m.published_at) AS last_seen
        FROM members m LEFT JOIN headlines h USING (story_id)
        GROUP BY m.story_id"""


def write_stories(con, run_id: str, streamed: Streamed, now: datetime | None = None
                  ) -> tuple[list[StoryChange], list[consolidation.Event], int]:
    """Each article's story, the stories opened or grown (rows, centroids, index), the articles'
    term counts and document frequencies, then consolidation of the touched stories with the
    stored stories their articles could have joined (`streamed.links`); returns the changes,
    counts before and after (a story merged away is not one), consolidation's merges and splits
    (the rows written to story_events) and the number of neighbourhoods too large to consolidate."""
    assignments, stories, counts, links = streamed.assignments, streamed.stories, streamed.counts, streamed.links
    insert_rows(con, "story_articles", ["story_id", "article_id", "similarity", "run_id"],
                [(x.story_id, x.article_id, x.similarity, run_id) for x in assignments])
    add_document_frequencies(con, document_frequencies(counts.values()))
    write_terms(con, counts)
    if not stories:
        return [], [], 0
    ids = sorted(stories)
    watched = sorted(set(ids) | {s for link in links for s in link})
    before = {sid: (n, o) for sid, n, o in con.execute(
        f"SELECT story_id, article_count, outlet_count FROM stories WHERE story_id IN {keys(con, watched, '_watched')}"
    ).fetchall()}
    created = [(s.story_id, s.title, 0, 0, run_id, run_id) for s in stories.values() if s.new]
    insert_rows(con, "stories", ["story_id", "title", "article_count", "outlet_count",
                                 "created_run_id", "updated_run_id"], created)
    _write_rows_and_index(con, run_id, stories, "_stories")
    rebuilt, merged, events, skipped = (
        consolidate(con, run_id, now or datetime.now(), consolidation.neighbourhoods(set(ids), links),
                    streamed.vectors, streamed.kept)
        if CONSOLIDATE else (set(), set(), [], 0))
    shown = sorted((set(ids) | rebuilt) - merged)
    changes = []
    for sid, title, articles, outlets in con.execute(
            f"SELECT story_id, title, article_count, outlet_count FROM stories WHERE story_id IN {keys(con, shown, '_shown')} "
            "ORDER BY story_id").fetchall():
        articles_before, outlets_before = before.get(sid, (0, 0))
        if sid in stories or (articles, outlets) != (articles_before, outlets_before):
            changes.append(StoryChange(sid, title, articles_before, articles, outlets_before, outlets))
    return changes, events, skipped


def _write_rows_and_index(con, run_id: str, stories: dict[str, Story], name: str) -> None:
    """The stories' rows recomputed from their articles (counts, span, headline), and their
    centroids and index rows replaced by the Story objects'."""
    ids = sorted(stories)
    keys(con, ids, name)
    con.execute(f"""
        UPDATE stories SET article_count = agg.n, outlet_count = agg.outlets,
               first_seen = agg.first_seen, last_seen = agg.last_seen, updated_run_id = $run,
               title = coalesce(agg.headline, stories.title)
        FROM ({story_aggregates(f"sa.story_id IN (SELECT v FROM {name})")}) agg
        WHERE stories.story_id = agg.story_id""", {"run": run_id})
    con.execute(f"DELETE FROM internals.story_terms WHERE story_id IN (SELECT v FROM {name})")
    # The side centroids (evidence.py) ride in the same index under prefixed terms, which no
    # article vector holds, so the shortlist's dot products and the stored norm ignore them.
    term_rows = [(sid, prefix + t, w) for sid in ids
                 for prefix, centroid in (("", stories[sid].centroid),
                                          (evidence.TITLE_PREFIX, stories[sid].title_centroid),
                                          (evidence.ENTITY_PREFIX, stories[sid].entity_centroid))
                 for t, w in sorted(centroid.items())]
    con.register("_story_terms", pa.table({"story_id": [r[0] for r in term_rows], "term": [r[1] for r in term_rows],
                                           "weight": pa.array([r[2] for r in term_rows], pa.float64())}))
    try:   # each term with its number (write_terms has numbered every term of the batch's articles)
        con.execute("""INSERT INTO internals.story_terms (story_id, term, weight, term_id)
                       SELECT s.story_id, s.term, s.weight, d.term_id
                       FROM _story_terms s LEFT JOIN internals.term_df d ON d.term = s.term
                       ORDER BY s.story_id, s.term""")
    finally:
        con.unregister("_story_terms")
    con.execute(f"DELETE FROM internals.story_index WHERE story_id IN (SELECT v FROM {name})")
    insert_rows(con, "internals.story_index", ["story_id", "norm", "first_published", "last_published"],
                [(sid, stories[sid].norm, stories[sid].first_seen, stories[sid].last_seen) for sid in ids])


# Consolidation re-clusters at most this many articles at once (average link is cubic in them:
# about a second at 1,000); a larger neighbourhood is left as streaming made it.
CONSOLIDATION_MAX_ARTICLES = 1500


def consolidate(con, run_id: str, now: datetime, groups: list[set[str]],
                new: dict[str, dict[str, float]] | None = None, kept: dict[str, consolidation.KeptStory] | None = None
                ) -> tuple[set[str], set[str], list[consolidation.Event], int]:
    """Re-cluster the articles of the stories of each group (a neighbourhood of the stories the
    batch touched, never the whole warehouse) and apply tasks/stories/consolidation.py's merges and splits:
    articles moved, merged stories removed and aliased, split parts opened as stories, the
    changed stories' rows, centroids and index rebuilt, each change in story_events (`new`: the
    batch's articles' vectors, as assign made them; a stored story of consolidation.KEEP_WHOLE_FROM
    articles or more is compared whole, by its centroid as `kept` holds it, and its articles'
    vectors are not read). Returns the
    ids of the stories rebuilt and of those merged away, the changes (story_events' rows), and
    how many neighbourhoods were left as streaming made them (over CONSOLIDATION_MAX_ARTICLES
    starting clusters)."""
    group = set().union(*groups)
    if not group:
        return set(), set(), [], 0
    new = new or {}
    members: dict[str, list[str]] = {}
    for sid, aid in con.execute(
            f"SELECT story_id, article_id FROM story_articles WHERE story_id IN {keys(con, sorted(group), '_group')}"
    ).fetchall():
        members.setdefault(sid, []).append(aid)
    was = {a: sid for sid, arts in members.items() for a in arts}
    stored = Counter(sid for a, sid in was.items() if a not in new)
    limit = consolidation.KEEP_WHOLE_FROM
    whole = ({} if limit is None or kept is None or USE_JOIN_MODEL   # the side centroids need every article
             else {sid: kept[sid] for sid, n in stored.items() if n >= limit and sid in kept})
    # What average link starts from: one cluster per whole story, one per other article.
    sizes = [sum(1 if s in whole else len(members.get(s, ())) for s in g)
             + sum(a in new for s in g if s in whole for a in members[s]) for g in groups]
    skipped = sum(n > CONSOLIDATION_MAX_ARTICLES for n in sizes)
    if skipped:
        log.warning("%d story neighbourhood(s) over %d articles left unconsolidated (largest: %d articles)",
                    skipped, CONSOLIDATION_MAX_ARTICLES, max(sizes))
    groups = [g for g, n in zip(groups, sizes, strict=True) if 2 <= n <= CONSOLIDATION_MAX_ARTICLES]
    members = {s: members[s] for g in groups for s in g if s in members}
    articles = sorted(a for arts in members.values() for a in arts)
    if not articles:
        return set(), set(), [], skipped
    founders = sorted({sid.removeprefix("s_") for sid in members} | set(articles))
    rows = con.execute(f"""SELECT article_id, ingested_at, published_at, source_uri
                           FROM articles WHERE article_id IN {keys(con, founders, '_founders')}""").fetchall()
    age = {aid: (ingested, published is None, published or ingested, uri) for aid, ingested, published, uri in rows}
    published = {aid: p for aid, _, p, _ in rows}
    n_docs = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    vectors = new | stored_vectors(con, [a for a in articles if a not in new and was[a] not in whole], n_docs)
    sides, df = _side_terms(con, articles) if USE_JOIN_MODEL else ({a: (Counter(), Counter()) for a in articles}, {})
    far = (datetime.max, True, datetime.max, "")
    story_age = {sid: age.get(sid.removeprefix("s_"), far) for sid in members}
    named = sorted({consolidation.story_id_for(a) for a in articles})
    taken = {sid for (sid,) in con.execute(f"""
        SELECT story_id FROM stories WHERE story_id IN {keys(con, named, '_named')}
        UNION ALL SELECT story_id FROM story_aliases WHERE story_id IN (SELECT v FROM _named)""").fetchall()}
    cut = batch_cut(con, articles, vectors, published) if SILHOUETTE_CUT else consolidation.CUT
    plan = consolidation.Plan({}, [], [], {})
    batch = set(new)
    for g in groups:
        part = consolidation.consolidate({s: members[s] for s in sorted(g) if s in members}, vectors,
                                         {**age, **story_age}, taken, cut, published=published, new=batch,
                                         kept={s: whole[s] for s in g if s in whole})
        taken |= set(part.opened)
        plan = consolidation.Plan(plan.moves | part.moves, plan.events + part.events, plan.opened + part.opened,
                                  plan.aliases | part.aliases)
    if not plan.moves:
        return set(), set(), [], skipped
    story_of = was | plan.moves
    changed = ({was[a] for a in plan.moves} | set(plan.moves.values())) - set(plan.aliases)
    merged = sorted(plan.aliases)
    con.register("_moves", pa.table({"article_id": list(plan.moves), "story_id": list(plan.moves.values())}))
    try:
        con.execute("UPDATE story_articles SET story_id = m.story_id FROM _moves m "
                    "WHERE story_articles.article_id = m.article_id")
    finally:
        con.unregister("_moves")
    insert_rows(con, "stories", ["story_id", "title", "article_count", "outlet_count", "created_run_id", "updated_run_id"],
                [(sid, None, 0, 0, run_id, run_id) for sid in plan.opened])
    if merged:
        keys(con, merged, "_merged")
        for table in ("stories", "internals.story_terms", "internals.story_index"):
            con.execute(f"DELETE FROM {table} WHERE story_id IN (SELECT v FROM _merged)")
        con.register("_aliases", pa.table({"story_id": merged, "into_story_id": [plan.aliases[s] for s in merged]}))
        try:
            con.execute("UPDATE story_aliases SET into_story_id = a.into_story_id FROM _aliases a "
                        "WHERE story_aliases.into_story_id = a.story_id")
        finally:
            con.unregister("_aliases")
        insert_rows(con, "story_aliases", ["story_id", "into_story_id", "run_id", "merged_at"],
                    [(sid, plan.aliases[sid], run_id, now) for sid in merged])
    insert_rows(con, "story_events", ["run_id", "happened_at", "kind", "story_id", "into_story_id", "articles",
                                      "articles_before"],
                [(run_id, now, e.kind, e.story_id, e.into_story_id, e.articles, e.articles_before) for e in plan.events])
    rebuilt = {sid: Story(sid, {}, 0, None, None) for sid in sorted(changed)}
    taken_whole: set[tuple[str, str]] = set()
    for a in sorted((a for a, sid in story_of.items() if sid in rebuilt), key=lambda a: age[a]):
        if a not in new and was[a] in whole:   # a whole story moves whole: its centroid, once
            if (was[a], story_of[a]) not in taken_whole:
                taken_whole.add((was[a], story_of[a]))
                k = whole[was[a]]
                rebuilt[story_of[a]].add_story(k.centroid, stored[was[a]], k.first, k.last)
            continue
        rebuilt[story_of[a]].add(vectors[a], published[a], None,
                                 evidence.side_vector(sides[a][0], df, n_docs) if USE_JOIN_MODEL else None,
                                 evidence.side_vector(sides[a][1], df, n_docs) if USE_JOIN_MODEL else None)
    _write_rows_and_index(con, run_id, rebuilt, "_rebuilt")
    return set(rebuilt), set(merged), plan.events, skipped


# The cut chosen per batch by the silhouette of the union of its neighbourhoods, one article per copy
# group (tasks/stories/consolidation.py silhouette_cut). Cross-validated on RPM2 dev (30 splits x 3
# orders) it beats the cut chosen on the training topics, 0.965 / 0.858 worst split vs 0.930 / 0.833;
# on the synthetic corpus it finds no cut once copies count once and falls back to CUT in every batch
# (F1 0.864 either way), bench/RESULTS.md. False: the fixed CUT.
SILHOUETTE_CUT = True


def batch_cut(con, articles: list[str], vectors: dict[str, dict[str, float]],
              published: dict[str, datetime | None]) -> float:
    """The average-link cut for this batch's neighbourhoods: the silhouette's choice over their
    `articles`, each copy group (the duplicates links among them, joined transitively) entering
    once, since copies are tighter than any story; consolidation.CUT when it has no choice. The
    stored articles of a story kept whole (consolidation.KEEP_WHOLE_FROM) have no vector here and
    are left out: that story cannot split at any cut (RPM2's CV is the same with it, 0.965 / 0.858)."""
    articles = [a for a in articles if a in vectors]
    links = set(con.execute(
        f"SELECT article_id, duplicate_of FROM duplicates WHERE article_id IN {keys(con, articles, '_cut')} "
        "AND duplicate_of IN (SELECT v FROM _cut)").fetchall())
    group = {a: min(g) for g in consolidation.neighbourhoods(set(articles), links) for a in g}
    days = [consolidation.day_of(published.get(a)) for a in articles]
    cut = consolidation.silhouette_cut([vectors[a] for a in articles], days, groups=[group[a] for a in articles])
    log.debug("silhouette cut over %d articles (%d copy groups): %s", len(articles), len(set(group.values())), cut)
    return consolidation.CUT if cut is None else cut


def write_terms(con, counts: dict[str, Counter[str]]) -> None:
    """Store articles' term counts (internals.article_terms, by term number; a term new to the
    warehouse is numbered here, with document frequency 0 until add_document_frequencies counts
    it): consolidation reads them back for the stored articles it re-clusters, instead of
    re-tokenizing their bodies. Rows of one article stay together (DuckDB then stores its id once)."""
    rows = [(a, t, n) for a, c in sorted(counts.items()) for t, n in sorted(c.items())]
    if not rows:
        return
    con.register("_article_terms", pa.table({"article_id": [r[0] for r in rows], "term": [r[1] for r in rows],
                                             "n": [r[2] for r in rows]}))
    try:
        _number_terms(con, "(SELECT DISTINCT term FROM _article_terms)")
        con.execute("""INSERT INTO internals.article_terms (article_id, term_id, n)
                       SELECT a.article_id, d.term_id, a.n FROM _article_terms a JOIN internals.term_df d USING (term)
                       ORDER BY a.article_id, d.term_id""")
    finally:
        con.unregister("_article_terms")


def _number_terms(con, terms_sql: str) -> None:
    """Give the terms of `terms_sql` (a relation of one `term` column) that the warehouse has never
    seen a term_df row (df 0) and the next numbers."""
    con.execute(f"""
        INSERT INTO internals.term_df (term, df, term_id)
        SELECT n.term, 0, (SELECT coalesce(max(term_id), 0) FROM internals.term_df) + row_number() OVER (ORDER BY n.term)
        FROM {terms_sql} n WHERE NOT EXISTS (SELECT 1 FROM internals.term_df d WHERE d.term = n.term)""")


def add_document_frequencies(con, df: Counter[str]) -> None:
    """Add `df` (term -> change in the number of stored articles holding it) to internals.term_df."""
    rows = sorted((t, n) for t, n in df.items() if n)
    if not rows:
        return
    con.register("_df", pa.table({"term": [t for t, _ in rows], "n": [n for _, n in rows]}))
    try:
        _number_terms(con, "_df")
        con.execute("UPDATE internals.term_df d SET df = d.df + c.n FROM _df c WHERE d.term = c.term")
    finally:
        con.unregister("_df")


def replace_terms(con, articles: list[Article]) -> None:
    """Store the new term counts of articles whose text was replaced (re-extraction, retroactive
    boilerplate removal) and move their document frequencies from the old terms to the new: the
    counts consolidation reads must be those of the stored text. (An article stored before its
    counts were has no old terms to take back.)"""
    ids = keys(con, [a.article_id for a in articles], "_reterm")
    old = Counter(dict(con.execute(f"""
        SELECT d.term, count(*) FROM internals.article_terms t JOIN internals.term_df d USING (term_id)
        WHERE t.article_id IN {ids} GROUP BY d.term""").fetchall()))
    con.execute(f"DELETE FROM internals.article_terms WHERE article_id IN {ids}")
    counts = {a.article_id: terms(a.title, a.body, a.language) for a in articles}
    write_terms(con, counts)
    df = document_frequencies(counts.values())
    df.subtract(old)
    add_document_frequencies(con, df)


def stored_vectors(con, articles: list[str], n_docs: int) -> dict[str, dict[str, float]]:
    """The articles' TF-IDF vectors with the warehouse's document frequencies now (what
    terms.tfidf_vector makes of their stored counts: the same terms, heaviest first), computed in
    SQL: at 100,000 articles a batch re-clusters about 2,500 stored ones, and tokenizing their
    bodies again cost 2.7 s a batch. An article without stored counts (loaded before migration 020)
    is tokenized from its stored text once, and its counts stored."""
    vectors = _vectors_of_stored_terms(con, articles, n_docs)
    unseen = [a for a in articles if a not in vectors]
    if unseen:
        rows = con.execute(f"SELECT article_id, title, body FROM articles WHERE article_id IN "
                           f"{keys(con, unseen, '_unseen')}").fetchall()
        write_terms(con, {aid: terms(title, body) for aid, title, body in rows})
        vectors |= _vectors_of_stored_terms(con, unseen, n_docs)
    return {a: vectors.get(a, {}) for a in articles}


def _vectors_of_stored_terms(con, articles: list[str], n_docs: int) -> dict[str, dict[str, float]]:
    """tfidf_vector of each article's stored counts, in numpy over the rows SQL reads: the ranking
    by weight then term of half a million rows took DuckDB's window 0.6 s a batch."""
    con.register("_vectored", pa.table({"v": articles, "pos": list(range(len(articles)))}))
    try:
        found = con.execute("""
            SELECT k.pos, t.term_id, t.n, d.df FROM internals.article_terms t
            JOIN _vectored k ON t.article_id = k.v JOIN internals.term_df d USING (term_id)""").to_arrow_table()
        ids = np.unique(found.column("term_id").to_numpy())
        names = dict(con.execute("SELECT term_id, term FROM internals.term_df WHERE term_id IN "
                                 f"{keys(con, ids.tolist(), '_term_ids')}").fetchall())
    finally:
        con.unregister("_vectored")
    pos, term_id, n, df = (found.column(c).to_numpy() for c in ("pos", "term_id", "n", "df"))
    weight = (1.0 + np.log(n)) * (np.log((n_docs + IDF_PRIOR_DOCS) / (df + 1)) + 1.0)
    by_name = np.empty(len(ids), dtype=np.int64)     # each term's place in name order, for ties
    by_name[np.argsort(np.array([names[int(i)] for i in ids]), kind="stable")] = np.arange(len(ids))
    name_rank = by_name[np.searchsorted(ids, term_id)]
    order = np.lexsort((name_rank, -weight, pos))    # per article: heaviest first, ties by name
    pos, term_id, weight = pos[order], term_id[order], weight[order]
    starts = np.searchsorted(pos, pos, side="left")
    keep = np.arange(len(pos)) - starts < ARTICLE_TERMS
    pos, term_id, weight = pos[keep], term_id[keep], weight[keep]
    norm = np.sqrt(np.bincount(pos, weights=weight * weight, minlength=len(articles)))
    unit = weight / norm[pos]
    vectors: dict[str, dict[str, float]] = {}
    for p_, t, w in zip(pos.tolist(), term_id.tolist(), unit.tolist(), strict=True):
        vectors.setdefault(articles[p_], {})[names[t]] = w
    return vectors


def _side_terms(con, articles: list[str]) -> tuple[dict[str, tuple[Counter[str], Counter[str]]], dict[str, int]]:
    """The join model's title and name terms of stored articles (tokenized from their text: the
    model is off, USE_JOIN_MODEL), with their document frequencies."""
    text = {aid: (title, body) for aid, title, body in con.execute(
        f"SELECT article_id, title, body FROM articles WHERE article_id IN {keys(con, articles, '_sided')}").fetchall()}
    sides = {a: (evidence.title_terms(text[a][0]), evidence.entity_terms(*text[a])) for a in articles}
    wanted = set().union(*(t.keys() | e.keys() for t, e in sides.values()))
    df = dict(con.execute(
        f"SELECT term, df FROM internals.term_df WHERE term IN {keys(con, sorted(wanted), '_terms')}").fetchall())
    return sides, df
