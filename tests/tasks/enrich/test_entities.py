"""Entity keys merge name variants; the model finds the seeds' people and places."""

import pytest

from tasks.enrich.entities import entity_key, extract_mentions
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


def test_speakers_resolve_to_the_entity_their_name_or_its_ending_gives():
    from tasks.enrich.entities import speaker_entity

    known = {"kim jong un": ("e_kim", 5), "kim il sung": ("e_il", 1), "juan manuel santos": ("e_santos", 2)}
    assert speaker_entity("Kim", known) == "e_kim"                          # one word: most mentioned full name
    assert speaker_entity("Kim Jong-un", known) == "e_kim"
    assert speaker_entity("Défense Juan Manuel Santos", known) == "e_santos"   # a leading word the regex took
    assert speaker_entity("Jean Inconnu", known) is None


def test_titles_demonyms_and_the_state_are_not_places_or_organisations():
    mentions = extract_mentions([
        "La ministre de la Santé, Roselyne Bachelot, et le garde des Sceaux ont reçu le chef de l'Etat à Marseille.",
        "Les Britanniques et les Français ont salué la décision de l'Union cycliste internationale.",
    ])
    kinds = {m.surface: m.kind for m in mentions}
    assert kinds.get("Marseille") == "place"
    assert not {"Santé", "Sceaux", "Etat", "Britanniques", "Français"} & set(kinds)
