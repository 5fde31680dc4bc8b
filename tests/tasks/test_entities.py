"""Entity keys merge name variants; the model finds the seeds' people and places."""

import pytest

from tasks.entities import entity_key, extract_mentions
from tests.conftest import seed
from tests.helpers import articles_from


@pytest.mark.parametrize("variants", [
    ["Kim Jong Un", "Kim Jong-un", "Kim Jong-Un", "KIM JONG UN"],
    ["Vostotchny", "Vostochny", "cosmodrome de Vostotchny", "cosmodrome de Vostochny"],
    ["Poutine", "Putin", "M. Poutine", "président Poutine"],
    ["Sergueï Choïgou", "Sergueï Choigou"],
])
def test_variants_share_a_key(variants):
    assert len({entity_key(v) for v in variants}) == 1


@pytest.mark.parametrize("junk", ["qu’", "M.", "d’", "la", "Il"])
def test_words_that_are_not_names_have_no_key(junk):
    assert entity_key(junk) == ""


def test_one_word_names_resolve_to_the_full_name_of_the_article():
    (article,), _ = articles_from([seed("002")])
    mentions = extract_mentions(article.paragraphs)
    by_key = {}
    for m in mentions:
        by_key.setdefault(m.key, set()).add(m.surface)
    assert {"Kim Jong Un", "Kim"} <= by_key["kim jong un"]
    assert "Vladimir Poutine" in by_key["vladimir putin"] and by_key["vladimir putin"] & {"Poutine", "M. Poutine"}
    assert any(m.kind == "place" and m.key == "vostochni" for m in mentions)
