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
# Whether a stored story's articles start consolidation as one cluster (consolidate's `new`): each
# batch then re-clusters its new articles and whole stories, not every stored article again.
KEEP_STORED_TOGETHER = False


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
                 title_weight: float = TITLE_WEIGHT, units: list[int] | None = None) -> np.ndarray:
    """Pairwise similarity: the body cosine, blended with the title-term cosine, (body + w·title) /
    (1 + w), where both articles have title terms. Two events of one sector share the sector's body
    words ("banque", "crise") far more than their headlines' words, so the blend lowers the
    similarity between them more than within a story (bench/RESULTS.md). A pair without a title on
    either side keeps its body cosine. With `units` (a unit number 0..k-1 per vector), the k × k
    sums of the body cosines between the units' vectors (the title blend is not summed)."""
    body = _cosines(vectors, units)
    if titles is None or title_weight == 0:
        return body
    if units is not None:
        raise ValueError("the title blend is not summed over units")
    has = np.array([bool(t) for t in titles])
    both = has[:, None] & has[None, :]
    return np.where(both, (body + title_weight * _cosines(titles)) / (1.0 + title_weight), body)


# From this many vectors on, cosines are a sparse product (scipy): a term held by k of them costs
# k² multiplications, not n² (a story's 700 articles share a few sector words and little else:
# 0.19 s instead of 0.6 s per batch at 100,000 articles). Below it the dense product costs
# nothing, and a run spares scipy's half-second import.
SPARSE_FROM = 300


def _cosines(vectors: list[dict[str, float]], units: list[int] | None = None) -> np.ndarray:
    """Pairwise cosines of sparse vectors (0 for an empty vector; the diagonal 1 up to rounding).
    With `units`, the sums of the cosines between the vectors of each pair of units: the product
    of the units' sums of unit vectors, Σa Σb cos(a, b) = (Σa â)·(Σb b̂)."""
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
    unit = w / np.where(norms > 0, norms, 1.0)[r]
    if units is not None:
        r = np.asarray(units, dtype=np.int64)[r]
        n = int(max(units, default=-1)) + 1
    if n >= SPARSE_FROM:
        from scipy.sparse import csr_matrix

        m = csr_matrix((unit, (r, c)), shape=(n, max(1, len(index))))   # duplicates (one unit's) are summed
        return (m @ m.T).toarray()
    m = np.zeros((n, max(1, len(index))))
    if units is None:
        m[r, c] = unit
    else:
        np.add.at(m, (r, c), unit)
    return m @ m.T


def average_link(vectors: list[dict[str, float]], cut: float, days: list[float | None] | None = None,
                 max_gap_days: float = MAX_GAP_DAYS, titles: list[dict[str, float]] | None = None,
                 title_weight: float = TITLE_WEIGHT, units: list[int] | None = None) -> list[int]:
    """Cluster label per vector: clusters merged, most similar pair first, while the mean
    similarity between their members (`similarities`: body cosine, blended with the title-term
    cosine when `titles` are given) is at least `cut` (UPGMA). With `days` (publication day per
    vector, None if undated), two clusters whose date spans are more than `max_gap_days` apart never
    merge: the window streaming keeps (assignment.MAX_GAP_DAYS), so that the same words months apart
    (a yearly event, a trial and its appeal) stay separate stories. Exact: each step merges the
    first most similar pair in row order, as an argmax over the whole matrix would; each cluster's
    best partner is kept and recomputed only for the rows a merge touched, so a step costs O(n) for
    most rows instead of O(n²) (a 740-article neighbourhood took 0.5 s). With `units` (a number
    0..k-1 per vector, each used), the vectors of a unit start as one cluster (a stored story's
    articles that consolidation keeps together): the same average link from that start, on k
    clusters instead of n."""
    if not vectors:
        return []
    total = similarities(vectors, titles, title_weight, units)   # sum of pairwise similarities between clusters
    day = np.array([np.nan if d is None else d for d in (days or [None] * len(vectors))], dtype=float)
    if units is None:
        n = len(vectors)
        size = np.ones(n)
        first, last = day.copy(), day.copy()  # each cluster's date span (NaN: no dated article)
    else:
        of = np.asarray(units, dtype=np.int64)
        n = int(of.max()) + 1
        size = np.bincount(of, minlength=n).astype(float)
        first, last = np.full(n, np.nan), np.full(n, np.nan)
        np.fmin.at(first, of, day)
        np.fmax.at(last, of, day)
    alive = np.ones(n, dtype=bool)
    mean = total / np.outer(size, size)  # mean pairwise cosine; -inf where no merge may happen
    mean[_too_far(first[:, None], last[:, None], first[None, :], last[None, :], max_gap_days)] = -np.inf
    np.fill_diagonal(mean, -np.inf)
    best = np.argmax(mean, axis=1)       # each row's most similar cluster (the first, on ties)
    best_val = mean[np.arange(n), best]
    label = np.arange(n)
    for _ in range(n - 1):
        i = int(np.argmax(best_val))
        j = int(best[i])
        if best_val[i] < cut:
            break
        i, j = min(i, j), max(i, j)      # j joins i
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
        label[label == j] = i
    return [int(x) for x in (label if units is None else label[of])]


def _too_far(first_a, last_a, first_b, last_b, gap: float):
    """Whether two date spans are more than `gap` days apart (never when either is undated: NaN)."""
    with np.errstate(invalid="ignore"):
        return (first_b - last_a > gap) | (first_a - last_b > gap)


def consolidate(members: dict[str, list[str]], vectors: dict[str, dict[str, float]], age: dict[str, tuple],
                taken: set[str], cut: float = CUT, published: dict[str, datetime | None] | None = None,
                titles: dict[str, dict[str, float]] | None = None, title_weight: float = TITLE_WEIGHT,
                new: set[str] | None = None, keep_stored: bool | None = None) -> Plan:
    """Merges and splits of the stories `members` (story_id -> its article ids) that make them the
    average-link clusters of their articles' `vectors` at `cut` (within the time window, given the
    articles' `published` dates; with their title-term vectors `titles`, blended into the similarity
    with `title_weight`). `age` orders stories and articles (smaller is older: the oldest
    story survives a merge, the earliest article names a new one); `taken` holds every story id in
    use, aliases included, that a new story must not take. With `new` (the batch's articles) and
    `keep_stored` (default KEEP_STORED_TOGETHER), each story's other articles start as one cluster:
    they were consolidated when they came, so only the new articles and whole stories move."""
    articles = [a for sid in sorted(members, key=lambda s: age[s]) for a in members[sid]]
    if not articles:
        return Plan({}, [], [], {})
    when = published or {}
    days = [when[a].timestamp() / 86400 if when.get(a) is not None else None for a in articles]
    heads = None if titles is None else [titles.get(a, {}) for a in articles]
    keep = KEEP_STORED_TOGETHER if keep_stored is None else keep_stored
    units = unit_numbers(members, articles, new) if keep and new is not None else None
    labels = dict(zip(articles, average_link([vectors[a] for a in articles], cut, days, titles=heads,
                                             title_weight=title_weight, units=units), strict=True))
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



def unit_numbers(members: dict[str, list[str]], articles: list[str], new: set[str]) -> list[int]:
    """Per article (in `articles`' order), its starting cluster: one per story for the story's
    articles not in `new`, one per new article."""
    story_of = {a: sid for sid, arts in members.items() for a in arts}
    number: dict[object, int] = {}
    return [number.setdefault(a if a in new else ("story", story_of[a]), len(number)) for a in articles]


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
