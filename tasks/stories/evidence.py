"""Evidence that an article belongs to a story, beyond one bag of words: title terms, name-like
terms, and a small logistic model that turns their similarities into a join probability.

One bag of words lets the vocabulary of a sector or a public figure ("ministre", "Sarkozy") carry
two different events into one story, and lets a short article on the right event fall just under a
single tuned threshold. Separate similarities, weighed by a model trained on labelled pairs
(bench/story_quality.py --train), and a probability threshold for "new story" chosen by
cross-validation, are what bench/RESULTS.md measures against the single threshold.

Retrain after a change of features, terms or data: `.venv/bin/python bench/story_quality.py --train`
(rewrites join_model.json), then rerun the cross-validation (same script, no flag) and
tests/warehouse/test_clustering_quality.py. Time gaps are not a feature: the dev data is undated,
so the model could not learn one; the hard window (assignment.MAX_GAP_DAYS) stays.

Name-like terms are cheap: capitalised words that do not start a sentence (no tagger on the
ingest path), accent-folded and cut like every other term so they share its document frequencies.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from tasks.stories.terms import STEM_CHARS, idf, stopwords
from tasks.text import strip_accents

TITLE_PREFIX = "~t "    # story_terms rows of a story's title centroid (a space: never in a term)
ENTITY_PREFIX = "~e "   # and of its name-like centroid
SIDE_TERMS = 40         # terms kept per side vector and side centroid
JOIN_FLOOR = 0.05       # stories below this cosine are not scored by the model (nor their centroids loaded)
WEIGHTS_FILE = Path(__file__).with_name("join_model.json")

_TOKEN = re.compile(r"[^\W\d_][\w'’-]*|[.!?:;«»\"“”]")
_SENTENCE_END = frozenset(".!?:;«»\"“”")


def _stem(word: str) -> str | None:
    word = strip_accents(word.casefold())
    for apostrophe in ("'", "’"):
        if apostrophe in word[:3]:           # l'Elysée, d'Ingrid → elysee, ingrid
            word = word.split(apostrophe, 1)[1]
    if len(word) < 3 or word in stopwords():
        return None
    return word[:STEM_CHARS]


def entity_terms(title: str | None, body: str) -> Counter[str]:
    """Counts of name-like terms: a capitalised word not at the start of a sentence or line, or an
    all-capitals word of 2+ letters (an acronym). Title words count twice, as in terms()."""
    counts: Counter[str] = Counter()
    for weight, text in ((2, title or ""), (1, body)):
        for line in text.splitlines():
            initial = True
            for token in _TOKEN.findall(line):
                if token[0] in _SENTENCE_END:
                    initial = True
                    continue
                bare = token.split("'", 1)[-1].split("’", 1)[-1] if "'" in token[:3] or "’" in token[:3] else token
                named = bare[:1].isupper() and (not initial or (len(bare) > 1 and bare.isupper()))
                initial = False
                if named:
                    stem = _stem(bare)
                    if stem is not None:
                        counts[stem] += weight
    return counts


def title_terms(title: str | None) -> Counter[str]:
    """Counts of the title's terms (same stems as terms())."""
    counts: Counter[str] = Counter()
    for token in _TOKEN.findall(title or ""):
        if token[0] not in _SENTENCE_END:
            stem = _stem(token)
            if stem is not None and not stem.isdigit():
                counts[stem] += 1
    return counts


def side_vector(counts: Counter[str], df: dict[str, int], n_docs: int) -> dict[str, float]:
    """Unit TF-IDF vector of the SIDE_TERMS heaviest terms, with the article terms' frequencies."""
    weights = {t: (1.0 + math.log(c)) * idf(df.get(t, 0), n_docs) for t, c in counts.items()}
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:SIDE_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {t: w / norm for t, w in top}


def add_to_centroid(centroid: dict[str, float], vec: dict[str, float], keep: int = SIDE_TERMS) -> dict[str, float]:
    """Sum of unit vectors, pruned to the `keep` heaviest terms (as Story.add does for the main one)."""
    merged = dict(centroid)
    for t, w in vec.items():
        merged[t] = merged.get(t, 0.0) + w
    return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:keep])


def cosine(vec: dict[str, float], centroid: dict[str, float]) -> float:
    """Cosine of a unit vector with a centroid (a few dict look-ups: the centroids are small)."""
    if not vec or not centroid:
        return 0.0
    norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
    return sum(w * centroid.get(t, 0.0) for t, w in vec.items()) / norm


FEATURES = ("all", "title", "entity", "all_x_entity", "log_size")
# The features the committed model uses. Shared names count only through all × entity: with a
# weight of their own, they joined other events about the same people or firms (cross-validated
# worst F1 0.706 with it, 0.750 without; bench/RESULTS.md).
MODEL_MASK = (True, True, False, True, True)


def features(sim_all: float, sim_title: float, sim_entity: float, size: int) -> list[float]:
    """The model's inputs for one (article, story) pair. all × entity lets shared names count only
    with shared words: a person's name alone (another event about them) does not make a join."""
    return [sim_all, sim_title, sim_entity, sim_all * sim_entity, math.log1p(size)]


@lru_cache(maxsize=1)
def model() -> tuple[tuple[float, ...], float, float]:
    """(weights, bias, probability threshold) from join_model.json (bench/story_quality.py --train)."""
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{WEIGHTS_FILE.name} was trained on features {data['features']}, not {FEATURES}")
    return tuple(data["weights"]), float(data["bias"]), float(data["threshold"])


def join_probability(x: list[float], weights: tuple[float, ...], bias: float) -> float:
    z = bias + sum(w * v for w, v in zip(weights, x, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
