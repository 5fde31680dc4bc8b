"""Story quality by leave-topics-out cross-validation on RPM2 dev (200 French articles, 10 stories).

    .venv/bin/python bench/story_quality.py [--splits 30] [--orders 3] [--ablation] [--train] [--only a,b]

Every parameter is chosen on 5 topics and scored on the other 5: `--splits` of the C(10,5) = 252
splits (complementary pairs drawn with seed 0, so each 5-topic set is trained on once and tested on
once), each streamed in `--orders` shuffled orders of 4 batches, as tests/warehouse/test_clustering_quality.py
streams the whole set. Methods, all on the same splits and orders:
  * offline: TF-IDF average-link (scipy), distance threshold chosen on the training topics;
  * current: streaming assignment, one cosine threshold chosen on the training topics;
  * model:   streaming assignment with evidence.py's logistic join model, trained on (article,
             story) pairs of the training topics, and its "new story" probability chosen there;
  * consolidated: the current stream (its threshold chosen as for `current`), each batch followed
             by tasks/stories/consolidation.py on the stories it touched and their shortlisted
             neighbours (cosine ≥ the threshold), average-link cut chosen on the training topics;
             "+ title" blends the title-term cosine into the linkage (consolidation.TITLE_WEIGHT;
             tried, not in the warehouse: mean up, worst split down, bench/RESULTS.md);
  * silhouette: the same stream, but each batch's cut chosen with no labels, as the grid cut whose
             average-link clustering of the union of the batch's neighbourhoods has the highest
             silhouette (consolidation.silhouette_cut; CUT when it has no choice; RPM2 has no
             copies, so every article is its own copy group); "fixed" streams at THRESHOLD.
             Its ±20% column is the largest change over the 8 variants of its rule (printed).
             "silhouette-coherent" adds consolidation's split step (COHERENCE,
             consolidation.COHERENCE_RATIO); "silhouette-reassign" adds to that the reassignment
             pass (REASSIGN, consolidation.REASSIGN_MARGIN): what the warehouse runs. The other
             rows run plain average link.
             "silhouette-slack" and "silhouette-floor": tried, not adopted (bench/RESULTS.md).
Prints mean and worst BCubed F1 / P / R and story count on the test topics, per method and per
order, ratios to `current`, and the sensitivity of each chosen parameter (test F1 at ±20%).
The stream is assign_stories itself (tasks/stories/assignment.py) with the warehouse's document
frequencies (batch by batch) and a 10-story shortlist by cosine, as warehouse/load/stories.py does.

`--train` fits the model on all 10 dev topics, chooses its threshold there (all orders) and writes
tasks/stories/join_model.json: how to retrain after a change of features or terms.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import statistics
import sys
import time
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.metrics import bcubed  # noqa: E402
from tasks.stories import consolidation, evidence  # noqa: E402
from tasks.stories.assignment import THRESHOLD, Candidate, Story, assign_stories  # noqa: E402
from tasks.stories.terms import terms, tfidf_vector  # noqa: E402

RPM2 = ROOT.parent / "shared" / "eval" / "clustering" / "rpm2"
if not RPM2.exists():
    RPM2 = Path("/work/shared/eval/clustering/rpm2")
BATCHES = 4
SHORTLIST = 10
FLOOR = evidence.JOIN_FLOOR   # model: stories below this cosine are not scored (not tuned)
L2 = 1.0              # model: ridge penalty of the logistic fit (not tuned)
CURRENT_GRID = [round(0.06 + 0.02 * i, 2) for i in range(13)]
P_GRID = [round(0.1 + 0.05 * i, 2) for i in range(17)]
OFFLINE_GRID = [round(0.02 + 0.02 * i, 2) for i in range(25)]   # similarity cut (1 - cosine distance)
CUT_GRID = [round(0.02 + 0.01 * i, 2) for i in range(19)]        # consolidation's average-link cut
# The silhouette rule as (grid low, grid high, grid step, min silhouette): consolidation's constants.
SILHOUETTE_RULE = (consolidation.SILHOUETTE_GRID[0], consolidation.SILHOUETTE_GRID[-1],
                   round(consolidation.SILHOUETTE_GRID[1] - consolidation.SILHOUETTE_GRID[0], 4),
                   consolidation.SILHOUETTE_MIN)


# The rule's optional fifth to eighth constants: the silhouette's relative slack
# (consolidation.SILHOUETTE_SLACK), a floor under the chosen cut (0: none), the split step's
# ratio (consolidation.COHERENCE_RATIO, 0: none) and the reassignment pass's margin
# (consolidation.REASSIGN_MARGIN, absent: none). "silhouette-slack" runs the rule with SLACK;
# "silhouette-floor" chooses the floor on the training topics (FLOOR_GRID); "silhouette-coherent"
# runs it with the split step at COHERENCE, "silhouette-reassign" with the pass at REASSIGN too.
SLACK = 0.1
COHERENCE = consolidation.COHERENCE_RATIO or 0.65   # the warehouse's ratio (0.65 when it is off)
REASSIGN = 0.1 if consolidation.REASSIGN_MARGIN is None else consolidation.REASSIGN_MARGIN
FLOOR_GRID = [0.0] + [round(0.03 + 0.01 * i, 2) for i in range(8)]


def rule_variants(rule: tuple = SILHOUETTE_RULE) -> list[tuple[str, tuple]]:
    """Each nonzero constant of the silhouette rule at 0.8x and 1.2x, the others as committed."""
    names = ("grid low", "grid high", "grid step", "min silhouette", "slack", "cut floor", "coherence",
             "reassign margin")
    return [(f"{names[k]} x{f}", tuple(round(v * f, 4) if m == k else v for m, v in enumerate(rule)))
            for k in range(len(rule)) if rule[k] for f in (0.8, 1.2)]


def rule_grid(rule: tuple) -> list[float]:
    low, high, step = rule[:3]
    return [round(low + step * i, 4) for i in range(int(round((high - low) / step)) + 1)]


class Data:
    """RPM2 articles with their term counts, read once."""

    def __init__(self) -> None:
        from tests.helpers import articles_from
        with open(RPM2 / "labels.csv", encoding="utf-8") as fh:
            label = {str((RPM2 / r["file"]).resolve()): r["story_label"] for r in csv.DictReader(fh)}
        articles, failures = articles_from(sorted((RPM2 / "documents").glob("*.txt")))
        assert not failures and len(articles) == 200
        self.articles = {a.article_id: a for a in articles}
        self.gold = {a.article_id: label[a.source_uri.removeprefix("file://")] for a in articles}
        self.counts = {a.article_id: terms(a.title, a.body, a.language) for a in articles}
        self.title = {a.article_id: evidence.title_terms(a.title) for a in articles}
        self.entity = {a.article_id: evidence.entity_terms(a.title, a.body) for a in articles}
        self.topics = sorted(set(self.gold.values()))

    def ids(self, topics: tuple[str, ...]) -> list[str]:
        return sorted(i for i, t in self.gold.items() if t in topics)


def batches(data: Data, topics: tuple[str, ...], order: int) -> list[list[str]]:
    ids = sorted(data.ids(topics), key=lambda i: data.articles[i].source_uri)
    random.Random(order).shuffle(ids)
    size = -(-len(ids) // BATCHES)
    return [sorted(ids[b * size:(b + 1) * size], key=lambda i: data.articles[i].source_uri) for b in range(BATCHES)]


def stream_candidates(data: Data, topics: tuple[str, ...], order: int):
    """Per batch, the candidates with vectors under the document frequencies the warehouse would have."""
    df: Counter[str] = Counter()
    n = 0
    for batch in batches(data, topics, order):
        for i in batch:
            df.update(data.counts[i].keys())
        n += len(batch)
        yield [Candidate(i, tfidf_vector(data.counts[i], df, n), None, data.articles[i].title,
                         title_vector=evidence.side_vector(data.title[i], df, n),
                         entity_vector=evidence.side_vector(data.entity[i], df, n)) for i in batch]


_CANDS: dict[tuple, list] = {}


def candidates(data: Data, topics: tuple[str, ...], order: int) -> list[list[Candidate]]:
    key = (topics, order)
    if key not in _CANDS:
        _CANDS[key] = list(stream_candidates(data, topics, order))
    return _CANDS[key]


def stream(data: Data, topics: tuple[str, ...], order: int, threshold: float,
           join_model: tuple | None = None, cut: float | tuple | None = None,
           title_weight: float = 0.0) -> dict[str, str]:
    """Stream the topics' articles through assign_stories batch by batch; article → story. With
    `cut`, each batch is followed by consolidation (tasks/stories/consolidation.py) of the stories it
    touched and their shortlisted neighbours, as warehouse/load/stories.py does; a tuple `cut` is a
    silhouette rule (SILHOUETTE_RULE), the cut chosen per batch."""
    stories: dict[str, Story] = {}
    story_of: dict[str, str] = {}
    age: dict[str, tuple] = {}
    aliases: dict[str, str] = {}
    for b, batch in enumerate(candidates(data, topics, order)):
        stored = list(stories.values())
        # What consolidation keeps of each stored story (KEEP_WHOLE_FROM): its centroid before
        # this batch joins it (Story.add makes a new dict, so the reference stays as it is now).
        kept = {s.story_id: consolidation.KeptStory(s.centroid, None, None) for s in stored}
        cands = []
        for k, c in enumerate(batch):
            age[c.article_id] = (b, k)
            scores = sorted(((s.similarity(c.vector), s.story_id) for s in stored), key=lambda x: (-x[0], x[1]))
            cands.append(Candidate(c.article_id, c.vector, None, c.title, shortlist=dict(
                (sid, sc) for sc, sid in scores[:SHORTLIST]), title_vector=c.title_vector, entity_vector=c.entity_vector))
        assign_stories(cands, stories, story_of, threshold=threshold, join_model=join_model)
        if cut is not None:
            consolidate_batch(data, topics, order, b, cands, stories, story_of, age, aliases, threshold, cut,
                              title_weight, kept)
    return story_of


def consolidate_batch(data: Data, topics: tuple[str, ...], order: int, b: int, cands: list[Candidate],
                      stories: dict[str, Story], story_of: dict[str, str], age: dict[str, tuple],
                      aliases: dict[str, str], floor: float, cut: float | tuple,
                      title_weight: float = 0.0, kept: dict[str, consolidation.KeptStory] | None = None) -> None:
    """The warehouse's consolidation step on the bench's stream: the touched stories and the
    shortlisted ones an article could have joined (cosine ≥ floor), re-clustered with the
    document frequencies after batch `b` (body and title-term vectors); stories rebuilt from the
    body vectors. With `kept` (the stored stories' centroids before the batch), a stored story of
    consolidation.KEEP_WHOLE_FROM earlier articles or more stays one cluster compared by its
    centroid, and rebuilt stories add that centroid whole, as the warehouse does."""
    links = {(story_of[c.article_id], sid) for c in cands for sid, sc in c.shortlist.items()
             if sc >= floor and sid in stories}
    groups = consolidation.neighbourhoods({story_of[c.article_id] for c in cands}, links)
    group = set().union(*groups)
    members: dict[str, list[str]] = {sid: [] for sid in group}
    for a, sid in story_of.items():
        if sid in members:
            members[sid].append(a)
    new = {c.article_id for c in cands}
    stored = Counter(sid for sid, arts in members.items() for a in arts if a not in new)
    limit = consolidation.KEEP_WHOLE_FROM
    kept = {sid: kept[sid] for sid, n in stored.items() if kept and limit is not None and n >= limit and sid in kept}
    vectors = {a: batch_vector(data, topics, order, b, a) for sid, arts in members.items() for a in arts
               if a in new or sid not in kept}
    titles = {a: batch_vector(data, topics, order, b, a, title=True) for a in vectors}
    was = dict(story_of)
    story_age = {sid: age[sid.removeprefix("s_")] for sid in members}
    if isinstance(cut, tuple):
        union = sorted(vectors, key=lambda a: age[a])
        given = list(cut[4:])
        slack, floor, coherence, margin = given + [0.0, 0.0, 0.0, float("inf")][len(given):]
        chosen = consolidation.silhouette_cut([vectors[a] for a in union], None, rule_grid(cut), cut[3], slack=slack)
        cut = max(consolidation.CUT if chosen is None else chosen, floor)
    else:
        coherence, margin = 0.0, float("inf")
    rebuilt: set[str] = set()
    for g in groups:
        plan = consolidation.consolidate({s: members[s] for s in sorted(g)}, vectors, {**age, **story_age},
                                         set(stories) | set(aliases), cut, titles=titles,
                                         title_weight=title_weight, new=new,
                                         kept={s: kept[s] for s in g if s in kept}, coherence=coherence,
                                         reassignment=margin)
        for a, sid in plan.moves.items():
            story_of[a] = sid
        aliases.update(plan.aliases)
        for sid in plan.aliases:
            del stories[sid]
        if plan.moves:
            rebuilt |= (g - set(plan.aliases)) | set(plan.opened)
    if not rebuilt:
        return
    for sid in rebuilt:
        stories[sid] = Story(sid, {}, 0, None, None)
    taken_whole: set[tuple[str, str]] = set()
    for a in sorted((a for a, sid in story_of.items() if sid in rebuilt), key=lambda a: age[a]):
        if a in new or was[a] not in kept:
            stories[story_of[a]].add(vectors[a], None, None)
        elif (was[a], story_of[a]) not in taken_whole:   # a kept story moves whole: its centroid, once
            taken_whole.add((was[a], story_of[a]))
            stories[story_of[a]].add_story(kept[was[a]].centroid, stored[was[a]], None, None)


_DF: dict[tuple, tuple] = {}


def batch_vector(data: Data, topics: tuple[str, ...], order: int, b: int, article_id: str,
                 title: bool = False) -> dict[str, float]:
    """An article's vector (`title`: its title-term vector) under the document frequencies after
    batch `b` (memoised)."""
    key = (topics, order, b)
    if key not in _DF:
        df: Counter[str] = Counter()
        seen = [i for batch in batches(data, topics, order)[:b + 1] for i in batch]
        for i in seen:
            df.update(data.counts[i].keys())
        _DF[key] = (df, len(seen), {})
    df, n, memo = _DF[key]
    if (article_id, title) not in memo:
        memo[(article_id, title)] = (evidence.side_vector(data.title[article_id], df, n) if title
                                     else tfidf_vector(data.counts[article_id], df, n))
    return memo[(article_id, title)]


def score(data: Data, predicted: dict[str, str]) -> tuple[float, float, float, int]:
    p, r, f = bcubed(predicted, {i: data.gold[i] for i in predicted})
    return f, p, r, len(set(predicted.values()))


# --- offline baseline ------------------------------------------------------------------------

@cache
def offline_linkage(data: Data, topics: tuple[str, ...]):
    from scipy.cluster.hierarchy import linkage
    ids = data.ids(topics)
    df: Counter[str] = Counter()
    for i in ids:
        df.update(data.counts[i].keys())
    vecs = [tfidf_vector(data.counts[i], df, len(ids)) for i in ids]
    vocab = {t: k for k, t in enumerate(sorted({t for v in vecs for t in v}))}
    m = np.zeros((len(ids), len(vocab)))
    for row, v in enumerate(vecs):
        for t, w in v.items():
            m[row, vocab[t]] = w
    return ids, linkage(m, method="average", metric="cosine")


def offline(data: Data, topics: tuple[str, ...], cut: float) -> dict[str, str]:
    """Average-link clusters merged while their mean cosine similarity is at least `cut`."""
    from scipy.cluster.hierarchy import fcluster
    ids, z = offline_linkage(data, topics)
    return {i: str(c) for i, c in zip(ids, fcluster(z, 1.0 - cut, criterion="distance"), strict=True)}


# --- the join model --------------------------------------------------------------------------

def training_pairs(data: Data, topics: tuple[str, ...], orders: int) -> tuple[np.ndarray, np.ndarray]:
    """(features, joins) of every (article, story) pair an article meets when the stories so far are
    the true ones, streamed as in `stream` (stories of earlier articles, cosine ≥ FLOOR)."""
    xs, ys = [], []
    for order in range(orders):
        stories: dict[str, Story] = {}
        for batch in candidates(data, topics, order):
            for c in batch:
                truth = data.gold[c.article_id]
                for label, s in stories.items():
                    sim = s.similarity(c.vector)
                    if sim < FLOOR:
                        continue
                    xs.append(evidence.features(sim, evidence.cosine(c.title_vector, s.title_centroid),
                                                evidence.cosine(c.entity_vector, s.entity_centroid), s.size))
                    ys.append(1.0 if label == truth else 0.0)
            for c in batch:    # the batch's articles join their true story after the batch is scored
                s = stories.setdefault(data.gold[c.article_id], Story(data.gold[c.article_id], {}, 0, None, None))
                s.add(c.vector, None, None, c.title_vector, c.entity_vector)
    return np.array(xs), np.array(ys)


def fit_logistic(x: np.ndarray, y: np.ndarray, mask: tuple[bool, ...]) -> tuple[tuple[float, ...], float]:
    """Ridge logistic regression by Newton's method on the masked features (others weigh 0)."""
    cols = [k for k, keep in enumerate(mask) if keep]
    a = np.hstack([x[:, cols], np.ones((len(x), 1))])
    w = np.zeros(a.shape[1])
    reg = np.eye(a.shape[1]) * L2
    reg[-1, -1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -30, 30)))
        grad = a.T @ (p - y) + reg @ w
        hess = (a * (p * (1 - p))[:, None]).T @ a + reg + 1e-9 * np.eye(a.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = [0.0] * len(mask)
    for k, c in enumerate(cols):
        weights[c] = float(w[k])
    return tuple(weights), float(w[-1])


# --- cross-validation ------------------------------------------------------------------------

def splits(data: Data, n: int) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    halves = [h for h in itertools.combinations(data.topics, 5) if data.topics[0] in h]   # 126 pairs
    chosen = random.Random(0).sample(halves, min(n // 2 + n % 2, len(halves)))
    out = []
    for h in chosen:
        other = tuple(t for t in data.topics if t not in h)
        out += [(h, other), (other, h)]
    return out[:n]


PICK_SLACK = 0.01


def pick(grid: list[float], f1: dict[float, float], stricter: int) -> float:
    """The strictest grid value within PICK_SLACK of the best mean training F1 (`stricter` +1: a
    higher value opens more stories; -1: a lower one). A wrong merge costs more than a split (it is
    the precision of two stories' articles at once) and training topics rarely hold the
    confusable pairs the test topics hold, so ties go to the side that opens stories."""
    best = max(f1.values())
    near = [g for g in grid if f1[g] >= best - PICK_SLACK]
    return max(near) if stricter > 0 else min(near)


class Runner:
    def __init__(self, data: Data, orders: int) -> None:
        self.data, self.orders = data, orders
        self._memo: dict[tuple, tuple] = {}

    def streamed(self, key: tuple, topics: tuple[str, ...], threshold: float, join_model: tuple | None,
                 cut: float | None = None, title_weight: float = 0.0) -> list[tuple]:
        """Scores (one per order) of a streamed configuration, memoised: a 5-topic set is the
        training half of one split and the test half of its complement."""
        full = (key, topics)
        if full not in self._memo:
            self._memo[full] = tuple(score(self.data, stream(self.data, topics, o, threshold, join_model, cut,
                                                             title_weight))
                                     for o in range(self.orders))
        return list(self._memo[full])

    def current(self, topics: tuple[str, ...], threshold: float) -> list[tuple]:
        return self.streamed(("current", threshold), topics, threshold, None)

    def consolidated(self, topics: tuple[str, ...], threshold: float, cut: float,
                     title_weight: float = 0.0) -> list[tuple]:
        return self.streamed(("consolidated", threshold, cut, title_weight), topics, threshold, None, cut,
                             title_weight)

    def silhouette(self, topics: tuple[str, ...], threshold: float, rule: tuple) -> list[tuple]:
        return self.streamed(("silhouette", threshold, rule), topics, threshold, None, rule)

    def model_fit(self, topics: tuple[str, ...], mask: tuple[bool, ...]) -> tuple[tuple[float, ...], float]:
        key = ("fit", topics, mask)
        if key not in self._memo:
            x, y = training_pairs(self.data, topics, self.orders)
            self._memo[key] = fit_logistic(x, y, mask)
        return self._memo[key]

    def model(self, train: tuple[str, ...], topics: tuple[str, ...], mask: tuple[bool, ...], p_min: float,
              floor: float = FLOOR) -> list[tuple]:
        weights, bias = self.model_fit(train, mask)
        return self.streamed(("model", train, mask, p_min, floor), topics, floor, (weights, bias, p_min))


def mean_f1(rows: list[tuple]) -> float:
    return statistics.fmean(r[0] for r in rows)


def cross_validate(runner: Runner, split_list, method: str, mask: tuple[bool, ...] = (True,) * len(evidence.FEATURES),
                   rule: tuple | None = None, variants: bool = True):
    """Per split: the parameter chosen on the training topics, and the test scores (one per order),
    plus the test scores at 0.8× and 1.2× the chosen parameter (silhouette: at each rule variant)."""
    results = []
    for train, test in split_list:
        if method == "offline":
            f1 = {g: score(runner.data, offline(runner.data, train, g))[0] for g in OFFLINE_GRID}
            g = pick(OFFLINE_GRID, f1, +1)
            rows = [score(runner.data, offline(runner.data, test, g))] * runner.orders
            sens = [mean_f1([score(runner.data, offline(runner.data, test, g * k))]) for k in (0.8, 1.2)]
        elif method == "current":
            f1 = {g: mean_f1(runner.current(train, g)) for g in CURRENT_GRID}
            g = pick(CURRENT_GRID, f1, +1)
            rows = runner.current(test, g)
            sens = [mean_f1(runner.current(test, round(g * k, 4))) for k in (0.8, 1.2)]
        elif method in ("consolidated", "consolidated-title"):
            w = consolidation.TITLE_WEIGHT if method == "consolidated-title" else 0.0
            t = pick(CURRENT_GRID, {g: mean_f1(runner.current(train, g)) for g in CURRENT_GRID}, +1)
            f1 = {g: mean_f1(runner.consolidated(train, t, g, w)) for g in CUT_GRID}
            g = pick(CUT_GRID, f1, +1)
            rows = runner.consolidated(test, t, g, w)
            sens = [mean_f1(runner.consolidated(test, t, round(g * k, 4), w)) for k in (0.8, 1.2)]
        elif method == "silhouette-floor":
            t = pick(CURRENT_GRID, {g: mean_f1(runner.current(train, g)) for g in CURRENT_GRID}, +1)
            base = rule or SILHOUETTE_RULE
            f1 = {m: mean_f1(runner.silhouette(train, t, (*base[:4], 0.0, m))) for m in FLOOR_GRID}
            g = pick(FLOOR_GRID, f1, +1)
            rows = runner.silhouette(test, t, (*base[:4], 0.0, g))
            sens = [mean_f1(runner.silhouette(test, t, (*base[:4], 0.0, round(g * k, 4)))) for k in (0.8, 1.2)]
        elif method.startswith("silhouette"):
            rule = rule or {"silhouette-slack": (*SILHOUETTE_RULE, SLACK),
                            "silhouette-coherent": (*SILHOUETTE_RULE, 0.0, 0.0, COHERENCE),
                            "silhouette-reassign": (*SILHOUETTE_RULE, 0.0, 0.0, COHERENCE, REASSIGN),
                            }.get(method, SILHOUETTE_RULE)
            g = (THRESHOLD if method == "silhouette-fixed"
                 else pick(CURRENT_GRID, {g: mean_f1(runner.current(train, g)) for g in CURRENT_GRID}, +1))
            rows = runner.silhouette(test, g, rule)
            sens = [mean_f1(runner.silhouette(test, g, r)) for _, r in rule_variants(rule)] if variants else []
        else:
            f1 = {g: mean_f1(runner.model(train, train, mask, g)) for g in P_GRID}
            g = pick(P_GRID, f1, +1)
            rows = runner.model(train, test, mask, g)
            sens = [mean_f1(runner.model(train, test, mask, round(g * k, 4))) for k in (0.8, 1.2)]
        results.append((g, rows, sens))
    return results


def summary(name: str, results, orders: int) -> dict:
    rows = [r for _, rs, _ in results for r in rs]
    per_split = [mean_f1(rs) for _, rs, _ in results]
    per_order = [statistics.fmean(rs[o][0] for _, rs, _ in results) for o in range(orders)]
    drift = [max((abs(s - mean_f1(rs)) for s in sens), default=0.0) for _, rs, sens in results]
    params = [g for g, _, _ in results]
    return {"name": name, "f1": statistics.fmean(r[0] for r in rows), "worst": min(r[0] for r in rows),
            "worst_split": min(per_split), "p": statistics.fmean(r[1] for r in rows),
            "r": statistics.fmean(r[2] for r in rows), "stories": statistics.fmean(r[3] for r in rows),
            "max_stories": max(r[3] for r in rows), "per_order": per_order,
            "sens_mean": statistics.fmean(drift), "sens_max": max(drift),
            "param": f"{min(params):g}–{max(params):g} (median {statistics.median(params):g})"}


def print_table(summaries: list[dict], base: dict) -> None:
    print(f"{'method':<34} {'F1 mean':>7} {'worst':>6} {'worst split':>11} {'P':>6} {'R':>6} {'stories':>7} "
          f"{'max':>4} {'F1/current':>10}  per order (mean F1)    ±20% ΔF1 mean/max   chosen parameter")
    for s in summaries:
        orders = " ".join(f"{f:.3f}" for f in s["per_order"])
        print(f"{s['name']:<34} {s['f1']:>7.3f} {s['worst']:>6.3f} {s['worst_split']:>11.3f} {s['p']:>6.3f} "
              f"{s['r']:>6.3f} {s['stories']:>7.1f} {s['max_stories']:>4} {s['f1'] / base['f1']:>10.3f}  {orders:<22} "
              f"{s['sens_mean']:.3f}/{s['sens_max']:.3f}        {s['param']}")


def train_final(runner: Runner) -> None:
    """Fit on all 10 dev topics, choose the threshold there, write join_model.json."""
    topics = tuple(runner.data.topics)
    mask = evidence.MODEL_MASK
    weights, bias = runner.model_fit(topics, mask)
    f1 = {g: mean_f1(runner.model(topics, topics, mask, g)) for g in P_GRID}
    g = pick(P_GRID, f1, +1)
    evidence.WEIGHTS_FILE.write_text(json.dumps({
        "features": list(evidence.FEATURES), "weights": [round(w, 6) for w in weights], "bias": round(bias, 6),
        "threshold": g, "mask": list(mask), "trained_on": "RPM2 dev, 10 topics, 200 articles, "
                                      f"{runner.orders} stream orders (bench/story_quality.py --train)",
        "dev_f1": round(f1[g], 4)}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {evidence.WEIGHTS_FILE}: weights {weights} bias {bias:.3f} threshold {g} (dev F1 {f1[g]:.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", type=int, default=30)
    ap.add_argument("--orders", type=int, default=3)
    ap.add_argument("--ablation", action="store_true")
    ap.add_argument("--masks", default="", help="comma-separated feature masks to run besides all, e.g. 11011,10001")
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated methods: offline, current, consolidated, "
                    "consolidated-title, model, model-mask, silhouette, silhouette-fixed, silhouette-slack, "
                    "silhouette-floor, silhouette-coherent, silhouette-reassign (default: all but the last five)")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    start = time.perf_counter()
    data = Data()
    runner = Runner(data, args.orders)
    if args.train:
        train_final(runner)
        return
    split_list = splits(data, args.splits)
    print(f"RPM2 dev: {len(data.gold)} articles, {len(data.topics)} topics; {len(split_list)} leave-5-topics-out "
          f"splits × {args.orders} orders × {BATCHES} batches (test: 100 articles, 5 stories)")
    n = len(evidence.FEATURES)
    methods = [("offline average-link TF-IDF", "offline", None), ("current (one cosine threshold)", "current", None),
               ("streamed + consolidation", "consolidated", None),
               (f"consolidation + {consolidation.TITLE_WEIGHT} title", "consolidated-title", None),
               ("model (all features)", "model", (True,) * n),
               ("model as committed (MODEL_MASK)", "model", evidence.MODEL_MASK),
               ("streamed + silhouette cut per batch", "silhouette", None),
               (f"fixed {THRESHOLD} + silhouette cut", "silhouette-fixed", None),
               (f"silhouette, slack {SLACK}", "silhouette-slack", None),
               ("silhouette, cut floor (CV-chosen)", "silhouette-floor", None),
               (f"silhouette + split step {COHERENCE}", "silhouette-coherent", None),
               (f"split step + reassignment {REASSIGN}", "silhouette-reassign", None)]
    key = {"model as committed (MODEL_MASK)": "model-mask"}
    methods = [m for m in methods if (key.get(m[0], m[1]) in only if only
                                      else m[1] not in ("silhouette-fixed", "silhouette-slack", "silhouette-floor",
                                                              "silhouette-coherent", "silhouette-reassign"))]
    if args.ablation:
        methods += [(f"model: {'+'.join(f for f, k in zip(evidence.FEATURES, m, strict=True) if k)}", "model", m)
                    for m in [(True, False, False, False, True), (True, True, False, False, True),
                              (True, False, True, False, True), (True, True, True, False, True),
                              (True, False, True, True, True), (True, True, True, True, False)]]
    for m in filter(None, args.masks.split(",")):
        mask = tuple(c == "1" for c in m)
        methods.append((f"model: {'+'.join(f for f, k in zip(evidence.FEATURES, mask, strict=True) if k)}", "model", mask))
    summaries = []
    for name, method, mask in methods:
        summaries.append(summary(name, cross_validate(runner, split_list, method, mask or (True,) * n), args.orders))
        print(f"  {name}: done at {time.perf_counter() - start:.0f} s", file=sys.stderr)
        if method == "current":
            summaries.append(summary(f"current, fixed threshold {THRESHOLD}", [
                (THRESHOLD, runner.current(test, THRESHOLD),
                 [mean_f1(runner.current(test, round(THRESHOLD * k, 4))) for k in (0.8, 1.2)]) for _, test in split_list],
                args.orders))
        if method == "consolidated":
            summaries.append(summary(f"consolidated, fixed {THRESHOLD} / cut {consolidation.CUT}", [
                (consolidation.CUT, runner.consolidated(test, THRESHOLD, consolidation.CUT),
                 [mean_f1(runner.consolidated(test, THRESHOLD, round(consolidation.CUT * k, 4))) for k in (0.8, 1.2)])
                for _, test in split_list], args.orders))
    base = next((s for s in summaries if s["name"].startswith("current (")), summaries[0])
    print_table(summaries, base)
    ran = {m for _, m, _ in methods}
    for method, rule in (("silhouette", SILHOUETTE_RULE), ("silhouette-slack", (*SILHOUETTE_RULE, SLACK)),
                         ("silhouette-coherent", (*SILHOUETTE_RULE, 0.0, 0.0, COHERENCE)),
                         ("silhouette-reassign", (*SILHOUETTE_RULE, 0.0, 0.0, COHERENCE, REASSIGN))):
        if method not in ran:
            continue
        print(f"\n{method} rule at ±20% of each constant (stream threshold chosen on training; same run)")
        print_table([summary(f"{name} {r}", cross_validate(runner, split_list, "silhouette", rule=r, variants=False),
                             args.orders)
                     for name, r in [("as committed", rule), *rule_variants(rule)]], base)
    whole = [score(data, stream(data, tuple(data.topics), o, THRESHOLD)) for o in range(args.orders)]
    print("whole dev set, current method at its dev-tuned threshold: F1 " + " ".join(f"{w[0]:.3f}" for w in whole))
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
