"""Prefect flow run by the example trigger in prefect.yaml: when a story reaches 5 outlets
(event `newsflow.story.reached-outlets`, label `newsflow.outlets` = 5), write a markdown artifact
listing its articles and outlets in order of publication."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.locking import ensure_write_limit, warehouse_writer
from tasks.dates import published_label
from warehouse.db import DEFAULT_DB


@flow(name="story-alert")
def story_alert(story_id: str, db: str = str(DEFAULT_DB)) -> int:
    """Report one story: its outlets and articles. Returns the number of articles."""
    ensure_write_limit()
    with warehouse_writer(db) as con:   # waits for a running ingest to release the file
        # a story merged since the event fired is reported as the story it is part of now
        story_id = con.execute("SELECT coalesce((SELECT into_story_id FROM story_aliases WHERE story_id = $id), $id)",
                               {"id": story_id}).fetchone()[0]
        story = con.execute("SELECT title, article_count, outlet_count FROM stories WHERE story_id = ?",
                            [story_id]).fetchone()
        rows = con.execute("""
            SELECT a.published_at, a.published_precision, coalesce(a.site_name, a.url, a.source_uri), a.title
            FROM story_articles sa JOIN articles a USING (article_id) WHERE sa.story_id = ?
            ORDER BY a.published_at NULLS LAST, a.article_id""", [story_id]).fetchall()
    if story is None:
        get_run_logger().warning("no story %s in %s", story_id, db)
        return 0
    title, articles, outlets = story
    lines = [f"# {title}", "", f"{articles} articles from {outlets} outlets (`{story_id}`)", "",
             "| published | outlet | title |", "|---|---|---|"]
    lines += [f"| {published_label(at, precision)} | {outlet} | {(t or '').replace('|', '/')} |"
              for at, precision, outlet, t in rows]
    create_markdown_artifact(key="story-alert", markdown="\n".join(lines), description=f"story {story_id}")
    get_run_logger().info("story %s: %d articles, %d outlets", story_id, articles, outlets)
    return articles
