"""Vectorised MinHash over the rolling word-shingle hashes of tasks/fingerprint, LSH banding, and
exact Jaccard: whole-document near-duplicate detection at a Jaccard threshold.

Signatures: each of `num_perm` permutations is an affine map a*x + b (mod 2^64, a odd: a bijection)
of the 64-bit shingle hashes; a document's signature row is the minimum of each map over its
shingles, computed for many documents at once (numpy, one reduceat per permutation, no Python loop
per shingle). Banding: `bands` x `rows` (16 x 8 by default; datasketch's MinHashLSH picks 9 x 13 for
a 0.8 threshold, which misses about a third of the pairs at 0.8-0.85). Candidate pairs share at
least one band; they are then verified with the exact Jaccard of their shingle sets, not the
signature estimate (the estimate alone loses about one pair in eight near the threshold).

Not wired into the pipeline: tasks/dedup finds *partial* copies (paragraphs added or cut) through
winnowed fingerprints, which whole-document Jaccard misses by design.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

NUM_PERM = 128
BANDS = 16
ROWS = 8
_MAX = np.uint64(0xFFFFFFFFFFFFFFFF)
_BAND_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def permutations(num_perm: int = NUM_PERM, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """`num_perm` affine maps (a odd, b) over uint64, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def signatures(shingle_sets: Sequence[np.ndarray], perms: tuple[np.ndarray, np.ndarray] | None = None,
               chunk_shingles: int = 1 << 20) -> np.ndarray:
    """MinHash signatures (documents x permutations, uint64) of uint64 shingle-hash arrays.

    A document without shingles gets the all-max signature (and never shares a band: see `candidates`).
    Documents are processed in chunks of about `chunk_shingles` shingles to bound memory.
    """
    a, b = permutations() if perms is None else perms
    out = np.full((len(shingle_sets), len(a)), _MAX, dtype=np.uint64)
    start = 0
    while start < len(shingle_sets):
        stop, total = start, 0
        while stop < len(shingle_sets) and (total == 0 or total + len(shingle_sets[stop]) <= chunk_shingles):
            total += len(shingle_sets[stop])
            stop += 1
        chunk = [np.asarray(s, dtype=np.uint64) for s in shingle_sets[start:stop]]
        sizes = np.fromiter((len(s) for s in chunk), dtype=np.int64, count=len(chunk))
        nonempty = np.flatnonzero(sizes)
        if len(nonempty):
            values = np.concatenate([chunk[i] for i in nonempty])
            offsets = np.concatenate([[0], np.cumsum(sizes[nonempty])[:-1]])
            rows = start + nonempty
            with np.errstate(over="ignore"):
                for p in range(len(a)):
                    out[rows, p] = np.minimum.reduceat(values * a[p] + b[p], offsets)
        start = stop
    return out


def band_keys(sigs: np.ndarray, bands: int = BANDS, rows: int = ROWS) -> np.ndarray:
    """One uint64 key per document and band (documents x bands): a hash of the band's rows."""
    if sigs.shape[1] < bands * rows:
        raise ValueError(f"{bands} bands x {rows} rows need {bands * rows} permutations, not {sigs.shape[1]}")
    keys = np.zeros((sigs.shape[0], bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            keys = (keys ^ sigs[:, r : bands * rows : rows]) * _BAND_MULTIPLIER
            keys ^= keys >> np.uint64(29)
    return keys


def candidates(sigs: np.ndarray, bands: int = BANDS, rows: int = ROWS) -> np.ndarray:
    """Pairs (i, j), i < j, of documents sharing at least one band, as an (m, 2) int64 array, sorted."""
    keys = band_keys(sigs, bands, rows)
    empty = (sigs == _MAX).all(axis=1)
    docs = np.flatnonzero(~empty)
    n = np.int64(len(sigs))
    found = []
    for band in range(bands):
        order = docs[np.argsort(keys[docs, band], kind="stable")]
        boundaries = np.flatnonzero(np.diff(keys[order, band])) + 1
        starts = np.concatenate([[0], boundaries])
        sizes = np.diff(np.concatenate([starts, [len(order)]]))
        pairs = starts[sizes == 2]  # most buckets with a pair hold exactly two documents
        first, second = np.minimum(order[pairs], order[pairs + 1]), np.maximum(order[pairs], order[pairs + 1])
        found.append(first * n + second)
        for s, size in zip(starts[sizes > 2].tolist(), sizes[sizes > 2].tolist(), strict=True):
            bucket = np.sort(order[s : s + size])
            i, j = np.triu_indices(size, k=1)
            found.append(bucket[i] * n + bucket[j])
    codes = np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
    return np.stack([codes // n, codes % n], axis=1)


def all_pairs(shingle_sets: Sequence[np.ndarray], threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i, j), i < j, with exact Jaccard >= threshold, and its Jaccard: no sampling, no LSH.

    A sparse documents x shingles matrix times its transpose counts the shingles of every pair
    that shares one (scipy); the sets must be unique arrays.
    """
    sizes = np.fromiter((len(s) for s in shingle_sets), dtype=np.int64, count=len(shingle_sets))
    if not sizes.sum():
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    vocab, columns = np.unique(np.concatenate([np.asarray(s, dtype=np.uint64) for s in shingle_sets]), return_inverse=True)
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    matrix = sp.csr_matrix((np.ones(len(columns), dtype=np.int32), columns.ravel(), indptr),
                           shape=(len(shingle_sets), len(vocab)))
    inter = sp.triu(matrix @ matrix.T, k=1).tocoo()
    jac = inter.data / (sizes[inter.row] + sizes[inter.col] - inter.data)
    keep = jac >= threshold
    pairs = np.stack([inter.row[keep].astype(np.int64), inter.col[keep].astype(np.int64)], axis=1)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order], jac[keep][order]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard of two sorted unique arrays."""
    if len(a) == 0 and len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def verify(pairs: np.ndarray, shingle_sets: Sequence[np.ndarray], threshold: float) -> np.ndarray:
    """The pairs whose exact Jaccard (of sorted unique shingle arrays) is at least `threshold`."""
    sizes = np.fromiter((len(s) for s in shingle_sets), dtype=np.int64, count=len(shingle_sets))
    keep = []
    for k, (i, j) in enumerate(pairs.tolist()):
        small, large = sorted((sizes[i], sizes[j]))
        if small < threshold * large:  # Jaccard <= small / large
            continue
        if jaccard(shingle_sets[i], shingle_sets[j]) >= threshold:
            keep.append(k)
    return pairs[np.array(keep, dtype=np.int64)] if keep else np.empty((0, 2), dtype=np.int64)


def near_duplicates(shingle_sets: Sequence[np.ndarray], threshold: float = 0.8, bands: int = BANDS,
                    rows: int = ROWS) -> np.ndarray:
    """Pairs (i, j), i < j, of documents whose exact shingle Jaccard is >= threshold, found via LSH."""
    sets = [np.unique(np.asarray(s, dtype=np.uint64)) for s in shingle_sets]
    return verify(candidates(signatures(sets), bands, rows), sets, threshold)
