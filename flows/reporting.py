"""What a run shows in the Prefect UI: artifacts (summary, per-source table, progress) and
events for the analysis (a story opened, grew, reached N outlets, was merged into another or split)
that automations can act on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.events import emit_event

from tasks.stories.consolidation import Event
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


def consolidation_event(event: Event, run_id: str) -> tuple[str, dict[str, str], dict[str, object]]:
    """(event name, resource, payload) for one merge or split made by consolidation, the row it
    wrote to story_events: `newsflow.story.merged` on the story that ceased to exist (an alert
    holding its id learns where its articles went), `newsflow.story.split` on the story that lost
    part of its articles; the story they went to is the resource label `newsflow.into`."""
    resource = {"prefect.resource.id": f"newsflow.story.{event.story_id}", "newsflow.into": event.into_story_id}
    payload: dict[str, object] = {"story_id": event.story_id, "into_story_id": event.into_story_id,
                                  "articles": event.articles, "articles_before": event.articles_before,
                                  "run_id": run_id}
    return ("newsflow.story.merged" if event.kind == "merge" else "newsflow.story.split"), resource, payload


def emit_story_events(changes: list[StoryChange], run_id: str, consolidated: Sequence[Event] = ()) -> int:
    events = [e for change in changes for e in story_events(change, run_id)]
    events += [consolidation_event(e, run_id) for e in consolidated]
    for name, resource, payload in events:
        emit_event(event=name, resource=resource, payload=payload)
    return len(events)


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


CELL_CHARS = 48    # the widest text cell of an artifact table: the UI's tables fit a laptop screen
TITLE_CHARS = 80   # but a story's title, the cell people read, keeps more (most headlines fit)


def clip(text: object, limit: int = CELL_CHARS) -> str:
    """A cell's text on one line, cut to `limit` characters with an ellipsis (the full value is
    in the warehouse: the failures and runs tables)."""
    flat = " ".join(str("" if text is None else text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def short_uri(uri: str) -> str:
    """An input as a narrow cell: a file by its name, a URL by its host and last path segment."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        return clip(unquote(PurePosixPath(parts.path).name) or uri)
    if parts.scheme in ("http", "https") and parts.netloc:
        segments = [s for s in parts.path.split("/") if s]
        path = "/" + "/".join(segments) if len(segments) <= 1 else f"/…/{segments[-1]}"
        return clip(parts.netloc + path + ("?…" if parts.query else ""))
    return clip(uri)


def short_source(source_id: str) -> str:
    """`files:/a/long/folder` → `files: folder`; `feed:https://host/a/b/rss.xml` → `feed: host/…/rss.xml`."""
    kind, _, rest = source_id.partition(":")
    if rest.startswith("/"):
        return clip(f"{kind}: {PurePosixPath(rest).name or rest}")
    if "://" in rest:
        return clip(f"{kind}: {short_uri(rest)}")
    return short_uri(source_id)


def source_rows(summary: RunSummary) -> list[dict[str, object]]:
    """The per-source table: short column names and cells (the UI shows the table as wide as its cells)."""
    return [
        {
            "source": short_source(source), "read": rep.read, "loaded": rep.loaded, "unchanged": rep.unchanged,
            "failed": rep.failed,
            "reasons": clip(", ".join(f"{r} ×{n}" for r, n in sorted(rep.reasons.items()))),
            "lines_removed": rep.lines_removed, "exact_copies": rep.exact_copies,
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


# The summary's counts, one per row (nine side by side made the table wider than a laptop screen).
SUMMARY_ROWS = (("inputs", "files_seen"), ("loaded", "articles_loaded"), ("unchanged", "unchanged"),
                ("not loaded", "failures"), ("boilerplate lines removed", "lines_removed"),
                ("exact copies", "exact_copies"), ("near copies", "near_copies"), ("new stories", "stories_created"),
                ("grown stories", "stories_grown"))


def summary_markdown(summary: RunSummary) -> str:
    """The run-summary artifact, narrow: counts one per row, inputs by file name or host, long
    cells clipped; every value from the data goes through md_text."""
    c = summary.counts()
    lines = [
        f"# newsflow ingest run `{summary.run_id}`",
        "",
        f"Warehouse: {md_text(Path(summary.db))}",
        "",
        "| count | |", "|---|---|",
        *(f"| {label} | {c[name]} |" for label, name in SUMMARY_ROWS),
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
            grown = s.articles_after - s.articles_before
            change = "new" if s.created else f"+{grown} article{'' if grown == 1 else 's'}"
            lines.append(f"| {s.story_id} | {md_text(clip(s.title, TITLE_CHARS))} | {s.articles_after} | {s.outlets_after} "
                         f"| {change} |")
        if len(top) > TOP_STORIES:
            lines.append(f"| … {len(top) - TOP_STORIES} more in the stories table | | | | |")
    if summary.failures:
        lines += ["", "## Not loaded", "", "| input | stage | reason |", "|---|---|---|"]
        lines += [f"| {md_text(short_uri(f.source_uri))} | {md_text(f.stage)} | {md_text(clip(f.reason))} |"
                  for f in summary.failures[:50]]
        if len(summary.failures) > 50:
            lines.append(f"| … {len(summary.failures) - 50} more in the failures table | | |")
    return "\n".join(lines)
