"""Text normalisation: what 'the same text' means across outlets and encodings."""

import unicodedata

import pytest

from tasks.copies.dedup import find_copies
from tasks.copies.fingerprint import fingerprint_article
from tasks.text import clean_line, fold_for_match
from tests.conftest import seed
from tests.helpers import articles_from


@pytest.mark.parametrize("broken,fixed", [
    ("Lâ€™Ã©tÃ© Ã  Vostotchny", "L’été à Vostotchny"),
    ("Â«Â Je suis trÃ¨s content Â»", "« Je suis très content »"),
    ("CorÃ©e du Nord", "Corée du Nord"),
])
def test_mojibake_is_repaired(broken, fixed):
    assert clean_line(broken) == clean_line(fixed)


def test_text_that_only_looks_odd_is_left_alone():
    for text in ("Ã la carte is not French", "Âge d'or", "50 € à Montréal"):
        assert clean_line(text) == text or clean_line(text) == unicodedata.normalize("NFC", text)


def test_invisible_and_control_characters_and_nfc():
    assert clean_line("Kim\u200b Jong\u00adUn\x07 arrive\u0085") == "Kim JongUn arrive"
    assert clean_line(unicodedata.normalize("NFD", "Pyongyang, été")) == "Pyongyang, été"


def test_apostrophes_quotes_and_french_spacing_fold_alike():
    assert fold_for_match("« C’est l’été\u00a0! »") == fold_for_match("« C'est l'été ! »")
    assert fold_for_match("“Kim” — Poutine") == fold_for_match('"Kim" - Poutine')


def variant(text: str) -> str:
    """How another outlet prints the same words: straight apostrophes, narrow no-break spaces
    before « » : ; ? !, decomposed accents, zero-width spaces."""
    text = text.replace("’", "'")
    for mark in ("»", ":", ";", "?", "!"):
        text = text.replace(f" {mark}", f"\u202f{mark}")
    text = text.replace("« ", "«\u00a0")
    return unicodedata.normalize("NFD", text).replace(" Kim", " \u200bKim")


def test_copies_are_found_across_typographic_variants(tmp_path):
    original = seed("000")
    copy = tmp_path / "copy.txt"
    copy.write_text(variant(original.read_text(encoding="utf-8")), encoding="utf-8")
    (a, b), failures = articles_from([original, copy])
    assert not failures
    fa, fb = fingerprint_article(a), fingerprint_article(b)
    assert fa.content_hash == fb.content_hash
    links = find_copies([fb], {a.article_id: fa}, {(b.article_id, a.article_id)}, {b.article_id: [a.article_id]},
                        lambda i: (i != a.article_id, i))
    assert [(lk.article_id, lk.duplicate_of, lk.kind) for lk in links] == [(b.article_id, a.article_id, "exact")]
