"""The side evidence of story assignment (tasks/stories/evidence.py): name-like terms and the join model."""

from collections import Counter

from tasks.stories import evidence
from tasks.stories.assignment import Candidate, assign_stories
from tasks.stories.terms import terms, tfidf_vector
from tests.conftest import SEEDS
from tests.helpers import articles_from


def test_name_like_terms_are_capitalised_words_not_starting_a_sentence():
    counts = evidence.entity_terms("Poutine reçoit Kim Jong Un", "Le dirigeant nord-coréen a rencontré Vladimir "
                                   "Poutine. Ensuite la délégation de la RPDC est repartie vers l'Elysée.")
    assert {"poutin", "jong", "vladim", "rpdc", "elysee"} <= set(counts)
    assert "ensuit" not in counts and "dirige" not in counts    # sentence-initial, lower case
    assert counts["poutin"] == 1 and counts["kim"] == 2          # the title's first word starts a sentence
    assert "poutin" in evidence.title_terms("Poutine reçoit Kim Jong Un")


def test_seeds_share_names():
    articles, _ = articles_from([SEEDS])
    shared = set.intersection(*(set(evidence.entity_terms(a.title, a.body)) for a in articles))
    assert {"poutin", "kim"} <= shared


def test_shared_names_alone_do_not_make_a_join():
    """Same person ≠ same story: the committed model gives a story whose names an article shares
    (entity similarity 0.8) but not its words (cosine 0.05) less than its new-story threshold."""
    weights, bias, threshold = evidence.model()
    for size in (1, 5, 50):
        assert evidence.join_probability(evidence.features(0.05, 0.0, 0.8, size), weights, bias) < threshold
        assert evidence.join_probability(evidence.features(0.4, 0.3, 0.5, size), weights, bias) > threshold


def test_seeds_are_one_story_with_the_join_model_whatever_the_order():
    """The warehouse's rule (join model, its floor) keeps the 5 seed articles in one story."""
    articles, _ = articles_from([SEEDS])
    counts = [terms(a.title, a.body) for a in articles]
    df = Counter(t for c in counts for t in c)
    cands = [Candidate(a.article_id, tfidf_vector(c, df, len(articles)), a.published_at, a.title,
                       title_vector=evidence.side_vector(evidence.title_terms(a.title), df, len(articles)),
                       entity_vector=evidence.side_vector(evidence.entity_terms(a.title, a.body), df, len(articles)))
             for a, c in zip(articles, counts, strict=True)]
    for order in (cands, cands[::-1]):
        stories, story_of = {}, {}
        assign_stories(order, stories, story_of, threshold=evidence.JOIN_FLOOR, join_model=evidence.model())
        assert len(stories) == 1 and len(story_of) == 5
