"""Offline proxy for consolidation variants: average link on each 5-topic half of RPM2 dev, cut chosen
on the training half, scored on the test half (the 30 splits of bench/story_quality.py).

    PYTHONPATH=. .venv/bin/python bench/story_offline_variants.py

Cheap (seconds per variant, no streaming), so it ranks similarity definitions and cut rules before
the streamed cross-validation (bench/story_quality.py) measures the one worth wiring in. Rows:
  * similarity variants (body TF-IDF cosine as stored; top-k terms; terms in more than a fraction
    of the half's articles dropped; BM25-like tf; IDF prior; title-term cosine blended in; body x
    name-term cosine added), each with the bench's rule (strictest cut within 0.01 of the best
    training F1);
  * the rule's slack (0 to 0.05);
  * scale-free cuts on the half's own pairwise similarities: mean + z * std, z chosen on training;
    and the cut that maximises the test half's silhouette (no labels, no parameter);
  * the oracle: the best cut per test half, and the best single cut for the worst half (in-sample
    upper bounds, not CV figures).
"""

from __future__ import annotations

import math
import statistics
import sys
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import story_quality as q  # noqa: E402
from bench.metrics import bcubed  # noqa: E402
from tasks.stories import evidence  # noqa: E402
from tasks.stories.consolidation import unit_rows  # noqa: E402

GRID = [round(0.01 + 0.005 * i, 3) for i in range(80)]
Z_GRID = [round(-0.5 + 0.05 * i, 2) for i in range(80)]
VARIANTS: dict[str, dict] = {
    "body (as stored)": {}, "top 40 terms": {"k": 40}, "top 160 terms": {"k": 160}, "top 400 terms": {"k": 400},
    "drop terms in > 20% of articles": {"frac": 0.2}, "drop terms in > 30%": {"frac": 0.3},
    "BM25 tf (k1 1.2)": {"bm25": True}, "IDF prior 10": {"prior": 10}, "IDF prior 1000": {"prior": 1000},
    "+ 0.25 title": {"a": 0.25}, "+ 0.5 title": {"a": 0.5}, "+ 1.0 title": {"a": 1.0},
    "+ 1.0 body x names": {"b": 1.0}, "+ 0.5 title + 1.0 body x names": {"a": 0.5, "b": 1.0},
}


def body_vector(counts: Counter[str], df: Counter[str], n: int, p: dict) -> dict[str, float]:
    """terms.tfidf_vector with the variant's top-k, document-frequency cap, tf and IDF prior."""
    tf: Callable[[int], float] = (lambda c: c * 2.2 / (c + 1.2)) if p.get("bm25") else (lambda c: 1 + math.log(c))
    prior, frac = p.get("prior", 100), p.get("frac")
    w = {t: tf(c) * (math.log((n + prior) / (df.get(t, 0) + 1)) + 1) for t, c in counts.items()
         if frac is None or df.get(t, 0) <= frac * n}
    top = sorted(w.items(), key=lambda kv: (-kv[1], kv[0]))[:p.get("k", 80)]
    norm = math.sqrt(sum(x * x for _, x in top)) or 1.0
    return {t: x / norm for t, x in top}


@cache
def similarity(data: q.Data, topics: tuple[str, ...], key: tuple) -> np.ndarray:
    """Pairwise similarity of a half's articles under a variant, with the half's own frequencies."""
    p = dict(key)
    ids = data.ids(topics)
    df: Counter[str] = Counter()
    for i in ids:
        df.update(data.counts[i].keys())
    b = unit_rows([body_vector(data.counts[i], df, len(ids), p) for i in ids])
    s = b @ b.T
    if p.get("a"):
        t = unit_rows([evidence.side_vector(data.title[i], df, len(ids)) for i in ids])
        s = (s + p["a"] * (t @ t.T)) / (1 + p["a"])
    if p.get("b"):
        e = unit_rows([evidence.side_vector(data.entity[i], df, len(ids)) for i in ids])
        s = s + p["b"] * s * (e @ e.T)
    return s


@cache
def tree(data: q.Data, topics: tuple[str, ...], key: tuple):
    distance = np.clip(1 - similarity(data, topics, key), 0, None)
    np.fill_diagonal(distance, 0)
    return linkage(squareform(distance, checks=False), method="average")


