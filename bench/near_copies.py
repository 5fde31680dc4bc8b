"""Near-copy detection: speed next to datasketch's MinHashLSH, and recall against exact Jaccard.

    .venv/bin/python bench/near_copies.py [--n 50000] [--sample 10000] [--update-subset 1000] [--base all|rpm2]

Texts: the first --n articles of bench/corpus.py (seed 0; 30% near-copies). Every method reads the
same word lists (tasks.text.words, computed once and timed apart: it is the same for all) and works
on word 5-grams; MinHash methods use 128 permutations.

Speed (docs/s over the --n texts, end to end from words to verified pairs):
- datasketch per-shingle: MinHash.update(b"5-gram") for each shingle (sha1), then MinHashLSH(threshold
  0.8) insert + query. Sketching is timed on the first --update-subset texts and extrapolated;
  the LSH part is the one measured for the bulk variant (same sketch sizes). This is the baseline.
- datasketch bulk: MinHash.bulk with xxhash.xxh32_intdigest, MinHashLSH(threshold=0.8) insert + query.
- newsflow pipeline: tasks.copies.fingerprint (rolling word hashes, winnowing, paragraph 3-grams),
  tasks.copies.dedup.batch_candidates, then find_copies (paragraph-level verification, as load_batch does).
- newsflow winnowing + exact: the same candidates verified by exact word-5-gram Jaccard >= 0.8.
- newsflow MinHash: bench.minhash (vectorised MinHash over tasks.copies.fingerprint's rolling hashes,
  16 bands x 8 rows, exact verification).

Recall/precision (first --sample texts): of the pairs with exact word-5-gram Jaccard >= 0.8, all
found by a sparse matrix product (bench.minhash.all_pairs). LSH candidates are taken as they come
(datasketch's usual use), checked with the MinHash estimate, or verified exactly.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import xxhash  # noqa: E402
from datasketch import MinHash, MinHashLSH  # noqa: E402

from bench import minhash  # noqa: E402
from bench.corpus import base_texts, generate, rpm2_texts  # noqa: E402
from tasks.copies.dedup import batch_candidates, find_copies  # noqa: E402
from tasks.copies.fingerprint import SHINGLE_WORDS, fingerprint_tokens, shingle_hashes  # noqa: E402
from tasks.text import words  # noqa: E402

THRESHOLD = 0.8
NUM_PERM = 128

Pairs = set[tuple[int, int]]


def shingle_bytes(tokens: list[str]) -> list[bytes]:
    k = min(SHINGLE_WORDS, len(tokens))
    return [" ".join(tokens[i : i + k]).encode() for i in range(len(tokens) - k + 1)] if tokens else []


def doc_tokens(paragraph_tokens: list[list[str]]) -> list[str]:
    return [t for tokens in paragraph_tokens for t in tokens]


def load(n: int, texts) -> tuple[list, float]:
    """Words of each paragraph of the first n articles (interned: 50,000 articles fit in memory)."""
    articles = list(generate(n, seed=0, texts=texts))
    start = time.perf_counter()
    tokens = [[[sys.intern(w) for w in words(p)] for p in a.paragraphs] for a in articles]
    return tokens, time.perf_counter() - start


def lsh_pairs(sketches: list[MinHash], **lsh_args) -> tuple[Pairs, float]:
    """Insert every sketch into a MinHashLSH, query each: the candidate pairs (i < j), and the time taken."""
    start = time.perf_counter()
    lsh = MinHashLSH(num_perm=NUM_PERM, **lsh_args)
    with lsh.insertion_session() as session:
        for i, m in enumerate(sketches):
            session.insert(i, m)
    pairs = {(min(i, j), max(i, j)) for i, m in enumerate(sketches) for j in lsh.query(m) if j != i}
    return pairs, time.perf_counter() - start


def bulk_sketches(tokens: list) -> tuple[list[MinHash], float]:
    start = time.perf_counter()
    sketches = MinHash.bulk((shingle_bytes(doc_tokens(t)) for t in tokens), num_perm=NUM_PERM,
                            hashfunc=xxhash.xxh32_intdigest)
    return sketches, time.perf_counter() - start


def per_shingle_seconds(tokens: list) -> float:
    start = time.perf_counter()
    for t in tokens:
        m = MinHash(num_perm=NUM_PERM)
        for b in shingle_bytes(doc_tokens(t)):
            m.update(b)
    return time.perf_counter() - start


def shingle_sets(tokens: list) -> tuple[list[np.ndarray], float]:
    start = time.perf_counter()
    sets = [np.unique(shingle_hashes(doc_tokens(t))) for t in tokens]
    return sets, time.perf_counter() - start


def exact(pairs: Pairs, sets: list[np.ndarray]) -> Pairs:
    array = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    return {tuple(p) for p in minhash.verify(array, sets, THRESHOLD).tolist()}


def estimated(pairs: Pairs, sketches: list[MinHash]) -> Pairs:
    return {(i, j) for i, j in pairs if sketches[i].jaccard(sketches[j]) >= THRESHOLD}


def winnowing(tokens: list) -> tuple[list, Pairs, dict[str, float]]:
    """tasks.copies.fingerprint + batch_candidates: fingerprints, candidate pairs (indices), stage times."""
    start = time.perf_counter()
    fingerprints = [fingerprint_tokens(str(i), t) for i, t in enumerate(tokens)]
    fingerprinted = time.perf_counter()
    pairs = {(min(int(a), int(b)), max(int(a), int(b))) for a, b in batch_candidates(fingerprints)}
    return fingerprints, pairs, {"fingerprint": fingerprinted - start, "candidates": time.perf_counter() - fingerprinted}


def pipeline_links(fingerprints: list, pairs: Pairs) -> tuple[Pairs, float]:
    start = time.perf_counter()
    links = find_copies(fingerprints, {}, [(str(i), str(j)) for i, j in sorted(pairs)], {}, lambda a: (int(a),))
    found = {(min(int(x.article_id), int(x.duplicate_of)), max(int(x.article_id), int(x.duplicate_of))) for x in links}
    return found, time.perf_counter() - start


def newsflow_minhash(sets: list[np.ndarray]) -> tuple[Pairs, Pairs, dict[str, float]]:
    start = time.perf_counter()
    sigs = minhash.signatures(sets)
    signed = time.perf_counter()
    cands = minhash.candidates(sigs)
    banded = time.perf_counter()
    verified = minhash.verify(cands, sets, THRESHOLD)
    done = time.perf_counter()
    return ({tuple(p) for p in cands.tolist()}, {tuple(p) for p in verified.tolist()},
            {"signatures": signed - start, "bands": banded - signed, "verify": done - banded})


def timed(fn: Callable, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def speed(tokens: list, tokenize_s: float, update_subset: int) -> None:
    n = len(tokens)
    print(f"speed on {n} texts ({sum(len(doc_tokens(t)) for t in tokens) / n:.0f} words each on average); "
          f"tokenising (tasks.text.words, shared by all): {n / tokenize_s:,.0f} docs/s, not counted below")
    rows: list[tuple[str, float, str]] = []

    subset = tokens[:update_subset]
    per_doc_update = per_shingle_seconds(subset) / len(subset)
    sketches, bulk_s = bulk_sketches(tokens)
    _, lsh_s = lsh_pairs(sketches, threshold=THRESHOLD)
    del sketches
    baseline_s = per_doc_update * n + lsh_s
    rows.append(("datasketch per-shingle update + LSH(0.8)", baseline_s,
                 f"sketch {per_doc_update * n:.1f} s (extrapolated from {len(subset)}), LSH {lsh_s:.1f} s"))
    rows.append(("datasketch bulk + xxhash + LSH(0.8)", bulk_s + lsh_s, f"sketch {bulk_s:.1f} s, LSH {lsh_s:.1f} s"))

    fingerprints, cands, stages = winnowing(tokens)
    links, verify_s = pipeline_links(fingerprints, cands)
    rows.append(("newsflow pipeline: winnowing + paragraph verification", sum(stages.values()) + verify_s,
                 f"fingerprint {stages['fingerprint']:.1f} s, candidates {stages['candidates']:.1f} s "
                 f"({len(cands)} pairs), verify {verify_s:.1f} s ({len(links)} links)"))
    del fingerprints
    sets, shingle_s = shingle_sets(tokens)
    _, exact_s = timed(exact, cands, sets)
    rows.append(("newsflow winnowing candidates + exact Jaccard", sum(stages.values()) + shingle_s + exact_s,
                 f"as above + 5-gram sets {shingle_s:.1f} s + exact {exact_s:.1f} s"))
    mh_cands, mh_found, mh_stages = newsflow_minhash(sets)
    rows.append(("newsflow MinHash 16x8 + exact Jaccard", shingle_s + sum(mh_stages.values()),
                 f"5-gram sets {shingle_s:.1f} s, signatures {mh_stages['signatures']:.1f} s, bands "
                 f"{mh_stages['bands']:.1f} s ({len(mh_cands)} pairs), verify {mh_stages['verify']:.1f} s"))

    bulk_total = bulk_s + lsh_s
    print(f"{'method':60} {'docs/s':>9} {'x per-shingle':>14} {'x bulk':>7}  breakdown")
    for name, seconds, detail in rows:
        print(f"{name:60} {n / seconds:9,.0f} {baseline_s / seconds:14.1f} {bulk_total / seconds:7.2f}  {detail}")


def quality(tokens: list) -> None:
    n = len(tokens)
    sets, _ = shingle_sets(tokens)
    truth_array, _ = minhash.all_pairs(sets, THRESHOLD)
    truth = {tuple(p) for p in truth_array.tolist()}
    print(f"\nrecall on {n} texts: {len(truth)} pairs with exact word-5-gram Jaccard >= {THRESHOLD} (all pairs, sparse product)")
    sketches, _ = bulk_sketches(tokens)
    default = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    results: list[tuple[str, Pairs]] = []
    for label, args in ((f"{default.b}x{default.r}, default for 0.8", {"threshold": THRESHOLD}),
                        ("16x8", {"params": (16, 8)})):
        cands, _ = lsh_pairs(sketches, **args)
        results += [(f"datasketch LSH {label}: candidates as is", cands),
                    (f"datasketch LSH {label}: + MinHash estimate >= 0.8", estimated(cands, sketches)),
                    (f"datasketch LSH {label}: + exact Jaccard", exact(cands, sets))]
    fingerprints, cands, _ = winnowing(tokens)
    links, _ = pipeline_links(fingerprints, cands)
    results += [("newsflow winnowing candidates (>= 3 shared)", cands),
                ("newsflow winnowing candidates + exact Jaccard", exact(cands, sets)),
                ("newsflow pipeline links (paragraph-level near-copies)", links)]
    mh_cands, mh_found, _ = newsflow_minhash(sets)
    results += [("newsflow MinHash 16x8 candidates", mh_cands), ("newsflow MinHash 16x8 + exact Jaccard", mh_found)]
    print(f"{'method':78} {'found':>6} {'recall':>7} {'precision':>9} {'pairs':>8}")
    for name, found in results:
        hit = len(found & truth)
        print(f"{name:78} {hit:6} {hit / max(len(truth), 1):7.3f} {hit / max(len(found), 1):9.3f} {len(found):8}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50_000, help="texts for the speed comparison")
    parser.add_argument("--sample", type=int, default=10_000, help="texts for recall against exact all-pairs Jaccard")
    parser.add_argument("--update-subset", type=int, default=1_000, help="texts timed for datasketch's per-shingle update")
    parser.add_argument("--base", choices=["all", "rpm2"], default="all",
                        help="base texts: RPM2 + extraction pages (cached in bench/out/), or RPM2 only (fast, for smoke runs)")
    args = parser.parse_args()
    try:
        texts = base_texts() if args.base == "all" else rpm2_texts()
    except FileNotFoundError as exc:
        print(f"skipped: {exc}")
        return 0
    tokens, tokenize_s = load(max(args.n, args.sample), texts)
    speed(tokens[: args.n], tokenize_s * args.n / len(tokens), min(args.update_subset, args.n))
    quality(tokens[: args.sample])
    return 0


if __name__ == "__main__":
    sys.exit(main())
