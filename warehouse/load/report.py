"""What a batch did, and what a run did: every counter, defined once (BatchReport per batch, RunSummary per run)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from tasks.copies.dedup import CopyLink
from tasks.models import Article, Failure, PageRecord
from tasks.stories.consolidation import Event


@dataclass
class SourceReport:
    """Per-source counts of one run (the table artifact)."""

    read: int = 0
    loaded: int = 0
    unchanged: int = 0
    failed: int = 0
    lines_removed: int = 0
    exact_copies: int = 0
    near_copies: int = 0
    new_stories: int = 0   # the run's new stories (after consolidation) opened by this source's articles
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, other: SourceReport) -> None:
        for name in ("read", "loaded", "unchanged", "failed", "lines_removed", "exact_copies",
                     "near_copies", "new_stories"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reasons.update(other.reasons)


@dataclass(frozen=True)
class StoryChange:
    """A story this batch opened, grew or consolidated: counts before (0 when new) and after."""

    story_id: str
    title: str | None
    articles_before: int
    articles_after: int
    outlets_before: int
    outlets_after: int

    @property
    def created(self) -> bool:
        return self.articles_before == 0

    @property
    def grown(self) -> bool:
        return 0 < self.articles_before < self.articles_after


@dataclass
class BatchReport:
    batch_no: int
    loaded: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)   # stored articles this batch gave a new version
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)
    links: list[CopyLink] = field(default_factory=list)
    stories_created: set[str] = field(default_factory=set)
    stories_grown: set[str] = field(default_factory=set)
    story_changes: list[StoryChange] = field(default_factory=list)
    story_events: list[Event] = field(default_factory=list)   # consolidation's merges and splits (story_events rows)
    neighbourhoods_skipped: int = 0   # story neighbourhoods too large to consolidate (left as streamed)
    lines_removed: int = 0
    lines_removed_retroactively: int = 0   # newly learned site boilerplate taken out of stored articles
    articles_recleaned: list[str] = field(default_factory=list)   # the stored articles that lost those lines
    per_source: dict[str, SourceReport] = field(default_factory=dict)
    source_of: dict[str, str] = field(default_factory=dict)   # the loaded articles' source_id
    outcomes: dict[str, str] = field(default_factory=dict)  # article_id → loaded / updated / unchanged / failed: …
    retries: int = 0   # DuckLake: times the batch lost to a concurrent writer and was recomputed


def per_source(report: BatchReport, new: list[Article], failures: list[Failure]) -> None:
    """The batch's counts per source (new stories are counted per run, by RunSummary.add: a story
    opened here may be merged away by a later batch)."""
    source_of = {a.article_id: a.source_id for a in new}
    for article in new:
        rep = report.per_source.setdefault(article.source_id, SourceReport())
        rep.read += 1
        rep.loaded += 1
        rep.lines_removed += len(article.removed)
    for failure in failures:
        rep = report.per_source.setdefault(failure.source_id, SourceReport())
        rep.read += 1   # a feed that failed, or a listed URL that is not one, is an input that came to nothing
        rep.failed += 1
        rep.reasons[failure.reason] += 1
    exact, near = copies(report.links)
    for article_id in exact | near:
        if article_id in source_of:
            rep = report.per_source[source_of[article_id]]
            rep.exact_copies += article_id in exact
            rep.near_copies += article_id in near
    report.source_of.update(source_of)


def copies(links: list[CopyLink]) -> tuple[set[str], set[str]]:
    """(exact copies, near copies) as articles, not links: three identical articles are two exact
    copies (of the first) although they make three links; an article that is an exact copy of one
    article and a near copy of another counts once, as exact."""
    exact = {link.article_id for link in links if link.kind == "exact"}
    return exact, {link.article_id for link in links if link.kind == "near"} - exact


def count_unchanged(report: BatchReport, article: Article) -> None:
    report.unchanged += 1
    report.outcomes[article.article_id] = "unchanged"
    rep = report.per_source.setdefault(article.source_id, SourceReport())
    rep.read += 1
    rep.unchanged += 1


# The counters of a run, in the order of the runs table's columns: RunSummary.counts() and
# warehouse.runs.finish_run read this one list.
RUN_COUNTERS = ("files_seen", "articles_loaded", "unchanged", "failures", "exact_copies", "near_copies",
                "stories_created", "stories_grown", "lines_removed", "batches", "pages_fetched", "not_modified",
                "requests")


@dataclass
class RunSummary:
    """What a run did, returned by the flow and shown by the CLI and the artifacts."""

    run_id: str
    db: str
    files_seen: int = 0
    articles_loaded: int = 0
    articles_updated: int = 0   # not a runs column: new versions of stored articles (article_versions.run_id)
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)
    exact_copies: int = 0
    near_copies: int = 0
    stories_created: int = 0
    stories_grown: int = 0
    lines_removed: int = 0
    lines_removed_retroactively: int = 0   # not a runs column: shown in the log and the CLI summary
    articles_recleaned: int = 0
    batches: int = 0
    pages_fetched: int = 0
    not_modified: int = 0
    requests: int = 0
    conflict_retries: int = 0   # DuckLake: batches recomputed because a concurrent writer committed first
    neighbourhoods_skipped: int = 0   # not a runs column: story neighbourhoods too large to consolidate
    warc_records: int = 0       # WARC records read (not a runs column: shown in the CLI summary and the artifact)
    warc_skipped: Counter[str] = field(default_factory=Counter)   # WARC records not extracted, by reason
    per_source: dict[str, SourceReport] = field(default_factory=dict)
    stories: dict[str, StoryChange] = field(default_factory=dict)   # before this run → after it
    source_of: dict[str, str] = field(default_factory=dict)   # the run's loaded articles' source_id

    def add(self, report: BatchReport) -> None:
        self.batches += 1
        self.conflict_retries += report.retries
        self.neighbourhoods_skipped += report.neighbourhoods_skipped
        for event in report.story_events:   # a story merged away is no longer one of the run's stories
            if event.kind == "merge":
                self.stories.pop(event.story_id, None)
        for change in report.story_changes:
            first = self.stories.get(change.story_id, change)
            self.stories[change.story_id] = replace(change, articles_before=first.articles_before,
                                                    outlets_before=first.outlets_before)
        self.articles_loaded += len(report.loaded)
        self.articles_updated += len(report.updated)
        self.unchanged += report.unchanged
        self.failures.extend(report.failures)
        exact, near = copies(report.links)
        self.exact_copies += len(exact)
        self.near_copies += len(near)
        # Over the whole run (before it → after it): a story opened in one batch and merged away in
        # a later one is not new, one opened in a batch and grown in the next is new, not grown.
        self.stories_created = sum(c.created for c in self.stories.values())
        self.stories_grown = sum(c.grown for c in self.stories.values())
        self.lines_removed += report.lines_removed
        self.lines_removed_retroactively += report.lines_removed_retroactively
        self.articles_recleaned += len(report.articles_recleaned)
        for source, rep in report.per_source.items():
            self.per_source.setdefault(source, SourceReport()).add(rep)
        self.source_of.update(report.source_of)
        # A story is named after the article that opened it (or, for a split part, its earliest):
        # its source opened it, if that article came in this run.
        for rep in self.per_source.values():
            rep.new_stories = 0
        for change in self.stories.values():
            source = self.source_of.get(change.story_id.removeprefix("s_")) if change.created else None
            if source is not None:
                self.per_source[source].new_stories += 1

    def count_inputs(self, discovered: int, discovery_failures: list[Failure]) -> None:
        """Inputs = the files and article URLs found, and every input that failed before that (a
        feed that could not be read, a missing path): each ends loaded, unchanged or not loaded."""
        self.files_seen = discovered + len(discovery_failures)

    def add_fetched(self, pages_fetched: int, records: list[PageRecord], requests: int) -> None:
        """A web batch's fetch: a page the server says is not modified (304) is an unchanged input."""
        not_modified = [r for r in records if r.outcome == "not modified"]
        self.pages_fetched += pages_fetched
        self.requests += requests
        self.not_modified += len(not_modified)
        self.unchanged += len(not_modified)
        for record in not_modified:
            rep = self.per_source.setdefault(record.source_id, SourceReport())
            rep.read += 1
            rep.unchanged += 1

    def counts(self) -> dict[str, int]:
        """The run's counters by name (RUN_COUNTERS: the columns of the runs table)."""
        return {name: len(self.failures) if name == "failures" else getattr(self, name) for name in RUN_COUNTERS}

    def warc_line(self) -> str | None:
        """The WARC records read and why the others were skipped, or None when no WARC was read."""
        if not self.warc_records:
            return None
        skipped = sum(self.warc_skipped.values())
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(self.warc_skipped.items(), key=lambda r: (-r[1], r[0])))
        return (f"WARC: {self.warc_records} records read, {skipped} skipped"
                + (f" ({reasons})" if reasons else "") + ".")
