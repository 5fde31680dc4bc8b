"""Quote extraction and speaker attribution on the seeds and on small French/English cases."""

import pytest

from tasks.enrich.quotes import extract_quotes, same_quote
from tests.conftest import seed
from tests.helpers import articles_from


@pytest.mark.parametrize("paragraph,text,speaker", [
    ("« Je suis très content de vous voir », a déclaré Vladimir Poutine à son hôte.",
     "Je suis très content de vous voir", "Vladimir Poutine"),
    ("Selon M. Poutine, « la coopération militaire est possible dans le cadre des règles ».",
     "la coopération militaire est possible dans le cadre des règles", "Poutine"),
    ("Kim Jong-un a déclaré : « Nous serons toujours avec la Russie ».", "Nous serons toujours avec la Russie",
     "Kim Jong-un"),
    ("“We will always stand with Russia,” Kim Jong Un said on Wednesday.", "We will always stand with Russia,",
     "Kim Jong Un"),
])
def test_attribution_after_and_before(paragraph, text, speaker):
    (quote,) = extract_quotes([paragraph])
    assert (quote.text, quote.speaker) == (text, speaker)


def test_pronouns_resolve_to_the_last_named_speaker_and_scare_quotes_are_skipped():
    quotes = extract_quotes([
        "De son côté, Kim a affirmé que le pays fera des liens avec la Russie la «priorité absolue».",
        "«La Russie est en ce moment confrontée à de telles forces hégémonistes», a-t-il abondé.",
    ])
    assert [(q.position, q.speaker) for q in quotes] == [(1, "Kim")]


def test_the_seed_quote_reported_by_three_outlets_is_one_quote():
    reports = []
    for prefix in ("000", "001", "002"):
        (article,), _ = articles_from([seed(prefix)])
        reports += [q for q in extract_quotes(article.paragraphs) if q.text.startswith("Je suis très content")]
    assert len(reports) == 3 and all("Poutine" in q.speaker for q in reports)
    assert all(same_quote(reports[0].text, q.text) for q in reports)
    assert not same_quote(reports[0].text, "Nous serons toujours avec la Russie")


def test_pronouns_across_paragraphs_agree_in_gender():
    quotes = extract_quotes([
        "Ingrid Betancourt a retrouvé ses enfants. Son ancien mari, Fabrice Delloye, a déclaré qu'il était heureux.",
        "Du sommet, on voit Victoria et le port.",
        "« Je me pince parfois pour me demander si je ne rêve pas », confie-t-elle.",
        "« Nous avons passé des moments absolument merveilleux », a-t-il ajouté.",
    ])
    assert [(q.position, q.speaker) for q in quotes] == [(2, "Ingrid Betancourt"), (3, "Fabrice Delloye")]


def test_roles_resolve_to_the_person_introduced_with_them_or_the_last_of_their_gender():
    quotes = extract_quotes([
        "Le gouverneur de la Banque de France, Christian Noyer, était présent. Rachida Dati s'y oppose.",
        "Outre la garde des Sceaux, d'autres ministres se sont opposés à l'euthanasie, dont Roselyne Bachelot.",
        "« Ni le monde médical, ni les pouvoirs publics ne sauraient promouvoir l'euthanasie » a ainsi affirmé la ministre.",
        "« Le seul objectif c'est d'accompagner le financement de l'économie », a souligné le gouverneur de la Banque.",
        "« Le texte sera publié au journal officiel demain », a ajouté le communiqué.",
    ])
    assert [q.speaker for q in quotes] == ["Roselyne Bachelot", "Christian Noyer", None]


def test_a_pronoun_before_the_quote_is_who_was_named_before_that_sentence():
    quotes = extract_quotes([
        "De son côté, Kim Jong-un a déclaré que la Russie était sa priorité.",
        "Il a estimé que sa rencontre avec le président Poutine serait « un tremplin pour des relations bilatérales ».",
    ])
    assert [q.speaker for q in quotes] == ["Kim Jong-un"]
