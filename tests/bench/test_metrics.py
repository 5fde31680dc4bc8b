import pytest

from bench.metrics import bcubed


def test_bcubed_perfect_and_singletons():
    gold = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert bcubed(gold, gold) == (1.0, 1.0, 1.0)
    p, r, f = bcubed({k: k for k in gold}, gold)
    assert (p, r) == (1.0, 0.5) and f == pytest.approx(2 / 3)
    p, r, _ = bcubed({k: "all" for k in gold}, gold)
    assert (p, r) == (0.5, 1.0)
