"""An article's terms and TF-IDF vector: accent-folded, prefix-stemmed words, title counted twice.

What an article *is* for story assignment (tasks/stories/assignment.py) and for the story index
the warehouse keeps (internals.term_df, internals.story_terms).
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from pathlib import Path

from tasks.text import strip_accents, words

# Tuned on ../shared/eval/clustering/rpm2 with the assignment threshold (bench/RESULTS.md).
STEM_CHARS = 6
ARTICLE_TERMS = 80


EVERY_ARTICLE = ("fr", "en")   # the stop word groups applied to every article (as tuned on RPM2)


@lru_cache(maxsize=1)
def _stopword_groups() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    language = ""
    text = (Path(__file__).parents[1] / "rules" / "stopwords.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("#"):
            header = line[1:].split()
            language = header[0] if header and len(header[0]) == 2 else language
            continue
        groups.setdefault(language, set()).update(line.split())
    return {lang: frozenset(words) for lang, words in groups.items()}


@lru_cache(maxsize=8)
def stopwords(language: str | None = None) -> frozenset[str]:
    """The stop words of an article in `language`: the EVERY_ARTICLE groups, and the language's own
    group when the file has one. A language's function words only for its own articles: in a
    warehouse where Spanish is 5% of the articles, "los", "para", "del" kept a high IDF and joined
    every Spanish article into one story (4,322 of 5,099 at 100,000 articles), while German's
    "die" or "war" are English words."""
    groups = _stopword_groups()
    return frozenset().union(*(groups.get(g, frozenset()) for g in (*EVERY_ARTICLE, language or "")))


@lru_cache(maxsize=1 << 17)
def term_of(word: str, language: str | None = None) -> str | None:
    """The term a word counts as (accent-folded, cut to STEM_CHARS), None for a stop word, a
    number or a word under 3 letters. Cached: the same words recur in every article."""
    word = strip_accents(word)
    if len(word) < 3 or word.isdigit() or word in stopwords(language):
        return None
    return word[:STEM_CHARS]


def terms(title: str | None, body: str, language: str | None = None) -> Counter[str]:
    """Term counts of an article: accent-folded, stop words (of its language too) dropped, cut to STEM_CHARS."""
    counts: Counter[str] = Counter()
    for weight, text in ((2, title or ""), (1, body)):
        for term in (term_of(word, language) for word in words(text)):
            if term is not None:
                counts[term] += weight
    return counts


def document_frequencies(counts) -> Counter[str]:
    """How many of the articles' term counts (an iterable of Counters) hold each term."""
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    return df


IDF_PRIOR_DOCS = 100


def idf(df: int, n_docs: int) -> float:
    """Smoothed IDF. IDF_PRIOR_DOCS pseudo-documents without the term keep a young warehouse
    (a handful of articles, all on one event) from treating the event's own words as stop words."""
    return math.log((n_docs + IDF_PRIOR_DOCS) / (df + 1)) + 1.0


def tfidf_vector(counts: Counter[str], df: dict[str, int], n_docs: int) -> dict[str, float]:
    """Unit-length vector of the ARTICLE_TERMS heaviest terms, with sublinear tf."""
    weights = {t: (1.0 + math.log(c)) * idf(df.get(t, 0), n_docs) for t, c in counts.items()}
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:ARTICLE_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {t: w / norm for t, w in top}