def f1_at(data: q.Data, topics: tuple[str, ...], key: tuple, cut: float) -> float:
    ids = data.ids(topics)
    labels = dict(zip(ids, fcluster(tree(data, topics, key), 1 - cut, criterion="distance"), strict=True))
    return bcubed(labels, {i: data.gold[i] for i in ids})[2]


def z_cut(data: q.Data, topics: tuple[str, ...], key: tuple, z: float) -> float:
    """mean + z * std of the half's pairwise similarities: a cut in units of its own spread."""
    s = similarity(data, topics, key)
    pairs = s[np.triu_indices(len(s), 1)]
    return float(pairs.mean() + z * pairs.std())


def silhouette(distance: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette (singletons 0, one cluster 0)."""
    lab = np.unique(labels, return_inverse=True)[1]
    k = lab.max() + 1
    if k < 2:
        return 0.0
    onehot = np.zeros((len(lab), k))
    onehot[np.arange(len(lab)), lab] = 1
    size, sums = onehot.sum(0), distance @ onehot
    own = size[lab]
    a = sums[np.arange(len(lab)), lab] / np.maximum(own - 1, 1)
    other = sums / size
    other[np.arange(len(lab)), lab] = np.inf
    b = other.min(1)
    return float(np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0).mean())


def silhouette_cut(data: q.Data, topics: tuple[str, ...], key: tuple) -> float:
    distance = 1 - similarity(data, topics, key)
    z = tree(data, topics, key)
    return max(GRID, key=lambda g: silhouette(distance, fcluster(z, 1 - g, criterion="distance")))


def line(name: str, scores: list[float], params: list[float], sens: list[float] | None = None) -> str:
    drift = f" ±20% {statistics.fmean(sens):.3f}/{max(sens):.3f}" if sens else ""
    return (f"{name:<40} mean {statistics.fmean(scores):.3f} worst {min(scores):.3f}{drift} "
            f"chosen {min(params):g}-{max(params):g} (median {statistics.median(params):g})")


def main() -> None:
    data = q.Data()
    split_list = q.splits(data, 30)
    print("similarity variants, the bench's rule (strictest cut within 0.01 of the best training F1):")
    for name, p in VARIANTS.items():
        key = tuple(sorted(p.items()))
        scores, cuts, sens = [], [], []
        for train, test in split_list:
            g = q.pick(GRID, {c: f1_at(data, train, key, c) for c in GRID}, +1)
            cuts.append(g)
            scores.append(f1_at(data, test, key, g))
            sens.append(max(abs(f1_at(data, test, key, g * k) - scores[-1]) for k in (0.8, 1.2)))
        print(line(name, scores, cuts, sens))
    for name in ("body (as stored)", "+ 0.25 title"):
        key = tuple(sorted(VARIANTS[name].items()))
        for slack in (0.0, 0.02, 0.03, 0.05):
            scores, cuts = [], []
            for train, test in split_list:
                f1 = {c: f1_at(data, train, key, c) for c in GRID}
                best = max(f1.values())
                g = max(c for c in GRID if f1[c] >= best - slack)
                cuts.append(g)
                scores.append(f1_at(data, test, key, g))
            print(line(f"{name}, slack {slack}", scores, cuts))
        scores, zs = [], []
        for train, test in split_list:
            z = q.pick(Z_GRID, {x: f1_at(data, train, key, z_cut(data, train, key, x)) for x in Z_GRID}, +1)
            zs.append(z)
            scores.append(f1_at(data, test, key, z_cut(data, test, key, z)))
        print(line(f"{name}, cut mean + z std (z on training)", scores, zs))
        cuts = [silhouette_cut(data, test, key) for _, test in split_list]
        print(line(f"{name}, silhouette of the test half", [f1_at(data, test, key, c) for (_, test), c
                                                            in zip(split_list, cuts, strict=True)], cuts))
        per_cut = {c: [f1_at(data, test, key, c) for _, test in split_list] for c in GRID}
        oracle = [max(per_cut[c][k] for c in GRID) for k in range(len(split_list))]
        fixed = max(GRID, key=lambda c: min(per_cut[c]))
        print(line(f"{name}, oracle cut per test half", oracle, [0]))
        print(line(f"{name}, best fixed cut for the worst half", per_cut[fixed], [fixed]))


if __name__ == "__main__":
    main()
