"""Story events and the run summary (pure: no Prefect server needed)."""

from collections import Counter

from flows.reporting import consolidation_event, story_events, summary_markdown
from tasks.stories.consolidation import Event
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


def test_a_merge_and_a_split_are_events_on_the_story_that_lost_articles():
    name, resource, payload = consolidation_event(Event("merge", "s_b", "s_a", 4, 4), "r4")
    assert name == "newsflow.story.merged"
    assert resource == {"prefect.resource.id": "newsflow.story.s_b", "newsflow.into": "s_a"}
    assert payload == {"story_id": "s_b", "into_story_id": "s_a", "articles": 4, "articles_before": 4, "run_id": "r4"}
    name, resource, payload = consolidation_event(Event("split", "s_a", "s_c", 2, 7), "r5")
    assert name == "newsflow.story.split" and resource["prefect.resource.id"] == "newsflow.story.s_a"
    assert (payload["articles"], payload["articles_before"]) == (2, 7)


def test_summary_lists_top_stories():
    summary = RunSummary("r1", "news.duckdb")
    summary.stories = {"s_a": StoryChange("s_a", "Kim | Poutine", 0, 5, 0, 1),
                       "s_b": StoryChange("s_b", "Autre", 2, 3, 2, 2)}
    text = summary_markdown(summary)
    assert "| s_a | Kim \\| Poutine | 5 | 1 | new |" in text   # an escaped pipe: the row keeps its columns
    assert "| s_b | Autre | 3 | 2 | +1 article |" in text   # singular for one
    assert text.index("s_a") < text.index("s_b")


def test_summary_counts_warc_records_skipped_by_reason():
    summary = RunSummary(run_id="r", db="x.duckdb", warc_records=10)
    assert "WARC" not in summary_markdown(RunSummary(run_id="r", db="x.duckdb"))
    summary.warc_skipped.update({"request": 3, "metadata": 3, "status not 200": 1})
    assert summary.warc_line() == "WARC: 10 records read, 7 skipped (metadata 3, request 3, status not 200 1)."
    assert summary.warc_line() in summary_markdown(summary)


def test_artifact_tables_stay_narrow():
    """Inputs by file name or host, sources by their last segment, long cells clipped; the counts one per row."""
    from flows.reporting import CELL_CHARS, short_source, short_uri, source_rows
    from tasks.models import Failure
    from warehouse.load.report import SourceReport

    assert short_uri("file:///home/me/a/very/long/folder/vide%20%5Bred%5D.txt") == "vide [red].txt"
    assert short_uri("https://www.example.com/2024/05/12/politique/article-long.html?utm=x") == \
        "www.example.com/…/article-long.html?…"
    assert short_uri("https://www.example.com/a") == "www.example.com/a"
    assert short_source("files:/work/data/news/seeds") == "files: seeds"
    assert short_source("feed:https://www.lemonde.fr/international/rss_full.xml") == \
        "feed: www.lemonde.fr/…/rss_full.xml"
    assert short_source("urls:/tmp/lists/today.txt") == "urls: today.txt"
    summary = RunSummary("r1", "/a/b/news.duckdb", files_seen=3, articles_loaded=2)
    summary.failures = [Failure("files:/x", "file:///x/" + "y" * 30 + "/bad.txt", "read", "z " * 100)]
    summary.per_source = {"files:/" + "long/" * 30 + "in": SourceReport(read=3, loaded=2, failed=1,
                                                                          reasons=Counter({"r" * 80: 1}))}
    text = summary_markdown(summary)
    assert "| inputs | 3 |" in text and "| loaded | 2 |" in text
    assert "| bad.txt | read | " in text
    assert max(len(line) for line in text.split("\n")) < 2 * CELL_CHARS + 20
    headline = "Vladimir Poutine accueille Kim Jong-Un au cosmodrome Vostochny"   # a story's title is kept whole
    summary.stories = {"s_a": StoryChange("s_a", headline, 0, 5, 0, 1),
                       "s_b": StoryChange("s_b", "Mot " * 40, 0, 2, 0, 2)}
    text = summary_markdown(summary)
    assert f"| s_a | {headline} | 5 | 1 | new |" in text
    assert max(len(line) for line in text.split("\n")) < 120
    (row,) = source_rows(summary)
    assert row["source"] == "files: in"
    assert all(len(str(v)) <= CELL_CHARS for v in row.values()) and row["reasons"].endswith("…")
