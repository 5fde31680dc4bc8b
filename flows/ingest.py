"""Prefect flow: ingest files and folders into the DuckDB warehouse.

Thin orchestration: discover → (read → extract → clean) per batch → load per batch, where load
does site boilerplate, fingerprints, copies and stories inside one transaction. Tasks work on
batches, not single articles (a Prefect task costs ~10 ms; the temporary server dislikes thousands).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from rich.progress import Progress

from tasks.clean import clean_document
from tasks.models import Article, Failure
from tasks.read import InputFile, discover_files, read_input
from warehouse.db import DEFAULT_DB, connect
from warehouse.load import BatchReport, SourceReport, load_batch
from warehouse.runs import finish_run, new_run_id, start_run

DEFAULT_BATCH_SIZE = 200


@dataclass
class RunSummary:
    """What a run did, returned by the flow and shown by the CLI and the artifacts."""

    run_id: str
    db: str
    files_seen: int = 0
    articles_loaded: int = 0
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)
    exact_copies: int = 0
    near_copies: int = 0
    stories_created: int = 0
    stories_grown: int = 0
    lines_removed: int = 0
    batches: int = 0
    per_source: dict[str, SourceReport] = field(default_factory=dict)

    def add(self, report: BatchReport) -> None:
        self.batches += 1
        self.articles_loaded += len(report.loaded)
        self.unchanged += report.unchanged
        self.failures.extend(report.failures)
        self.exact_copies += sum(link.kind == "exact" for link in report.links)
        self.near_copies += sum(link.kind == "near" for link in report.links)
        self.stories_created += len(report.stories_created)
        self.stories_grown += len(report.stories_grown)
        self.lines_removed += report.lines_removed
        for source, rep in report.per_source.items():
            self.per_source.setdefault(source, SourceReport()).add(rep)

    def counts(self) -> dict[str, int]:
        return {
            "files_seen": self.files_seen, "articles_loaded": self.articles_loaded,
            "unchanged": self.unchanged, "failures": len(self.failures),
            "exact_copies": self.exact_copies, "near_copies": self.near_copies,
            "stories_created": self.stories_created, "stories_grown": self.stories_grown,
            "lines_removed": self.lines_removed, "batches": self.batches,
        }


@task(name="discover-files", cache_policy=NONE)
def discover(paths: list[str]) -> tuple[list[InputFile], list[Failure]]:
    return discover_files(paths)


@task(name="read-and-clean", cache_policy=NONE)
def read_and_clean(items: list[InputFile]) -> tuple[list[Article], list[Failure]]:
    """Read, extract and clean a batch of files (pure: no warehouse access)."""
    articles: list[Article] = []
    failures: list[Failure] = []
    for item in items:
        raw = read_input(item)
        if isinstance(raw, Failure):
            failures.append(raw)
            continue
        article = clean_document(raw)
        if article.paragraphs:
            articles.append(article)
        else:
            failures.append(Failure(item.source_id, item.uri, "clean", "no content after cleaning",
                                    "every line was boilerplate or metadata"))
    return articles, failures


@task(name="load-batch", cache_policy=NONE)
def load(db: str, run_id: str, batch_no: int, articles: list[Article],
         failures: list[Failure]) -> BatchReport:
    con = connect(db)
    try:
        return load_batch(con, run_id, batch_no, articles, failures)
    finally:
        con.close()


@flow(name="ingest-files")
def ingest_files(paths: list[str], db: str = str(DEFAULT_DB), batch_size: int = DEFAULT_BATCH_SIZE,
                 progress: bool = False) -> RunSummary:
    """Ingest text/HTML files and folders into the DuckDB warehouse at `db`."""
    logger = get_run_logger()
    run_id = new_run_id()
    summary = RunSummary(run_id=run_id, db=db)
    con = connect(db)
    try:
        start_run(con, run_id, str(runtime.flow_run.id or "") or None, [str(p) for p in paths])
    finally:
        con.close()
    try:
        items, discover_failures = discover(paths)
        summary.files_seen = len(items)
        batches = [items[i : i + batch_size] for i in range(0, len(items), batch_size)] or [[]]
        logger.info("%d files in %d batches into %s", len(items), len(batches), db)
        with Progress(disable=not progress, transient=True) as bar:
            bar_task = bar.add_task("ingesting", total=len(items))
            for batch_no, batch in enumerate(batches):
                articles, failures = read_and_clean(batch)
                if batch_no == 0:
                    failures = discover_failures + failures
                report = load(db, run_id, batch_no, articles, failures)
                summary.add(report)
                bar.advance(bar_task, len(batch))
                logger.info("batch %d: %d loaded, %d unchanged, %d failed, %d copies",
                            batch_no, len(report.loaded), report.unchanged, len(report.failures),
                            len(report.links))
    except BaseException as exc:
        con = connect(db)
        try:
            finish_run(con, run_id, "failed", summary.counts(), f"{type(exc).__name__}: {exc}")
        finally:
            con.close()
        raise
    con = connect(db)
    try:
        finish_run(con, run_id, "completed", summary.counts())
    finally:
        con.close()
    for failure in summary.failures:
        logger.warning("not loaded: %s (%s%s)", failure.source_uri, failure.reason,
                       f": {failure.detail}" if failure.detail else "")
    _publish_artifacts(summary)
    return summary


def _publish_artifacts(summary: RunSummary) -> None:
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


def summary_markdown(summary: RunSummary) -> str:
    c = summary.counts()
    lines = [
        f"# newsflow ingest run `{summary.run_id}`",
        "",
        f"Warehouse: `{Path(summary.db)}`",
        "",
        "| files seen | loaded | unchanged | failed | lines removed | exact copies | near copies | new stories | grown stories |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {c['files_seen']} | {c['articles_loaded']} | {c['unchanged']} | {c['failures']} | "
        f"{c['lines_removed']} | {c['exact_copies']} | {c['near_copies']} | {c['stories_created']} | "
        f"{c['stories_grown']} |",
    ]
    if summary.failures:
        lines += ["", "## Not loaded", "", "| input | stage | reason |", "|---|---|---|"]
        lines += [f"| {f.source_uri} | {f.stage} | {f.reason} |" for f in summary.failures[:50]]
        if len(summary.failures) > 50:
            lines.append(f"| … {len(summary.failures) - 50} more in the failures table | | |")
    return "\n".join(lines)
