"""Streaming story assignment: each article joins the most similar open story or opens one.

An article is a sparse TF-IDF vector (tasks/stories/terms.py). A story is the sum of its articles'
unit vectors (its centroid, pruned to the top terms). Articles are taken in a fixed order; each
joins the story whose centroid is most similar (cosine) if that is at least `threshold` and the
story is not older than `max_gap_days`, else opens a new story named after it. The warehouse passes
`join_model` (tasks/stories/evidence.py): then the choice is by a join probability from the cosine,
title and name-like similarities, and "new story" is that probability under a threshold chosen
by cross-validation (bench/story_quality.py). Copies join the story of their original. Story ids
derive from the founding article, so re-runs never rename a story; the warehouse's consolidation
step (consolidation.py) then merges and splits what streaming got wrong, recording each change.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tasks.isolation import stage
from tasks.stories import evidence

# The single-threshold rule, tuned on all of ../shared/eval/clustering/rpm2: 0.912 there, but
# 0.905 mean / 0.725 worst on topics it was not tuned on (bench/RESULTS.md); the warehouse uses the
# join model instead, and THRESHOLD only where no model is given (tests, benches).
CENTROID_TERMS = 200
THRESHOLD = 0.13
MAX_GAP_DAYS = 45


@dataclass
class Story:
    story_id: str
    centroid: dict[str, float] | None   # None: not loaded (a stored story only scored in SQL, see Candidate)
    size: int
    first_seen: datetime | None
    last_seen: datetime | None
    title: str | None = None
    changed: bool = False
    new: bool = False
    title_centroid: dict[str, float] = field(default_factory=dict)    # evidence.py's side centroids
    entity_centroid: dict[str, float] = field(default_factory=dict)
    _norm: float = field(default=1.0, repr=False, compare=False)
    _norm_of: dict | None = field(default=None, repr=False, compare=False)

    def similarity(self, vec: dict[str, float]) -> float:
        centroid = self.centroid
        return sum(w * centroid.get(t, 0.0) for t, w in vec.items()) / self.norm

    @property
    def norm(self) -> float:
        """Length of the centroid (cached: recomputed only when the centroid changes)."""
        if self._norm_of is not self.centroid:
            self._norm, self._norm_of = math.sqrt(sum(w * w for w in self.centroid.values())) or 1.0, self.centroid
        return self._norm

    def add(self, vec: dict[str, float], when: datetime | None, title: str | None,
            title_vec: dict[str, float] | None = None, entity_vec: dict[str, float] | None = None) -> None:
        if self.centroid is None:
            raise ValueError(f"story {self.story_id} was chosen but its centroid was not loaded")
        if title_vec:
            self.title_centroid = evidence.add_to_centroid(self.title_centroid, title_vec)
        if entity_vec:
            self.entity_centroid = evidence.add_to_centroid(self.entity_centroid, entity_vec)
        self.add_story(vec, 1, when, when)   # one article: a story of one, its vector the sum
        self.title = self.title or title

    def add_story(self, centroid: dict[str, float], size: int, first: datetime | None, last: datetime | None) -> None:
        """Take in a whole stored story by its centroid (a sum of unit vectors, so sums add), its
        size and span: consolidation's merges and rebuilds when it keeps stored stories whole."""
        if self.centroid is None:
            raise ValueError(f"story {self.story_id} was chosen but its centroid was not loaded")
        merged = dict(self.centroid)
        for t, w in centroid.items():
            merged[t] = merged.get(t, 0.0) + w
        self.centroid = dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:CENTROID_TERMS])
        self.size += size
        for when in (first, last):
            if when is not None:
                self.first_seen = min(self.first_seen or when, when)
                self.last_seen = max(self.last_seen or when, when)
        self.changed = True

    def is_open_for(self, when: datetime | None, max_gap: timedelta) -> bool:
        """Whether an article of date `when` may join: within max_gap of the story's span. Written
        with differences of dates, which cannot overflow (first_seen - max_gap can, near year 1)."""
        if when is None or self.last_seen is None:
            return True
        return self.first_seen - when <= max_gap and when - self.last_seen <= max_gap


