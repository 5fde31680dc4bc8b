"""Text normalisation shared by every stage: one place decides what 'the same text' means."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import ftfy

# Zero-width and bidi marks that scrapers leave in text; they change hashes but not meaning.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]")
# C0/C1 control characters other than whitespace: never meaningful in an article.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# UTF-8 read as Latin-1/Windows-1252 leaves these pairs ("Ã©" for é, "â€™" for ’).
_MOJIBAKE_HINT = re.compile(
    r"[ÃÂÅâ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")
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
_FOLDED = re.compile("[" + "".join(chr(c) for c in _MATCH_FOLD) + "]")


def clean_line(text: str) -> str:
    """Canonical stored form of a line: mojibake repaired (ftfy), NFC, invisible marks and control
    characters dropped, spaces collapsed."""
    if _MOJIBAKE_HINT.search(text):
        text = ftfy.fix_encoding(text)
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))   # a regex: 15× faster than str.translate
    # str.split() splits on what \s matches (no-break and thin spaces included): 5× faster than a regex.
    return " ".join(_CONTROLS.sub("", text).split())


def fold_for_match(text: str) -> str:
    """Form used to compare texts: clean_line + unified quotes/apostrophes/dashes, casefolded."""
    text = clean_line(text)
    return _FOLDED.sub(lambda m: _MATCH_FOLD[ord(m.group())], text).casefold()


def words(text: str) -> list[str]:
    """Words of a text in match form (casefolded, punctuation dropped)."""
    return _WORD.findall(fold_for_match(text))


@lru_cache(maxsize=1 << 17)
def strip_accents(word: str) -> str:
    """The word without combining marks (é → e). Cached: called once per word of every article."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_TERMINAL = re.compile(r"[.!?…]\s*[\"'»”’)\]]*\s*$")


def is_terminated(text: str) -> bool:
    """True when the line ends like a sentence (., !, ?, … possibly before closing quotes)."""
    return bool(_TERMINAL.search(text))


# What decoded bytes that are not text are made of: control characters (C0 but whitespace, DEL,
# C1) and U+FFFD, the mark of bytes the codec could not read. A real page has almost none.
_NOT_TEXT_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
NOT_TEXT_SHARE = 0.01
# A real word: 1 to 30 letters and marks (Indic vowel signs are marks), a hyphen or apostrophe
# inside, with the punctuation prose puts around words; scripts written without spaces count by
# runs of letters.
_AROUND_WORDS = "(\"'«“‘¿¡.,;:!?…»”’)।"
_UNSPACED_RUN = re.compile(r"[\u0e00-\u0e7f\u1000-\u109f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]{4,}")
WORD_RUN = 4


def not_text_reason(text: str, need_words: bool = True) -> str | None:
    """Why a decoded text is not text, or None. Random bytes decode in any single-byte charset
    (into a soup of letters, symbols and control characters), and a wrong charset turns words into
    one script's noise: neither must become an article. Not text: over 1% control or replacement
    characters, or (`need_words`) no run of WORD_RUN real words anywhere."""
    bad = len(_NOT_TEXT_CHARS.findall(text))
    if bad > max(8, NOT_TEXT_SHARE * len(text)):
        return f"{bad} of {len(text)} characters are control or replacement characters"
    if need_words and not has_word_run(text):
        return f"no run of {WORD_RUN} real words"
    return None


def has_word_run(text: str, run: int = WORD_RUN) -> bool:
    """Whether the text holds `run` consecutive word-like tokens (or a run of letters of a script
    written without spaces)."""
    if _UNSPACED_RUN.search(text):
        return True
    streak = 0
    for token in text.split():
        streak = streak + 1 if _is_word(token.strip(_AROUND_WORDS)) else 0
        if streak >= run:
            return True
    return False


def _is_word(token: str) -> bool:
    return (0 < len(token) <= 30 and token[0] not in "-'’"
            and all(c in "-'’" or unicodedata.category(c)[0] in "LM" for c in token))
