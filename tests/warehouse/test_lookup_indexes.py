"""The per-batch lookups of the loader (issue 7): the indexes kept beside the data stay consistent
with what they summarise, the migration's backfill computes the same, and the story shortlist
scored in SQL equals the cosine the assignment computes in Python."""

import csv
import math
import random
import re

from tasks.features import terms_of
from tasks.stories.assignment import Candidate, Story
from tasks.stories.terms import tfidf_vector
from tests.conftest import RPM2, SEEDS, require
from tests.helpers import articles_from
from warehouse.db import MIGRATIONS_DIR, connect
from warehouse.load import load_batch
from warehouse.load.stories import story_shortlists

FINGERPRINT_SIZES = "SELECT article_id, count(*) FROM internals.fingerprints GROUP BY ALL ORDER BY ALL"
STORY_INDEX = """
    WITH norms AS (SELECT story_id, sqrt(sum(weight * weight)) AS norm FROM internals.story_terms
                   WHERE term NOT LIKE '~%' GROUP BY ALL),  -- side centroids (evidence.py) aside
    spans AS (SELECT story_id, min(published_at) AS first, max(published_at) AS last
              FROM story_articles JOIN articles USING (article_id) GROUP BY ALL)
    SELECT story_id, norm, first, last FROM stories JOIN norms USING (story_id) JOIN spans USING (story_id)
    ORDER BY story_id"""


def _rpm2_articles():
    with open(require(RPM2 / "labels.csv"), encoding="utf-8") as fh:
        files = [RPM2 / row["file"] for row in csv.DictReader(fh)]
    random.Random(0).shuffle(files)
    return articles_from(files)[0]


def _rpm2_in_batches(con, batches: int = 3) -> None:
    articles = _rpm2_articles()
    size = -(-len(articles) // batches)
    for n in range(batches):
        load_batch(con, "rpm2", n, articles[n * size : (n + 1) * size], [])


def _rounded(rows, digits: int = 9):
    return [tuple(round(v, digits) if isinstance(v, float) else v for v in row) for row in rows]


def test_indexes_match_what_they_summarise_after_batches(db_path):
    con = connect(db_path)
    load_batch(con, "seeds", 0, articles_from([SEEDS])[0], [])
    _rpm2_in_batches(con)
    assert con.execute("SELECT article_id, winnowed FROM internals.fingerprint_sizes ORDER BY ALL").fetchall() == \
        con.execute(FINGERPRINT_SIZES).fetchall()
    stored = con.execute("SELECT story_id, norm, first_published, last_published FROM internals.story_index "
                         "ORDER BY story_id").fetchall()
    assert len(stored) == con.execute("SELECT count(*) FROM stories").fetchone()[0] > 10
    assert _rounded(stored) == _rounded(con.execute(STORY_INDEX).fetchall())
    # Every centroid row but the side centroids' holds its term's number, which the shortlist joins on.
    assert con.execute("""SELECT count(*) FILTER (s.term_id IS DISTINCT FROM d.term_id)
                          FROM internals.story_terms s LEFT JOIN internals.term_df d USING (term)
                          WHERE s.term NOT LIKE '~%'""").fetchone()[0] == 0


def test_migration_numbers_the_stored_centroid_terms(db_path):
    """Version 21 gives the centroid rows of a warehouse loaded before it their terms' numbers."""
    con = connect(db_path)
    _rpm2_in_batches(con)
    loaded = con.execute("SELECT story_id, term, term_id FROM internals.story_terms ORDER BY ALL").fetchall()
    con.execute("UPDATE internals.story_terms SET term_id = NULL")
    sql = (MIGRATIONS_DIR / "021_story_term_ids.sql").read_text(encoding="utf-8")
    con.execute(re.search(r"^UPDATE .*?;", sql, re.S | re.M).group(0))
    assert con.execute("SELECT story_id, term, term_id FROM internals.story_terms ORDER BY ALL").fetchall() == loaded
    assert all(term_id is not None for _, _, term_id in loaded) and len(loaded) > 1000


def test_migration_backfill_computes_the_maintained_indexes(db_path):
    """Version 7 fills the indexes of a warehouse loaded before it: same rows as the loader keeps."""
    con = connect(db_path)
    _rpm2_in_batches(con)
    # A warehouse of before version 7 held no side centroids (prefixed terms, tasks/stories/evidence.py).
    con.execute("DELETE FROM internals.story_terms WHERE term LIKE '~%'")
    sql = (MIGRATIONS_DIR / "007_lookup_indexes.sql").read_text(encoding="utf-8")
    for table in ("fingerprint_sizes", "story_index"):
        insert = re.search(rf"INSERT INTO internals\.{table}\n(SELECT .*?);", sql, re.S).group(1)
        assert _rounded(con.execute(insert + " ORDER BY 1").fetchall()) == _rounded(con.execute(
            f"SELECT * FROM internals.{table} ORDER BY 1").fetchall())


def test_growing_tables_have_no_primary_key_and_stay_unique(db_path):
    """No key on the tables that grow with every article (a keyed table made each batch's checkpoint
    grow with the warehouse); a re-run still adds nothing."""
    con = connect(db_path)
    keyed = {t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
    assert not keyed & {"articles", "paragraphs", "raw_pages", "story_articles", "duplicates", "pages", "quotes",
                        "enriched"}
    assert {"stories", "batches", "runs", "sources"} <= keyed
    articles, _ = articles_from([SEEDS])
    load_batch(con, "r1", 0, articles, [])
    load_batch(con, "r2", 0, articles_from([SEEDS])[0], [])
    assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (5, 5)
    assert con.execute("SELECT count(*) = count(DISTINCT (article_id, position)) FROM paragraphs").fetchone() == (True,)
    assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM story_articles").fetchone() == (5, 5)
    assert con.execute("SELECT count(*) = count(DISTINCT (article_id, duplicate_of)) FROM duplicates").fetchone() == (True,)


def test_shortlist_scores_are_the_cosine_of_the_stored_centroids(db_path):
    con = connect(db_path)
    articles = _rpm2_articles()
    load_batch(con, "rpm2", 0, articles[:150], [])
    n_docs = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    df = dict(con.execute("SELECT term, df FROM internals.term_df").fetchall())
    term_ids = dict(con.execute("SELECT term, term_id FROM internals.term_df").fetchall())
    later = articles[150:]
    candidates = [Candidate(a.article_id, tfidf_vector(terms_of(a), df, n_docs), a.published_at, a.title)
                  for a in later]
    shortlists = story_shortlists(con, candidates, term_ids)
    centroids: dict[str, dict[str, float]] = {}
    for sid, term, weight in con.execute(
            "SELECT story_id, term, weight FROM internals.story_terms WHERE term NOT LIKE '~%'").fetchall():
        centroids.setdefault(sid, {})[term] = weight
    stories = {sid: Story(sid, c, 1, None, None) for sid, c in centroids.items()}
    compared = 0
    for cand in candidates:
        scores = shortlists.get(cand.article_id, {})
        assert len(scores) <= 10
        for sid, score in scores.items():
            assert math.isclose(score, stories[sid].similarity(cand.vector), rel_tol=1e-9, abs_tol=1e-12)
            compared += 1
        if scores:   # the best stored story by full cosine is in the shortlist (found by the heaviest terms)
            best = max(stories.values(), key=lambda s: s.similarity(cand.vector))
            if best.similarity(cand.vector) >= 0.13:
                assert best.story_id in scores
    assert compared > 100
