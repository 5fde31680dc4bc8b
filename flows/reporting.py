"""What a run shows in the Prefect UI: artifacts (summary, per-source table, progress) and
events for the analysis (a story opened, grew, reached N outlets) that automations can act on."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.events import emit_event

from warehouse.load.report import RunSummary, StoryChange

OUTLET_MILESTONES = (2, 3, 5, 10, 20, 50)
TOP_STORIES = 10


def story_events(change: StoryChange, run_id: str) -> list[tuple[str, dict[str, str], dict[str, object]]]:
    """(event name, resource, payload) for one story change: created or grown, plus one
    `newsflow.story.reached-outlets` per outlet milestone crossed (label newsflow.outlets = N)."""
    resource = {"prefect.resource.id": f"newsflow.story.{change.story_id}",
                "prefect.resource.name": (change.title or change.story_id)[:200]}
    payload: dict[str, object] = {
        "story_id": change.story_id, "title": change.title, "article_count": change.articles_after,
        "outlet_count": change.outlets_after, "articles_before": change.articles_before,
        "outlets_before": change.outlets_before, "run_id": run_id,
    }
    events = [("newsflow.story.created" if change.created else "newsflow.story.grown", resource, payload)]
    for milestone in OUTLET_MILESTONES:
        if change.outlets_before < milestone <= change.outlets_after:
            events.append(("newsflow.story.reached-outlets", {**resource, "newsflow.outlets": str(milestone)}, payload))
    return events


def emit_story_events(changes: list[StoryChange], run_id: str) -> int:
    sent = 0
    for change in changes:
        for name, resource, payload in story_events(change, run_id):
            emit_event(event=name, resource=resource, payload=payload)
            sent += 1
    return sent


class Progress:
    """A progress artifact updated after each batch (visible while the run goes on)."""

    def __init__(self, total: int):
        self.total = max(total, 1)
        self.done = 0
        self.artifact_id: UUID = create_progress_artifact(0.0, key="ingest-progress",
                                                          description=f"inputs processed (of {total})")

    def advance(self, n: int) -> None:
        self.done += n
        update_progress_artifact(self.artifact_id, min(100.0, 100.0 * self.done / self.total),
                                 description=f"{self.done} of {self.total} inputs processed")


def publish_artifacts(summary: RunSummary) -> None:
    create_markdown_artifact(key="ingest-summary", markdown=summary_markdown(summary),
                             description=f"newsflow run {summary.run_id}")
    create_table_artifact(key="ingest-sources", table=source_rows(summary),
                          description="Per source: read, loaded, failed with reasons, cleaned, copies, stories")


def source_rows(summary: RunSummary) -> list[dict[str, object]]:
    return [
        {
            "source": source, "read": rep.read, "loaded": rep.loaded, "unchanged": rep.unchanged,
            "failed": rep.failed,
            "failure_reasons": ", ".join(f"{r} ×{n}" for r, n in sorted(rep.reasons.items())),
            "boilerplate_lines_removed": rep.lines_removed, "exact_copies": rep.exact_copies,
            "near_copies": rep.near_copies, "new_stories": rep.new_stories,
        }
        for source, rep in sorted(summary.per_source.items())
    ]


_MD_SPECIAL = frozenset("\\`*_[]<>|~&#!")


def md_text(value: object) -> str:
    """A value as literal markdown text on one line: a title with `|` or a newline cannot split a
    table row, and `[x](url)`, `<b>`, `*`, `&amp;` stay characters (backslash escapes, CommonMark)."""
    text = " ".join(str("" if value is None else value).split())
    return "".join(f"\\{ch}" if ch in _MD_SPECIAL else ch for ch in text)


def summary_markdown(summary: RunSummary) -> str:
    """The run-summary artifact: every value from the data goes through md_text."""
    c = summary.counts()
    lines = [
        f"# newsflow ingest run `{summary.run_id}`",
        "",
        f"Warehouse: {md_text(Path(summary.db))}",
        "",
        "| inputs | loaded | unchanged | failed | lines removed | exact copies | near copies | new stories | grown stories |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {c['files_seen']} | {c['articles_loaded']} | {c['unchanged']} | {c['failures']} | "
        f"{c['lines_removed']} | {c['exact_copies']} | {c['near_copies']} | {c['stories_created']} | "
        f"{c['stories_grown']} |",
    ]
    if c["requests"]:
        lines += ["", f"Web: {c['requests']} HTTP requests, {c['pages_fetched']} pages fetched, "
                      f"{c['not_modified']} not modified (304)."]
    if warc := summary.warc_line():
        lines += ["", md_text(warc)]
    if summary.stories:
        top = sorted(summary.stories.values(), key=lambda s: (-s.articles_after, -s.outlets_after, s.story_id))
        lines += ["", "## Stories created or grown", "",
                  "| story | title | articles | outlets | change |", "|---|---|---|---|---|"]
        for s in top[:TOP_STORIES]:
            change = "new" if s.created else f"+{s.articles_after - s.articles_before} articles"
            lines.append(f"| {s.story_id} | {md_text(s.title)} | {s.articles_after} | {s.outlets_after} "
                         f"| {change} |")
        if len(top) > TOP_STORIES:
            lines.append(f"| … {len(top) - TOP_STORIES} more in the stories table | | | | |")
    if summary.failures:
        lines += ["", "## Not loaded", "", "| input | stage | reason |", "|---|---|---|"]
        lines += [f"| {md_text(f.source_uri)} | {md_text(f.stage)} | {md_text(f.reason)} |" for f in summary.failures[:50]]
        if len(summary.failures) > 50:
            lines.append(f"| … {len(summary.failures) - 50} more in the failures table | | |")
    return "\n".join(lines)
