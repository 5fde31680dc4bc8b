"""The run's counters, each defined once (warehouse/load/report.py): copies are articles, not
links; a failed feed is an input; a page the server reports not modified is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from tasks.copies.dedup import CopyLink
from tasks.models import Failure, PageRecord
from warehouse.load.report import BatchReport, RunSummary, copies


def _links() -> list[CopyLink]:
    # Three identical articles a, b, c (b and c copy a, c also copies b) and d, a near copy of a.
    return [CopyLink("b", "a", "exact", 1.0), CopyLink("c", "a", "exact", 1.0), CopyLink("c", "b", "exact", 1.0),
            CopyLink("d", "a", "near", 0.6), CopyLink("b", "e", "near", 0.5)]


def test_three_identical_articles_are_two_exact_copies_not_three():
    exact, near = copies(_links())
    assert exact == {"b", "c"} and near == {"d"}   # b is exact of a and near of e: counted once, as exact
    summary = RunSummary("r", "w.duckdb")
    summary.add(BatchReport(0, links=_links()))
    assert (summary.exact_copies, summary.near_copies) == (2, 1)


def test_a_failed_feed_is_an_input_and_a_304_page_is_unchanged():
    summary = RunSummary("r", "w.duckdb")
    feed = Failure("feed:x", "http://127.0.0.1/feed.xml", "discover", "http error", "500")
    summary.count_inputs(3, [feed])
    now = datetime.now(UTC)
    summary.add_fetched(2, [PageRecord("http://127.0.0.1/a", "article", "feed:x", now, outcome="not modified"),
                            PageRecord("http://127.0.0.1/b", "article", "feed:x", now),
                            PageRecord("http://127.0.0.1/c", "article", "feed:x", now)], requests=4)
    report = BatchReport(0, loaded=["b", "c"], failures=[feed])
    summary.add(report)
    c = summary.counts()
    assert c["files_seen"] == 4 == c["articles_loaded"] + c["unchanged"] + c["failures"]
    assert (c["unchanged"], c["not_modified"], c["pages_fetched"], c["requests"]) == (1, 1, 2, 4)
    assert summary.per_source["feed:x"].unchanged == 1


def test_a_story_merged_away_in_a_later_batch_is_no_new_story_of_the_run():
    from tasks.stories.consolidation import Event
    from warehouse.load.report import StoryChange

    summary = RunSummary("r", "w.duckdb")
    summary.add(BatchReport(0, story_changes=[StoryChange("s_a", "A", 0, 2, 0, 1), StoryChange("s_b", "B", 0, 1, 0, 1),
                                              StoryChange("s_old", "Old", 5, 6, 2, 2)]))
    assert (summary.stories_created, summary.stories_grown) == (2, 1)
    summary.add(BatchReport(1, story_events=[Event("merge", "s_b", "s_a", 1, 1)],
                            story_changes=[StoryChange("s_a", "A", 2, 4, 1, 2)], neighbourhoods_skipped=1))
    assert (summary.stories_created, summary.stories_grown) == (1, 1)   # s_a new (2 → 4 is its first batch's growth)
    assert summary.stories["s_a"].articles_before == 0 and "s_b" not in summary.stories
    assert summary.neighbourhoods_skipped == 1
