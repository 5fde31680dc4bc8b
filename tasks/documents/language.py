"""Tiny stop-word language guesser: enough to pick cleaning rules, no model to load."""

from __future__ import annotations

from tasks.text import words

_STOPWORDS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        "le la les des du de un une et est en que qui dans pour pas sur au aux avec ce cette "
        "ses son sa il elle ils nous vous ont été a à été sont par plus mais ou où".split()
    ),
    "en": frozenset(
        "the and of to a in is that for on it with as was are be by this at from have has "
        "an not but or which were their they he she his her its".split()
    ),
    "de": frozenset(
        "der die das und ist nicht ein eine zu den von mit sich des auf für im dem sie es "
        "auch als an wird bei noch nach wie aus".split()
    ),
    "es": frozenset(
        "el la los las de y que en un una es por con para del al se su sus lo como más pero "
        "fue ha son este esta".split()
    ),
}


def detect_language(text: str, min_hits: int = 5) -> str | None:
    """Return the ISO 639-1 code whose stop words cover the most tokens, or None if unsure."""
    tokens = words(text[:5000])
    if not tokens:
        return None
    scores = {lang: sum(map(stop.__contains__, tokens)) for lang, stop in _STOPWORDS.items()}   # map: no Python loop
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= min_hits else None
