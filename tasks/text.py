"""Text normalisation shared by every stage: one place decides what 'the same text' means."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and bidi marks that scrapers leave in text; they change hashes but not meaning.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"), None)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009]+")
# Apostrophes and quotes that outlets write differently for the same words.
_MATCH_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "\u00ab": '"',
        "\u00bb": '"',
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)


def clean_line(text: str) -> str:
    """Canonical stored form of a line: NFC, invisible marks dropped, spaces collapsed."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def fold_for_match(text: str) -> str:
    """Form used to compare texts: clean_line + unified quotes/apostrophes/dashes, casefolded."""
    return clean_line(text).translate(_MATCH_FOLD).casefold()


def words(text: str) -> list[str]:
    """Words of a text in match form (casefolded, punctuation dropped)."""
    return _WORD.findall(fold_for_match(text))


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_TERMINAL = re.compile(r"[.!?…]\s*[\"'»”’)\]]*\s*$")


def is_terminated(text: str) -> bool:
    """True when the line ends like a sentence (., !, ?, … possibly before closing quotes)."""
    return bool(_TERMINAL.search(text))
