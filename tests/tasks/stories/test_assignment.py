from collections import Counter
from datetime import datetime

from tasks.stories.assignment import Candidate, assign_stories
from tasks.stories.terms import terms, tfidf_vector
from tests.conftest import SEEDS
from tests.helpers import articles_from


def candidates(articles, published=None):
    counts = [terms(a.title, a.body) for a in articles]
    df = Counter(t for c in counts for t in c)
    return [Candidate(a.article_id, tfidf_vector(c, df, len(articles)), published or a.published_at, a.title)
            for a, c in zip(articles, counts, strict=True)]


def test_all_seeds_are_one_story_whatever_the_order():
    articles, _ = articles_from([SEEDS])
    for order in (articles, articles[::-1]):
        stories, story_of = {}, {}
        assign_stories(candidates(order), stories, story_of)
        assert len(stories) == 1
        assert len(story_of) == 5


def test_unrelated_article_opens_a_new_story_and_ids_follow_the_founder():
    articles, _ = articles_from([SEEDS])
    other = articles[0].__class__(
        article_id="zz", source_id="s", source_uri="file:///zz", raw_sha256="x", removed=[],
        paragraphs=["La finale de la coupe de France de football a été remportée par Toulouse "
                    "aux tirs au but devant quarante mille spectateurs au Stade de France."])
    stories, story_of = {}, {}
    result = assign_stories(candidates([*articles, other]), stories, story_of)
    assert len(stories) == 2
    assert story_of["zz"] == "s_zz"
    assert result[0].story_id == "s_" + articles[0].article_id


def test_story_closes_after_the_time_window():
    articles, _ = articles_from([SEEDS])
    cands = candidates(articles[:2])
    cands[0].published_at = datetime(2023, 9, 13)
    cands[1].published_at = datetime(2024, 6, 1)
    stories, story_of = {}, {}
    assign_stories(cands, stories, story_of, max_gap_days=45)
    assert len(stories) == 2


def test_copies_follow_their_original():
    articles, _ = articles_from([SEEDS])
    cands = candidates(articles)
    cands[-1].vector = {"football": 1.0}  # nothing in common with the story...
    cands[-1].copy_of = [cands[0].article_id]  # ...but a copy of its first article
    stories, story_of = {}, {}
    assign_stories(cands, stories, story_of)
    assert len(stories) == 1
