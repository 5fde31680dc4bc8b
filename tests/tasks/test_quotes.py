"""Quote extraction and speaker attribution on the seeds and on small French/English cases."""

import pytest

from tasks.quotes import extract_quotes, same_quote
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
