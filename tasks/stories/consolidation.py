"""Story consolidation: re-cluster the articles of the stories a batch touched (and their neighbours)
by average link, and turn the clusters into merges and splits of story ids.

Streaming assignment (assignment.py) decides each article once, against the stories of that moment:
an early article can open a story that the same event's later articles then fill in twice, or a
broad early centroid can take in another event. Average link over the same articles at once does
not depend on their order (bench/story_quality.py measures both). Re-clustering only the stories a
batch touched and the stories on their articles' shortlists keeps the cost independent of the
warehouse's size. Ids stay stable: a story keeps its id for its largest part, stories whose largest
parts meet merge into the oldest of them, and a part nobody keeps opens a story named after its
earliest article (story_id_for), as streaming does.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from tasks.stories.assignment import MAX_GAP_DAYS, story_id_for

# The average-link cut (mean cosine between two clusters' articles, TF-IDF unit vectors): the
# cross-validation's rule (bench/story_quality.py: the strictest cut within 0.01 of the best F1)
# applied to all 10 RPM2 dev topics; the folds chose 0.04-0.09 (median 0.06), bench/RESULTS.md.
CUT = 0.07
# Weight of the title-term cosine when `titles` are given (similarities). The warehouse gives none:
# cross-validated (bench/story_quality.py, 30 splits x 3 orders) the blend raises the mean F1
# (0.930 -> 0.951 at 0.25) but the worst split only at 0.25 (0.833 -> 0.844; 0.819 at 0.2), bench/RESULTS.md.
TITLE_WEIGHT = 0.25
# A stored story of at least this many articles starts consolidation as one cluster, compared by
# its centroid (KeptStory), instead of article by article: average link is quadratic in the
# articles and reading their vectors linear, and at 100,000 articles many of a batch's re-clustered
# articles sit in a few such stories. A cost rule, checked neutral (bench/RESULTS.md): RPM2's CV
# (silhouette cut, 30 splits x 3 orders) is the same at 40, 50, 60 and off (0.965 / 0.858 worst
# split), and loses at 20 (0.957 / 0.849: a wrongly merged pair of stories can no longer split);
# synthetic 5,000 articles 0.917 vs 0.916 off. None: every story article by article.
KEEP_WHOLE_FROM: int | None = 50


@dataclass(frozen=True)
class Event:
    """One change of story membership: `kind` "merge" (every article of `story_id` left for
    `into_story_id`; the id becomes an alias) or "split" (`articles` of them left, the rest stayed)."""

    kind: str
    story_id: str
    into_story_id: str
    articles: int
    articles_before: int


@dataclass(frozen=True)
class KeptStory:
    """A stored story as consolidation keeps it whole (KEEP_WHOLE_FROM): the sum of its
    articles' unit vectors (its centroid, assignment.Story) and their publication span (None:
    undated), so that it is compared without reading its articles."""

    centroid: dict[str, float]
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class Plan:
    moves: dict[str, str]       # article_id -> its new story_id (only articles that move)
    events: list[Event]
    opened: list[str]           # story ids opened by splits
    aliases: dict[str, str]     # merged story_id -> surviving story_id


def unit_rows(vectors: list[dict[str, float]]) -> np.ndarray:
    """The sparse vectors as the rows of one dense matrix over their joint vocabulary, each of unit
    length (an empty vector stays a row of zeros)."""
    vocab: dict[str, int] = {}
    for v in vectors:
        for t in v:
            vocab.setdefault(t, len(vocab))
    m = np.zeros((len(vectors), max(1, len(vocab))))
    for row, v in enumerate(vectors):
        for t, w in v.items():
            m[row, vocab[t]] = w
    norms = np.linalg.norm(m, axis=1)
    return m / np.where(norms > 0, norms, 1.0)[:, None]


def similarities(vectors: list[dict[str, float]], titles: list[dict[str, float]] | None = None,
                 title_weight: float = TITLE_WEIGHT) -> np.ndarray:
    """Pairwise similarity: the body cosine, blended with the title-term cosine, (body + w·title) /
    (1 + w), where both articles have title terms. Two events of one sector share the sector's body
    words ("banque", "crise") far more than their headlines' words, so the blend lowers the
    similarity between them more than within a story (bench/RESULTS.md). A pair without a title on
    either side keeps its body cosine."""
    body = _cosines(vectors)
    if titles is None or title_weight == 0:
        return body
    has = np.array([bool(t) for t in titles])
    both = has[:, None] & has[None, :]
    return np.where(both, (body + title_weight * _cosines(titles)) / (1.0 + title_weight), body)


# From this many vectors on, cosines are a sparse product (scipy): a term held by k of them costs
# k² multiplications, not n² (a story's 700 articles share a few sector words and little else:
# 0.19 s instead of 0.6 s per batch at 100,000 articles). Below it the dense product costs
# nothing, and a run spares scipy's half-second import.
SPARSE_FROM = 300


def _cosines(vectors: list[dict[str, float]], unit_length: bool = True) -> np.ndarray:
    """Pairwise cosines of sparse vectors (0 for an empty vector; the diagonal 1 up to rounding).
    `unit_length` False: their plain dot products (vectors that are sums of unit vectors, whose
    product is the sum of their members' cosines: Σa Σb cos(a, b) = (Σa â)·(Σb b̂))."""
    index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for row, v in enumerate(vectors):
        for t, w in v.items():
            rows.append(row)
            cols.append(index.setdefault(t, len(index)))
            vals.append(w)
    n = len(vectors)
    r, c, w = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(vals, dtype=float)
    norms = np.sqrt(np.bincount(r, weights=w * w, minlength=n))
    unit = w / np.where(norms > 0, norms, 1.0)[r] if unit_length else w
    if n >= SPARSE_FROM:
        from scipy.sparse import csr_matrix

        m = csr_matrix((unit, (r, c)), shape=(n, max(1, len(index))))
        return (m @ m.T).toarray()
    m = np.zeros((n, max(1, len(index))))
    m[r, c] = unit
    return m @ m.T


def average_link(vectors: list[dict[str, float]], cut: float, days: list[float | None] | None = None,
                 max_gap_days: float = MAX_GAP_DAYS, titles: list[dict[str, float]] | None = None,
                 title_weight: float = TITLE_WEIGHT, coherence: float | None = None,
                 reassignment: float | None = None) -> list[int]:
    """Cluster label per vector: clusters merged, most similar pair first, while the mean
    similarity between their members (`similarities`: body cosine, blended with the title-term
    cosine when `titles` are given) is at least `cut` (UPGMA). With `days` (publication day per
    vector, None if undated), two clusters whose date spans are more than `max_gap_days` apart never
    merge: the window streaming keeps (assignment.MAX_GAP_DAYS), so that the same words months apart
    (a yearly event, a trial and its appeal) stay separate stories. Exact: each step merges the
    first most similar pair in row order, as an argmax over the whole matrix would; each cluster's
    best partner is kept and recomputed only for the rows a merge touched, so a step costs O(n) for
    most rows instead of O(n²) (a 740-article neighbourhood took 0.5 s). With `coherence`, the
    split step of coherent_upgma at that ratio (None: none); with `reassignment`, then the
    reassignment pass (`reassign`) at that margin (None: none)."""
    if not vectors:
        return []
    total = similarities(vectors, titles, title_weight)   # sum of pairwise similarities between clusters
    day = np.array([np.nan if d is None else d for d in (days or [None] * len(vectors))], dtype=float)
    # each cluster's date span (NaN: no dated article)
    work = total if reassignment is None else total.copy()      # the merges consume it
    if coherence is not None:
        labels = coherent_upgma(work, np.ones(len(vectors)), day.copy(), day.copy(), cut, max_gap_days,
                                ratio=coherence)
    else:
        labels = upgma(work, np.ones(len(vectors)), day.copy(), day.copy(), cut, max_gap_days)
    if reassignment is not None:
        labels = reassign(total, np.ones(len(vectors)), labels, day, day, max_gap_days, reassignment)
    return [int(x) for x in labels]


def average_link_of_sums(sums: list[dict[str, float]], sizes: list[int],
                         spans: list[tuple[float | None, float | None]], cut: float,
                         max_gap_days: float = MAX_GAP_DAYS, coherence: float | None = None,
                         reassignment: float | None = None) -> list[int]:
    """average_link started from clusters given by their sums of unit vectors (a stored story's
    centroid, or one article's vector), sizes and date spans (first, last publication day, None if
    undated): what consolidation needs of a stored story it keeps whole, without its articles
    (`reassign` moves single articles only: a kept story moves whole or not at all)."""
    if not sums:
        return []
    first = np.array([np.nan if f is None else f for f, _ in spans], dtype=float)
    last = np.array([np.nan if x is None else x for _, x in spans], dtype=float)
    total = _cosines(sums, unit_length=False)
    size = np.asarray(sizes, dtype=float)
    work = total if reassignment is None else total.copy()      # the merges consume these
    span = first.copy(), last.copy()
    if coherence is not None:   # a sum's own pairs: its squared norm less its members' self-similarities
        within = np.clip(np.diag(total) - size, 0.0, None)
        labels = coherent_upgma(work, size.copy(), first, last, cut, max_gap_days, within, coherence)
    else:
        labels = upgma(work, size.copy(), first, last, cut, max_gap_days)
    if reassignment is not None:
        labels = reassign(total, size, labels, *span, max_gap_days, reassignment)
    return [int(x) for x in labels]


# The split step (coherent_upgma): a merge of two clusters of at least COHERENCE_MIN_SIZE articles
# each is refused when their mean similarity is under COHERENCE_RATIO times the mean similarity
# inside the less cohesive of them. Two events of one sector (RPM2's savings bank and state aid to
# banks) meet at 0.04-0.06, above the silhouette's chosen cut, but at under half of what their
# own articles share (0.42-0.49 of it), while the halves of one story meet at 0.57-0.83 of it
# (bench/RESULTS.md); the ratio is scale-free, where a cut is not. Only between clusters of 10+
# articles, a group of near-copies counted once: parts of a few articles of one story often meet
# under 0.6 of it, and a dispatch republished by ten outlets is one article's worth of evidence. Cross-validated (RPM2,
# 30 splits x 3 orders): worst split 0.858 -> 0.908, mean 0.965 -> 0.972, flat over 0.52-0.78 and
# sizes 8-12; synthetic 5,000 0.917 -> 0.922. None: off (plain UPGMA).
COHERENCE_RATIO: float | None = 0.65
COHERENCE_MIN_SIZE = 10
# Pairs of articles at least this similar are near-copies to the split step: they are left out of a
# cluster's cohesion, since a cluster of copies is far tighter than any story (cohesion 0.85-0.93 on
# the synthetic corpus) and would refuse every merge with it (bench/RESULTS.md).
COHERENCE_COPY_COSINE = 0.5


def coherent_upgma(total: np.ndarray, size: np.ndarray, first: np.ndarray, last: np.ndarray, cut: float,
                   max_gap_days: float, within: np.ndarray | None = None, ratio: float = 0.5,
                   min_size: int | None = None) -> np.ndarray:
    """upgma's labels with a split step: walking the same merge history down to `cut`, a merge of
    two clusters of `min_size`+ articles each whose mean similarity is under `ratio` times
    the lower of their mean internal similarities is refused, and so is every later merge of the
    cluster it made (its parts stay apart: a wrong merge costs more than a split). `within`: each
    starting cluster's sum of similarities between distinct members (0 for one article; for a sum
    of unit vectors, its squared norm minus its size). The cut alone decides every other merge.
    Pairs of single articles of similarity COHERENCE_COPY_COSINE or more (near-copies) do not
    count in the cohesion (a kept story's own copies, inside its sum, still do), and a cluster's
    size for `min_size` counts its groups of such copies once: a story republished by ten outlets
    is not ten articles' worth of evidence that its part is a story of its own."""
    n = len(size)
    min_size = COHERENCE_MIN_SIZE if min_size is None else min_size
    count = size.copy()                          # merges() consumes `size` and `total`
    inside = np.zeros(n) if within is None else within.astype(float).copy()
    single = np.flatnonzero(size == 1)
    sub = total[np.ix_(single, single)]
    rows, cols = np.nonzero(np.triu(sub >= COHERENCE_COPY_COSINE, 1))
    # cluster -> other cluster -> [similarity sum, pairs, the (article, article) copy pairs]
    copies: dict[int, dict[int, list]] = {}
    for r, c in zip(single[rows].tolist(), single[cols].tolist(), strict=True):
        copies.setdefault(r, {})[c] = [float(total[r, c]), 1.0, [(r, c)]]
        copies.setdefault(c, {})[r] = copies[r][c]
    groups = count.copy()                        # a cluster's size, each group of copies counted once
    copy_group = list(range(n))                  # union-find over starting clusters joined by copy pairs

    def root(k: int) -> int:
        while copy_group[k] != k:
            copy_group[k] = copy_group[copy_group[k]]
            k = copy_group[k]
        return k

    copy_inside = np.zeros(n)                    # ordered copy pairs inside a cluster: similarity sum
    copy_pairs = np.zeros(n)                     # and count
    blocked = np.zeros(n, dtype=bool)
    label = np.arange(n)
    for value, i, j in merges(total, size, first, last, max_gap_days):
        if value < cut:
            break
        ni, nj = count[i], count[j]
        cohesion = [(inside[k] - copy_inside[k]) / pairs for k in (i, j)
                    if (pairs := count[k] * (count[k] - 1) - copy_pairs[k]) > 0]
        refused = (blocked[i] or blocked[j]
                   or (min(groups[i], groups[j]) >= min_size and bool(cohesion) and value < ratio * min(cohesion)))
        across = copies.get(i, {}).pop(j, [0.0, 0.0, []])
        copies.get(j, {}).pop(i, None)
        groups[i] += groups[j]
        for a, b in across[2]:                   # copies across the merge: their groups become one
            if (ra := root(a)) != (rb := root(b)):
                copy_group[rb] = ra
                groups[i] -= 1
        inside[i] += inside[j] + 2.0 * value * ni * nj
        copy_inside[i] += copy_inside[j] + 2.0 * across[0]
        copy_pairs[i] += copy_pairs[j] + 2.0 * across[1]
        for k, (total_k, pairs_k, edges_k) in copies.pop(j, {}).items():    # j's copy links now belong to i
            mine = copies.setdefault(i, {}).setdefault(k, [0.0, 0.0, []])
            mine[0] += total_k
            mine[1] += pairs_k
            mine[2] += edges_k
            theirs = copies[k]
            del theirs[j]
            theirs[i] = mine
        count[i] += nj
        blocked[i] = refused
        if not refused:
            label[label == j] = i
    return label


# The reassignment pass (reassign), after the cut: an article moves to another cluster of 2+ articles
# when its mean similarity to that cluster's articles is over (1 + REASSIGN_MARGIN) times its mean
# similarity to the rest of its own, for up to REASSIGN_ROUNDS rounds (the refinement step of
# k-means, with leave-one-out means, run after an agglomerative clustering). Average link decides
# each merge for whole clusters, so an article the stream put in the wrong story (RPM2: a few
# articles on state aid to banks inside the savings bank's story) rides along with its story at
# every merge, and nothing put it back. Cross-validated (RPM2, 30 splits x 3 orders, with the split
# step): mean 0.972 -> 0.981, worst split 0.908 -> 0.922, precision 0.990 -> 0.999; 0.976-0.981 over
# margins 0-0.3 (bench/RESULTS.md). No article moves on the synthetic corpus. None: off.
REASSIGN_MARGIN: float | None = 0.1
REASSIGN_ROUNDS = 3


def reassign(total: np.ndarray, size: np.ndarray, labels: np.ndarray, first: np.ndarray, last: np.ndarray,
             max_gap_days: float, margin: float, rounds: int | None = None) -> np.ndarray:
    """`labels` of n starting clusters (`total`, `size`, date spans `first`/`last` as `upgma` takes
    them, not consumed) after the reassignment pass: each single article (size 1) whose mean
    similarity to the articles of another cluster of 2+ is over (1 + `margin`) times its mean
    similarity to the rest of its own cluster moves there (to the most similar such cluster, within
    the time window), all at once, and again for up to `rounds` rounds while any moves. An article
    alone in its cluster stays: joining it is the cut's decision. Means, not centroids: with unit
    vectors the mean similarity to a cluster is the cosine to its mean vector times that vector's
    length, and leaving the article out of its own is what makes a misplaced article visible.
    Costs O(n²) a round, as the matrix average link already built."""
    rounds = REASSIGN_ROUNDS if rounds is None else rounds
    labels = np.unique(labels, return_inverse=True)[1]
    single = np.flatnonzero(size == 1)
    if len(single) == 0:
        return labels
    rows = total if len(single) == len(size) else total[single]
    itself = rows[np.arange(len(single)), single]
    on = np.arange(len(single))
    for _ in range(rounds):
        k = int(labels.max()) + 1
        order = np.argsort(labels, kind="stable")    # each single article's summed similarity per cluster
        count = np.bincount(labels, weights=size, minlength=k)
        sums = np.add.reduceat(rows[:, order], np.searchsorted(labels[order], np.arange(k)), axis=1)
        start, end = np.full(k, np.nan), np.full(k, np.nan)
        np.fmin.at(start, labels, first)
        np.fmax.at(end, labels, last)
        own = labels[single]
        rest = count[own] - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            mine = np.where(rest > 0, (sums[on, own] - itself) / np.where(rest > 0, rest, 1), np.nan)
            mean = sums / count
        mean[:, count < 2] = -np.inf
        mean[on, own] = -np.inf
        mean[_too_far(first[single, None], last[single, None], start[None, :], end[None, :], max_gap_days)] = -np.inf
        best = np.argmax(mean, axis=1)
        value = mean[on, best]
        move = (rest > 0) & (value > mine) & (value >= (1.0 + margin) * np.fmax(mine, 0.0))
        if not move.any():
            break
        labels = labels.copy()
        labels[single[move]] = best[move]
        labels = np.unique(labels, return_inverse=True)[1]
    return labels


def upgma(total: np.ndarray, size: np.ndarray, first: np.ndarray, last: np.ndarray, cut: float,
          max_gap_days: float) -> np.ndarray:
    """The label of each of n starting clusters (`total`: n × n sums of the similarities between
    their members, `size`, date spans `first`/`last`, NaN if undated) after average link (see
    average_link): the prefix of their merge history (`merges`) down to `cut`; `total`, `size`,
    `first` and `last` are consumed."""
    label = np.arange(len(size))
    for value, i, j in merges(total, size, first, last, max_gap_days):
        if value < cut:
            break
        label[label == j] = i
    return label


def merges(total: np.ndarray, size: np.ndarray, first: np.ndarray, last: np.ndarray, max_gap_days: float):
    """The UPGMA merge history of n starting clusters (as `upgma` takes them, consumed), lazily:
    (mean similarity, i, j) per step, cluster j joining cluster i (i < j, clusters named by their
    first row), most similar pair first, within the time window. The values never rise (a merged
    cluster's mean to another is a weighted mean of its parts', and a pair the window forbids stays
    forbidden), so the clustering at any cut is a prefix of it: one history serves every cut of a
    grid (`cuts_of`). Exact: each step merges the first most similar pair in row order, as an argmax
    over the whole matrix would; each cluster's best partner is kept and recomputed only for the
    rows a merge touched, so a step costs O(n) for most rows instead of O(n²)."""
    n = len(size)
    alive = np.ones(n, dtype=bool)
    mean = total / np.outer(size, size)  # mean pairwise cosine; -inf where no merge may happen
    mean[_too_far(first[:, None], last[:, None], first[None, :], last[None, :], max_gap_days)] = -np.inf
    np.fill_diagonal(mean, -np.inf)
    best = np.argmax(mean, axis=1)       # each row's most similar cluster (the first, on ties)
    best_val = mean[np.arange(n), best]
    for _ in range(n - 1):
        i = int(np.argmax(best_val))
        j = int(best[i])
        if best_val[i] == -np.inf:
            return
        value = float(best_val[i])
        i, j = min(i, j), max(i, j)      # j joins i
        yield value, i, j
        total[i, :] += total[j, :]
        total[:, i] = total[i, :]
        size[i] += size[j]
        first[i], last[i] = np.fmin(first[i], first[j]), np.fmax(last[i], last[j])
        alive[j] = False
        row = total[i, :] / (size[i] * size)
        row[~alive | _too_far(first[i], last[i], first, last, max_gap_days)] = -np.inf
        row[i] = -np.inf
        mean[i, :] = row
        mean[:, i] = row
        mean[j, :] = -np.inf
        mean[:, j] = -np.inf
        best_val[j] = -np.inf
        # Rows whose best partner may have changed: it was i or j, or i now equals it (a mean of two
        # clusters' similarities is at most the larger, so only a tie; kept for the row order).
        stale = alive & ((best == i) | (best == j) | ((row >= best_val) & (row > -np.inf)))
        stale[i] = True
        rows = np.flatnonzero(stale)
        best[rows] = np.argmax(mean[rows], axis=1)
        best_val[rows] = mean[rows, best[rows]]


def cuts_of(similarity: np.ndarray, grid: list[float], days: list[float | None] | None = None,
            max_gap_days: float = MAX_GAP_DAYS) -> dict[float, np.ndarray]:
    """The average-link labels at every cut of `grid`, from one merge history (`merges`): the same
    clusters as `average_link` at each cut, for the price of the lowest one."""
    n = len(similarity)
    day = np.array([np.nan if d is None else d for d in (days or [None] * n)], dtype=float)
    label = np.arange(n)
    out: dict[float, np.ndarray] = {}
    pending = sorted(grid, reverse=True)
    for value, i, j in merges(similarity.copy(), np.ones(n), day.copy(), day.copy(), max_gap_days):
        while pending and value < pending[0]:
            out[pending.pop(0)] = label.copy()
        if not pending:
            break
        label[label == j] = i
    for c in pending:
        out[c] = label.copy()
    return out


def silhouette(distance: np.ndarray, labels: np.ndarray) -> float | None:
    """Mean silhouette (b - a) / max(a, b) of a clustering under a distance matrix: a, an item's
    mean distance to the rest of its cluster, b, to the nearest other cluster; 0 for an item alone
    in its cluster (the usual convention). None with fewer than 2 clusters or no cluster of 2: no
    structure to score. It needs no labels, so a cut can be chosen on the data a batch brings."""
    ks, inverse = np.unique(labels, return_inverse=True)
    if len(ks) < 2 or len(ks) == len(labels):
        return None
    onehot = np.zeros((len(labels), len(ks)))
    onehot[np.arange(len(labels)), inverse] = 1.0
    counts = onehot.sum(axis=0)
    sums = distance @ onehot                               # each item's summed distance to each cluster
    own = counts[inverse]
    a = sums[np.arange(len(labels)), inverse] / np.where(own > 1, own - 1, 1)
    means = sums / counts
    means[np.arange(len(labels)), inverse] = np.inf
    b = means.min(axis=1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(s.mean())


# The per-batch cut (silhouette_cut; warehouse/load/stories.py SILHOUETTE_CUT switches it). The grid is
# the bench's CUT_GRID; a best silhouette under SILHOUETTE_MIN falls back to CUT (one story split
# at a high cut scores 0.06-0.16 on RPM2 topics, several stories 0.09-0.28: a guard, not a
# separator); a larger union is sampled evenly to SILHOUETTE_MAX_ARTICLES (O(n²) per cut).
SILHOUETTE_GRID = [round(0.02 + 0.01 * i, 2) for i in range(19)]
SILHOUETTE_MIN = 0.1
SILHOUETTE_MAX_ARTICLES = 1000
# Conservative choice among near-ties: the highest cut whose silhouette is within this fraction of
# the best. On RPM2 the silhouette is flat (0.09-0.13) over cuts 0.03-0.08, and its small bias for
# merging a close pair of stories (their members' nearest other cluster then moves far away) picks
# the low end, merging two events of one sector; a split costs less than a wrong merge.
# 0.0: the best silhouette's cut (ties: the higher), the behaviour measured as adopted.
SILHOUETTE_SLACK = 0.0


def silhouette_cut(vectors: list[dict[str, float]], days: list[float | None] | None = None,
                   grid: list[float] = SILHOUETTE_GRID, min_silhouette: float = SILHOUETTE_MIN,
                   max_articles: int = SILHOUETTE_MAX_ARTICLES, groups: list[str] | None = None,
                   slack: float = SILHOUETTE_SLACK) -> float | None:
    """The grid cut whose average-link clustering of `vectors` (within the time window of `days`)
    has the highest silhouette (ties: the higher cut; with `slack`, the highest cut within that
    fraction of the best silhouette), or None: fewer than 3 articles, fewer than 2
    clusters at every cut (one story stays one story), or a best silhouette under `min_silhouette`.
    `groups` names each vector's copy group (any key, e.g. its earliest copy): only the first vector
    of each group enters, since a near-copy pair is tighter than any story and would make splitting
    every story into its copy groups the best clustering (bench/RESULTS.md). Chosen once per batch
    on the union of its neighbourhoods, with no labels: a cut tuned on other topics does not say
    where these topics' stories part."""
    keep = list(range(len(vectors)))
    if groups is not None:
        seen: set[str] = set()
        keep = [k for k in keep if not (groups[k] in seen or seen.add(groups[k]))]
    if len(keep) > max_articles:
        keep = [keep[int(k * len(keep) / max_articles)] for k in range(max_articles)]
    if len(keep) < 3:
        return None
    sim = similarities([vectors[k] for k in keep])
    distance = np.clip(1.0 - sim, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    scored = [(s, c) for c, labels in cuts_of(sim, grid, None if days is None else [days[k] for k in keep]).items()
              if (s := silhouette(distance, labels)) is not None]
    if not scored:
        return None
    best = max(s for s, _ in scored)
    if best < min_silhouette:
        return None
    return max(c for s, c in scored if s >= best * (1.0 - slack))


def _too_far(first_a, last_a, first_b, last_b, gap: float):
    """Whether two date spans are more than `gap` days apart (never when either is undated: NaN)."""
    with np.errstate(invalid="ignore"):
        return (first_b - last_a > gap) | (first_a - last_b > gap)


def consolidate(members: dict[str, list[str]], vectors: dict[str, dict[str, float]], age: dict[str, tuple],
                taken: set[str], cut: float = CUT, published: dict[str, datetime | None] | None = None,
                titles: dict[str, dict[str, float]] | None = None, title_weight: float = TITLE_WEIGHT,
                new: set[str] = frozenset(), kept: dict[str, KeptStory] | None = None,
                coherence: float | None = None, reassignment: float | None = None) -> Plan:
    """Merges and splits of the stories `members` (story_id -> its article ids) that make them the
    average-link clusters of their articles' `vectors` at `cut` (within the time window, given the
    articles' `published` dates; with their title-term vectors `titles`, blended into the similarity
    with `title_weight`). `age` orders stories and articles (smaller is older: the oldest
    story survives a merge, the earliest article names a new one); `taken` holds every story id in
    use, aliases included, that a new story must not take. With `kept` (story_id -> KeptStory),
    those stories' articles outside `new` (the batch's) start as one cluster, compared by the
    story's centroid: they move together or not at all, and `vectors` need not hold them (the
    title blend is not used then). `coherence`: the split step's ratio (coherent_upgma; None:
    COHERENCE_RATIO; 0: none); `reassignment`: the reassignment pass's margin (reassign; None:
    REASSIGN_MARGIN; inf: none)."""
    ratio = COHERENCE_RATIO if coherence is None else (coherence or None)
    margin = REASSIGN_MARGIN if reassignment is None else (None if math.isinf(reassignment) else reassignment)
    articles = [a for sid in sorted(members, key=lambda s: age[s]) for a in members[sid]]
    if not articles:
        return Plan({}, [], [], {})
    when = published or {}
    days = [day_of(when.get(a)) for a in articles]
    heads = None if titles is None else [titles.get(a, {}) for a in articles]
    if kept:
        labels = dict(zip(articles, _kept_labels(members, articles, new, vectors, kept, days, cut, ratio, margin),
                          strict=True))
    else:
        labels = dict(zip(articles, average_link([vectors[a] for a in articles], cut, days, titles=heads,
                                                 title_weight=title_weight, coherence=ratio,
                                                 reassignment=margin), strict=True))
    story_of = {a: sid for sid, arts in members.items() for a in arts}
    main: dict[str, int] = {}
    for sid, arts in members.items():
        parts = Counter(labels[a] for a in arts)
        first_in: dict[int, tuple] = {}
        for a in sorted(arts, key=lambda a: age[a]):
            first_in.setdefault(labels[a], age[a])
        main[sid] = min(parts, key=lambda k: (-parts[k], first_in[k]))   # ties: the part of its earliest article
    owner: dict[int, str] = {}
    for sid in sorted(members, key=lambda s: age[s]):
        owner.setdefault(main[sid], sid)
    used = set(taken) | set(members)
    opened: list[str] = []
    for k in sorted(set(labels.values())):
        if k not in owner:
            for a in sorted((a for a in articles if labels[a] == k), key=lambda a: age[a]):
                if story_id_for(a) not in used:
                    owner[k] = story_id_for(a)
                    used.add(owner[k])
                    opened.append(owner[k])
                    break
    moves: dict[str, str] = {}
    moved: Counter[tuple[str, str]] = Counter()
    for a in articles:
        new = owner.get(labels[a], story_of[a])
        if new != story_of[a]:
            moves[a] = new
            moved[(story_of[a], new)] += 1
    # A story whose largest part went to an older story is aliased to it, unless some of its
    # articles stay (a part nobody keeps and no free id could name): then it is a split, so that
    # no article is left in a story that no longer exists.
    stays = {story_of[a] for a in articles if a not in moves}
    aliases = {sid: owner[main[sid]] for sid in members if owner[main[sid]] != sid and sid not in stays}
    events = [Event("merge" if aliases.get(sid) == into else "split", sid, into, n, len(members[sid]))
              for (sid, into), n in sorted(moved.items())]
    return Plan(moves, events, opened, aliases)



def _kept_labels(members: dict[str, list[str]], articles: list[str], new: set[str],
                 vectors: dict[str, dict[str, float]], kept: dict[str, KeptStory], days: list[float | None],
                 cut: float, coherence: float | None = None, reassignment: float | None = None) -> list[int]:
    """Per article, its cluster when each kept story's stored articles start as one cluster, given
    by its KeptStory, and every other article as its own, given by its vector."""
    story_of = {a: sid for sid, arts in members.items() for a in arts}
    unit: dict[object, int] = {}
    units = [unit.setdefault(("story", story_of[a]) if a not in new and story_of[a] in kept else a, len(unit))
             for a in articles]
    sums: list[dict[str, float]] = [{}] * len(unit)
    sizes = [0] * len(unit)
    spans: list[tuple[float | None, float | None]] = [(None, None)] * len(unit)
    for a, u, day in zip(articles, units, days, strict=True):
        sizes[u] += 1
        if a not in new and story_of[a] in kept:
            story = kept[story_of[a]]
            sums[u], spans[u] = story.centroid, (day_of(story.first), day_of(story.last))
        else:
            sums[u], spans[u] = vectors[a], (day, day)
    labels = average_link_of_sums(sums, sizes, spans, cut, coherence=coherence, reassignment=reassignment)
    return [labels[u] for u in units]


def day_of(when: datetime | None) -> float | None:
    """A date as the time window compares them: days since the epoch (None: undated)."""
    return None if when is None else when.timestamp() / 86400


def neighbourhoods(stories: set[str], links: set[tuple[str, str]]) -> list[set[str]]:
    """The connected groups of `stories` under `links` (a batch's article's story, a story that
    article could have joined): what consolidation re-clusters together. Two stories no article
    links are never compared, so each group stays as small as the batch's own overlaps."""
    parent = {s: s for s in stories | {x for link in links for x in link}}

    def root(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for a, b in sorted(links):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, set[str]] = {}
    for s in parent:
        groups.setdefault(root(s), set()).add(s)
    return sorted(groups.values(), key=min)
