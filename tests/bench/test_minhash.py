"""bench/minhash.py on real text: the RPM2 articles and the synthetic corpus made from them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench import minhash
from bench.corpus import generate, rpm2_texts
from tasks.copies.fingerprint import shingle_hashes
from tasks.text import words
from tests.conftest import RPM2, require


@pytest.fixture(scope="module")
def corpus() -> list[np.ndarray]:
    """Word-5-gram sets of 1,500 synthetic articles (30% near-copies) built from RPM2."""
    require(RPM2 / "documents")
    return [np.unique(shingle_hashes(words(" ".join(a.paragraphs)))) for a in generate(1500, seed=5, texts=rpm2_texts())]


def test_all_pairs_is_exact(corpus):
    sets = corpus[:150]
    pairs, jaccards = minhash.all_pairs(sets, 0.3)
    expected = {}
    python_sets = [set(s.tolist()) for s in sets]
    for i, j in itertools.combinations(range(len(sets)), 2):
        jac = len(python_sets[i] & python_sets[j]) / len(python_sets[i] | python_sets[j])
        if jac >= 0.3:
            expected[(i, j)] = jac
    assert len(expected) > 10
    assert {tuple(p) for p in pairs.tolist()} == set(expected)
    assert np.allclose(jaccards, [expected[tuple(p)] for p in pairs.tolist()])


def test_signatures_estimate_jaccard(corpus):
    pairs, jaccards = minhash.all_pairs(corpus, 0.5)
    sigs = minhash.signatures(corpus)
    estimates = (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1)
    assert len(pairs) > 100
    assert abs(float(np.mean(estimates - jaccards))) < 0.02
    assert float(np.mean(np.abs(estimates - jaccards))) < 0.05
    disjoint = [(i, j) for i, j in itertools.combinations(range(60), 2) if not np.intersect1d(corpus[i], corpus[j]).size]
    assert len(disjoint) > 1000
    assert np.mean([(sigs[i] == sigs[j]).mean() for i, j in disjoint]) < 0.01


def test_signatures_do_not_depend_on_chunking(corpus):
    sets = corpus[:40] + [np.empty(0, dtype=np.uint64)] + corpus[40:60]
    whole = minhash.signatures(sets)
    assert np.array_equal(whole, minhash.signatures(sets, chunk_shingles=500))
    assert np.array_equal(whole[:40], minhash.signatures(corpus[:40]))
    assert (whole[40] == np.iinfo(np.uint64).max).all()


def test_lsh_finds_the_exact_pairs(corpus):
    sets = corpus + [np.empty(0, dtype=np.uint64)] * 2
    truth = {tuple(p) for p in minhash.all_pairs(sets, 0.8)[0].tolist()}
    found = {tuple(p) for p in minhash.near_duplicates(sets, 0.8).tolist()}
    assert len(truth) > 100
    assert found <= truth  # verification is exact
    assert len(found) / len(truth) >= 0.97
    # datasketch's 9 x 13 banding for a 0.8 threshold misses far more of them
    narrow = minhash.verify(minhash.candidates(minhash.signatures(sets), 9, 13), sets, 0.8)
    assert len(narrow) < 0.9 * len(found)


def test_band_keys_need_enough_permutations(corpus):
    with pytest.raises(ValueError, match="need 128 permutations"):
        minhash.band_keys(minhash.signatures(corpus[:3], minhash.permutations(64)))
