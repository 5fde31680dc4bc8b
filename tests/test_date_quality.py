"""Publication-date floor on the news pages of ../shared/eval/metadata (bench/date_quality.py has
the full table, with trafilatura and htmldate beside): the day right on nearly every page, and
almost no wrong day stored (the two allowed are labels with day and month swapped, see
bench/RESULTS.md). Structured evidence only, so the test is quick (about 10 s)."""

import sys

from tests.conftest import ROOT, SHARED_EVAL, require

sys.path.insert(0, str(ROOT / "bench"))
from date_quality import Tally, load_pages, pipeline_dates  # noqa: E402


def test_publication_days_are_right_and_almost_never_wrong():
    require(SHARED_EVAL / "metadata" / "gold.json")
    pages = load_pages("metadata")
    assert len(pages) >= 250
    tally = Tally()
    for page in pages:
        tally.add(page, pipeline_dates(page))
    assert tally.day_ratio >= 0.96, tally
    assert tally.wrong <= 2, tally.wrong_pages
    assert tally.minute_ratio >= 0.97, tally      # the time too, where the label has one
