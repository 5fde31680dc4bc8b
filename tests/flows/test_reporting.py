"""Story events and the run summary (pure: no Prefect server needed)."""

from flows.reporting import story_events, summary_markdown
from warehouse.load.report import RunSummary, StoryChange


def test_created_grown_and_outlet_milestones():
    new = story_events(StoryChange("s_a", "Sommet", 0, 3, 0, 3), "r1")
    assert [name for name, _, _ in new] == ["newsflow.story.created", "newsflow.story.reached-outlets",
                                            "newsflow.story.reached-outlets"]
    assert [res.get("newsflow.outlets") for _, res, _ in new] == [None, "2", "3"]
    grown = story_events(StoryChange("s_a", "Sommet", 3, 6, 3, 5), "r2")
    assert [(name, res.get("newsflow.outlets")) for name, res, _ in grown] == [
        ("newsflow.story.grown", None), ("newsflow.story.reached-outlets", "5")]
    name, resource, payload = grown[0]
    assert resource["prefect.resource.id"] == "newsflow.story.s_a"
    assert payload["outlet_count"] == 5 and payload["article_count"] == 6 and payload["run_id"] == "r2"
    assert story_events(StoryChange("s_a", None, 6, 7, 5, 5), "r3")[0][1]["prefect.resource.name"] == "s_a"


def test_summary_lists_top_stories():
    summary = RunSummary("r1", "news.duckdb")
    summary.stories = {"s_a": StoryChange("s_a", "Kim | Poutine", 0, 5, 0, 1),
                       "s_b": StoryChange("s_b", "Autre", 2, 3, 2, 2)}
    text = summary_markdown(summary)
    assert "| s_a | Kim \\| Poutine | 5 | 1 | new |" in text   # an escaped pipe: the row keeps its columns
    assert "| s_b | Autre | 3 | 2 | +1 articles |" in text
    assert text.index("s_a") < text.index("s_b")


def test_summary_counts_warc_records_skipped_by_reason():
    summary = RunSummary(run_id="r", db="x.duckdb", warc_records=10)
    assert "WARC" not in summary_markdown(RunSummary(run_id="r", db="x.duckdb"))
    summary.warc_skipped.update({"request": 3, "metadata": 3, "status not 200": 1})
    assert summary.warc_line() == "WARC: 10 records read, 7 skipped (metadata 3, request 3, status not 200 1)."
    assert summary.warc_line() in summary_markdown(summary)
