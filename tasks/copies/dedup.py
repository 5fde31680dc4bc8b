"""Exact and near-copy detection. Copies are links between articles, never deletions.

Candidates come from shared winnowed fingerprints (an inverted index: in memory for the batch,
the `internals.fingerprints` table for the warehouse), never from all pairs. Each candidate pair
is then verified at paragraph level: a paragraph is *shared* when most of its word 3-grams occur
in the other article, which tolerates small edits ("de nouvelle génération" / "de nouvelles
générations") and paragraphs split or merged differently. A pair is a near-copy when the shared
paragraphs make up a large part of either article.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from tasks.copies.fingerprint import Fingerprint
from tasks.isolation import stage
from tasks.text import fold_for_match

MIN_SHARED_FINGERPRINTS = 3
# ... and at least this share of the smaller article's fingerprints: verified copies share 36% or
# more (synthetic corpus, bench/RESULTS.md), chance phrase overlaps mostly under 5%.
MIN_SHARED_SHARE = 0.05
MIN_PARAGRAPH_WORDS = 6
PARAGRAPH_CONTAINMENT = 0.5
NEAR_COPY_SHARE = 0.3
MIN_SHARED_PARAGRAPHS = 2
MAX_POSTINGS = 50  # a phrase in more batch articles than this is a formula, not a copy signal


@dataclass(frozen=True)
class SharedParagraph:
    position: int  # paragraph of the copy
    source_position: int  # best-matching paragraph of the original
    similarity: float  # share of the paragraph's 3-grams found in the original


@dataclass
class PairScore:
    share_a: float  # share of a's words in paragraphs found in b
    share_b: float
    shared_a: list[SharedParagraph] = field(default_factory=list)
    shared_b: list[SharedParagraph] = field(default_factory=list)

    @property
    def similarity(self) -> float:
        return max(self.share_a, self.share_b)


@dataclass(frozen=True)
class CopyLink:
    article_id: str  # the later article
    duplicate_of: str  # the earlier one
    kind: str  # "exact" or "near"
    similarity: float
    shared: tuple[SharedParagraph, ...] = ()
    paragraph_count: int = 0   # exact copies: the copy's paragraphs, every one of them shared

    @property
    def shared_paragraphs(self) -> int:
        """Paragraphs of the copy found in the original: all of them for an exact copy (its
        paragraphs are not listed one by one in copied_paragraphs), the matched ones for a near copy."""
        return self.paragraph_count if self.kind == "exact" else len(self.shared)


def _shared_paragraphs(a: Fingerprint, b: Fingerprint) -> tuple[float, list[SharedParagraph]]:
    b_all = frozenset().union(*b.paragraph_shingles) if b.paragraph_shingles else frozenset()
    shared: list[SharedParagraph] = []
    shared_words = 0
    for pos, (shingles, n_words) in enumerate(zip(a.paragraph_shingles, a.paragraph_words, strict=True)):
        if n_words < MIN_PARAGRAPH_WORDS or not shingles:
            continue
        containment = len(shingles & b_all) / len(shingles)
        if containment < PARAGRAPH_CONTAINMENT:
            continue
        best = max(range(len(b.paragraph_shingles)), key=lambda j: len(shingles & b.paragraph_shingles[j]))
        shared.append(SharedParagraph(pos, best, round(containment, 4)))
        shared_words += n_words
    return (shared_words / a.word_count if a.word_count else 0.0), shared


def compare(a: Fingerprint, b: Fingerprint) -> PairScore:
    """Paragraph-level overlap of two articles, in both directions."""
    share_a, shared_a = _shared_paragraphs(a, b)
    share_b, shared_b = _shared_paragraphs(b, a)
    return PairScore(share_a, share_b, shared_a, shared_b)


def is_near_copy(score: PairScore) -> bool:
    return (
        score.similarity >= NEAR_COPY_SHARE
        and min(len(score.shared_a), len(score.shared_b)) >= MIN_SHARED_PARAGRAPHS
    )


def min_shared(size_a: int, size_b: int) -> float:
    """Fingerprints two articles of these fingerprint counts must share to be a candidate pair."""
    return max(MIN_SHARED_FINGERPRINTS, MIN_SHARED_SHARE * min(size_a, size_b))


def batch_candidates(batch: Iterable[Fingerprint]) -> set[tuple[str, str]]:
    """Pairs of batch articles sharing enough fingerprints (`min_shared`), ids sorted in each pair.

    Vectorised: sort every (hash, article) of the batch by hash; only the runs of 2 to
    MAX_POSTINGS articles (most hashes occur once) reach Python."""
    batch = list(batch)
    ids = [fp.article_id for fp in batch]
    if len(batch) < 2:
        return set()
    hashes = np.concatenate([fp.winnowed for fp in batch])   # each unique within its article
    owners = np.repeat(np.arange(len(batch)), [len(fp.winnowed) for fp in batch])
    order = np.argsort(hashes, kind="stable")
    hashes, owners = hashes[order], owners[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    sizes = np.diff(np.r_[starts, len(hashes)])
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for start, size in zip(starts[(sizes > 1) & (sizes <= MAX_POSTINGS)].tolist(),
                           sizes[(sizes > 1) & (sizes <= MAX_POSTINGS)].tolist(), strict=True):
        run = sorted(set(owners[start : start + size].tolist()))
        for i, first in enumerate(run):
            for second in run[i + 1 :]:
                counts[(first, second)] += 1
    sizes_of = [len(fp.winnowed) for fp in batch]
    pairs = set()
    for (i, j), n in counts.items():
        if n >= min_shared(sizes_of[i], sizes_of[j]) and ids[i] != ids[j]:
            pairs.add((min(ids[i], ids[j]), max(ids[i], ids[j])))
    return pairs


def find_copies(
    batch: list[Fingerprint],
    existing: dict[str, Fingerprint],
    candidate_pairs: Iterable[tuple[str, str]],
    exact_matches: dict[str, list[str]],
    order_key: Callable[[str], tuple],
) -> list[CopyLink]:
    """Verify candidate pairs and return copy links, the earlier article as `duplicate_of`.

    `existing` holds fingerprints of warehouse articles named in candidate pairs or exact
    matches; `exact_matches` maps a batch article id to warehouse ids with the same content hash;
    `order_key(id)` sorts articles from earliest to latest (publication, then ingestion).
    """
    by_id = {fp.article_id: fp for fp in batch} | existing
    batch_ids = {fp.article_id for fp in batch}
    links: dict[tuple[str, str], CopyLink] = {}

    def add(first: str, second: str, kind: str, similarity: float, score: PairScore | None) -> None:
        earlier, later = sorted((first, second), key=order_key)
        if (later, earlier) in links:
            return
        shared: tuple[SharedParagraph, ...] = ()
        if score is not None:
            shared = tuple(score.shared_a if later == first else score.shared_b)
        copy = by_id.get(later) or by_id[first]   # an exact copy has the same words as its original
        paragraphs = len(copy.paragraph_words) if kind == "exact" else 0
        links[(later, earlier)] = CopyLink(later, earlier, kind, round(similarity, 4), shared, paragraphs)

    by_hash: dict[int, list[str]] = defaultdict(list)
    for fp in batch:
        if fp.word_count:
            by_hash[fp.content_hash].append(fp.article_id)
    for fp in batch:
        same = by_hash[fp.content_hash] + exact_matches.get(fp.article_id, [])
        for other in same:
            if other != fp.article_id and fp.word_count:
                add(fp.article_id, other, "exact", 1.0, None)

    for first, second in sorted(candidate_pairs):
        if first not in by_id or second not in by_id:
            continue
        pair = tuple(sorted((first, second), key=order_key))
        if (pair[1], pair[0]) in links:
            continue
        # An error on a pair is blamed on its later article (the would-be copy), or on the one of
        # this batch if the other is stored.
        with stage("copies", pair[1] if pair[1] in batch_ids else pair[0]):
            score = compare(by_id[first], by_id[second])
            if is_near_copy(score):
                add(first, second, "near", score.similarity, score)
    return sorted(links.values(), key=lambda link: (link.article_id, link.duplicate_of))


_TOKEN = re.compile(r"\w+|[^\w\s]")
_fold_token = lru_cache(maxsize=1 << 16)(fold_for_match)   # tokens recur: fold each spelling once
_NO_SPACE_BEFORE = set(",.;:!?)]}…’'-»")
_NO_SPACE_AFTER = set("([{’'-«")


def _join(tokens: list[str]) -> str:
    """Tokens back to text: no space before closing punctuation, none after an opening one."""
    text = ""
    for token in tokens:
        glue = not text or token in _NO_SPACE_BEFORE or text[-1] in _NO_SPACE_AFTER
        text += token if glue else " " + token
    return text


def paragraph_edits(original: str, copy: str, context: int = 3) -> str:
    """A readable word-level diff from the original paragraph to its copy: unchanged runs are
    cut to `context` tokens around each edit; removed tokens as [-…-], added ones as {+…+}.
    Typography (apostrophes, quotes, spaces before punctuation, case) is not an edit.
    '' when the two say the same."""
    a, b = _TOKEN.findall(original), _TOKEN.findall(copy)
    fa, fb = [_fold_token(t) for t in a], [_fold_token(t) for t in b]
    if fa == fb:
        return ""
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, fa, fb, autojunk=False).get_opcodes():
        if op == "equal":
            same = b[j1:j2]
            if len(same) > 2 * context:
                head = same[:context] if out else []
                tail = same[-context:] if i2 < len(a) or j2 < len(b) else []
                out += [_join(head), "…", _join(tail)]
            else:
                out.append(_join(same))
            continue
        if i2 > i1:
            out.append("[-" + _join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + _join(b[j1:j2]) + "+}")
    return " ".join(part for part in out if part)