@dataclass
class Candidate:
    """An article waiting for a story."""

    article_id: str
    vector: dict[str, float]
    published_at: datetime | None
    title: str | None
    copy_of: list[str] = field(default_factory=list)  # originals, earliest first
    # Stored stories worth comparing, with their similarity to this article already computed (by
    # the warehouse); None: compare with every story given. Stories opened or grown during the
    # call are always compared, with their current centroid.
    shortlist: dict[str, float] | None = None
    title_vector: dict[str, float] = field(default_factory=dict)    # evidence.py's side vectors
    entity_vector: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    article_id: str
    story_id: str
    similarity: float


def story_id_for(article_id: str) -> str:
    return "s_" + article_id


def assign_stories(
    candidates: list[Candidate],
    stories: dict[str, Story],
    story_of: dict[str, str],
    threshold: float = THRESHOLD,
    max_gap_days: int = MAX_GAP_DAYS,
    join_model: tuple[tuple[float, ...], float, float] | None = None,
) -> list[Assignment]:
    """Assign candidates in order; mutates `stories` (new or grown) and `story_of` (article → story).
    With `join_model` (weights, bias, probability threshold; evidence.model()), a candidate joins the
    story of highest join probability if that is at least the threshold, among those with cosine at
    least `threshold` (then a floor for loading centroids, not the decision)."""
    gap = timedelta(days=max_gap_days)
    out: list[Assignment] = []
    touched: dict[str, Story] = {}   # opened or grown by this call: every later candidate sees them
    for cand in candidates:
        with stage("stories", cand.article_id):
            chosen, score = None, 0.0
            for original in cand.copy_of:
                if original in story_of:
                    chosen = stories[story_of[original]]
                    score = chosen.similarity(cand.vector)
                    break
            if chosen is None and join_model is None:
                for story, s in _scored_pool(cand, stories, touched, gap):
                    if s > score or (s == score and chosen is not None and story.story_id < chosen.story_id):
                        chosen, score = story, s
                if chosen is not None and score < threshold:
                    chosen = None
            elif chosen is None:
                weights, bias, p_min = join_model
                best = 0.0
                for story, s in _scored_pool(cand, stories, touched, gap):
                    if s < threshold:
                        continue
                    p = evidence.join_probability(evidence.features(
                        s, evidence.cosine(cand.title_vector, story.title_centroid),
                        evidence.cosine(cand.entity_vector, story.entity_centroid), story.size), weights, bias)
                    if p > best or (p == best and chosen is not None and story.story_id < chosen.story_id):
                        chosen, score, best = story, s, p
                if chosen is not None and best < p_min:
                    chosen = None
            if chosen is None:
                chosen = Story(story_id_for(cand.article_id), {}, 0, None, None, new=True)
                stories[chosen.story_id] = chosen
                score = 1.0
            chosen.add(cand.vector, cand.published_at, cand.title, cand.title_vector, cand.entity_vector)
            touched[chosen.story_id] = chosen
            story_of[cand.article_id] = chosen.story_id
            out.append(Assignment(cand.article_id, chosen.story_id, round(score, 4)))
    return out


def _scored_pool(cand: Candidate, stories: dict[str, Story], touched: dict[str, Story], gap: timedelta
                 ) -> Iterator[tuple[Story, float]]:
    """The stories a candidate may join (open at its date), with its similarity to each."""
    when = cand.published_at
    if cand.shortlist is None:
        for story in stories.values():
            if story.is_open_for(when, gap):
                yield story, story.similarity(cand.vector)
        return
    for story_id, score in cand.shortlist.items():
        story = stories.get(story_id)
        if story is not None and story_id not in touched and story.is_open_for(when, gap):
            yield story, score
    for story in touched.values():
        if story.is_open_for(when, gap):
            yield story, story.similarity(cand.vector)
