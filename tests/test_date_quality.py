"""Publication-date floors on ../shared/eval (bench/date_quality.py has the full table, with
trafilatura and htmldate beside). News pages of metadata/: the day right on nearly every page,
and almost no wrong day stored (the two allowed are labels with day and month swapped, see
bench/RESULTS.md). evaldata.json's dated pages (mostly blogs and institutional pages, fewer
machine-readable dates): the byline dates confirmed by htmldate or the URL (published.
confirmed_date) date most of the pages structured data leaves undated, for few more wrong days.
What extract_html stores, without the body extraction, so the tests are quick."""

import sys

from tests.conftest import ROOT, SHARED_EVAL, require

sys.path.insert(0, str(ROOT / "bench"))
from date_quality import Tally, load_pages, pipeline_dates  # noqa: E402


def _tally(which: str) -> Tally:
    tally = Tally()
    for page in load_pages(which):
        tally.add(page, pipeline_dates(page))
    return tally


def test_publication_days_are_right_and_almost_never_wrong():
    require(SHARED_EVAL / "metadata" / "gold.json")
    tally = _tally("metadata")
    assert tally.pages >= 250
    assert tally.day_ratio >= 0.98, tally
    assert tally.wrong <= 2, tally.wrong_pages
    assert tally.minute_ratio >= 0.97, tally      # the time too, where the label has one


def test_pages_without_machine_readable_dates_are_dated_by_confirmed_bylines():
    require(SHARED_EVAL / "extraction" / "evaldata.json")
    tally = _tally("extraction")
    assert tally.pages >= 700
    assert tally.day_ratio >= 0.80, tally          # 0.646 with structured data and <time> only
    assert tally.null <= 85, tally              # 201 before
    assert tally.wrong <= 60, tally.wrong_pages   # 55 before (the fallback: 4 more)
