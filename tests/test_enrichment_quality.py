"""Quote speaker attribution on 20 hand-annotated RPM2 articles (bench/annotations/): floors
under the measured figures (precision 0.853, recall 0.358 on 126 quotes, 81 with a named speaker)."""

import sys

from tests.conftest import ROOT, RPM2, require

sys.path.insert(0, str(ROOT / "bench"))
from enrichment_quality import evaluate  # noqa: E402


def test_speaker_attribution_floors():
    require(RPM2 / "documents")
    result = evaluate(RPM2 / "documents")
    assert result["unmatched"] == 0 and result["quotes"] == 126
    assert result["precision"] >= 0.80
    assert result["recall"] >= 0.33


def test_people_found_per_article():
    """Measured: precision 0.843 (43/51), recall 0.913 (42/46) on 10 articles."""
    require(RPM2 / "documents")
    from enrichment_quality import evaluate_persons

    result = evaluate_persons(RPM2 / "documents")
    assert result["people"] == 46
    assert result["precision"] >= 0.80 and result["recall"] >= 0.85
