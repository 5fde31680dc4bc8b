"""Stored story terms (internals.article_terms): what consolidation reads instead of re-tokenizing
bodies must be the terms of the text as stored, and term_df their document frequencies."""

import csv
from collections import Counter

import pytest

from tasks.stories.terms import terms, tfidf_vector
from tests.conftest import RPM2, require
from tests.helpers import articles_from
from warehouse.db import connect, transaction
from warehouse.load import load_batch
from warehouse.load.replace import replace_articles, stored_articles
from warehouse.load.stories import stored_vectors


@pytest.fixture
def rpm2_warehouse(db_path):
    with open(require(RPM2 / "labels.csv"), encoding="utf-8") as fh:
        files = sorted(RPM2 / r["file"] for r in csv.DictReader(fh))[:80]
    con = connect(db_path)
    for batch_no in range(2):
        articles, failures = articles_from(files[batch_no * 40:(batch_no + 1) * 40])
        assert not failures
        load_batch(con, "terms", batch_no, articles, [])
    yield con
    con.close()


def stored_terms(con) -> dict[str, Counter]:
    found: dict[str, Counter] = {}
    for article_id, term, n in con.execute(
            "SELECT article_id, term, n FROM internals.article_terms JOIN internals.term_df USING (term_id)").fetchall():
        found.setdefault(article_id, Counter())[term] = n
    return found


def assert_terms_are_the_stored_texts(con) -> None:
    texts = con.execute("SELECT article_id, title, body FROM articles").fetchall()
    stored = stored_terms(con)
    assert {aid: terms(title, body) for aid, title, body in texts} == {aid: stored.get(aid, Counter())
                                                                      for aid, _, _ in texts}
    df = dict(con.execute("SELECT term, df FROM internals.term_df WHERE df > 0").fetchall())
    assert df == dict(con.execute("SELECT term, count(*) FROM internals.article_terms JOIN internals.term_df "
                                  "USING (term_id) GROUP BY term").fetchall())
    assert con.execute("SELECT count(DISTINCT term_id) = count(*) FROM internals.term_df").fetchone()[0]


def test_stored_terms_are_the_articles_and_their_vectors_the_tokenized_ones(rpm2_warehouse):
    con = rpm2_warehouse
    assert_terms_are_the_stored_texts(con)
    texts = con.execute("SELECT article_id, title, body FROM articles ORDER BY article_id").fetchall()
    df = dict(con.execute("SELECT term, df FROM internals.term_df").fetchall())
    vectors = stored_vectors(con, [aid for aid, _, _ in texts], len(texts))
    for aid, title, body in texts:
        expected = tfidf_vector(terms(title, body), df, len(texts))
        assert list(vectors[aid]) == list(expected)     # the same terms, heaviest first
        assert vectors[aid] == pytest.approx(expected, rel=1e-12)


def test_articles_stored_before_their_terms_get_them_when_first_needed(rpm2_warehouse):
    con = rpm2_warehouse
    before = stored_terms(con)
    old = sorted(before)[:10]
    con.execute("DELETE FROM internals.article_terms WHERE article_id IN (SELECT unnest(?))", [old])
    vectors = stored_vectors(con, old, 80)
    assert all(vectors[aid] for aid in old)
    assert stored_terms(con) == before


def test_replaced_text_replaces_the_terms_and_moves_their_document_frequencies(rpm2_warehouse):
    con = rpm2_warehouse
    ids = sorted(stored_terms(con))[:3]
    terms_before = stored_terms(con)[ids[0]]
    articles = stored_articles(con, ids)
    for article in articles.values():      # what a retroactive boilerplate cut does: paragraphs go
        article.paragraphs = article.paragraphs[:1]
        article.line_numbers = article.line_numbers[:1]
    with transaction(con):
        replace_articles(con, list(articles.values()))
    assert_terms_are_the_stored_texts(con)
    assert stored_terms(con)[ids[0]] == terms(articles[ids[0]].title, articles[ids[0]].body) != terms_before
