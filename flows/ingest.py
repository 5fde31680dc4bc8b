"""Prefect flows: ingest files, folders and web sources into the DuckDB warehouse.

Thin orchestration over tasks/: discover (files; feeds, sitemaps, URL lists) → per batch: fetch
(web) → extract and clean in the sandbox's worker processes → load, where one transaction does
site boilerplate, fingerprints, copies, stories and the page states. Tasks work on batches, not
single articles (a Prefect task costs ~10 ms; the temporary server dislikes thousands). Retries
live in the fetcher (the network edge), not on Prefect tasks.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import replace

from prefect import flow, get_run_logger, runtime, task
from prefect.cache_policies import NONE
from prefect.utilities.annotations import quote
from rich.progress import Progress

from flows.head_start import EXTRACT_AHEAD
from flows.locking import RunWriter, ensure_write_limit, warehouse_writer
from flows.reporting import Progress as ProgressArtifact
from flows.reporting import emit_story_events, publish_artifacts
from flows.runners import extraction_slots
from tasks.documents.article import article_from_archived_page, article_from_file, article_from_page
from tasks.documents.read import InputFile, discover_files
from tasks.models import Article, ArticleCheck, Failure, RobotsEntry, WebBatch, WebPage
from tasks.sandbox import SandboxConfig, SandboxError, run_isolated
from tasks.web.crawl import (
    Discovery,
    FetchBatch,
    Target,
    Validators,
    WebSources,
    discover_sources,
    fetch_batch,
    load_sources_file,
)
from tasks.web.exchange import FetchConfig
from tasks.web.warc import WarcBatch, WarcFilter, archive_batches, is_warc_name, warc_filter, warc_sources
from warehouse.db import DEFAULT_DB
from warehouse.load import load_batch
from warehouse.load import web as web_state
from warehouse.load.report import BatchReport, RunSummary
from warehouse.runs import finish_run, new_run_id, start_run
from warehouse.snapshot import Publisher

DEFAULT_BATCH_SIZE = 200


def _sandboxed(results: list, items: list, source_id, uri) -> tuple[list[Article], list[Failure]]:
    articles: list[Article] = []
    failures: list[Failure] = []
    for item, result in zip(items, results, strict=True):
        if isinstance(result, SandboxError):
            failures.append(Failure(source_id(item), uri(item), "extract", f"extraction {result.reason}", result.detail,
                                    result.error_type))
        elif isinstance(result, Failure):
            failures.append(result)
        else:
            articles.append(result)
    return articles, failures


@task(name="discover-files", cache_policy=NONE)
def discover(paths: list[str], root: str | None = None) -> tuple[list[InputFile], list[Failure]]:
    return discover_files(paths, root)


@task(name="read-and-clean", cache_policy=NONE)
def read_and_clean(items: list[InputFile], sandbox: SandboxConfig | None = None) -> tuple[list[Article], list[Failure]]:
    """Read, extract and clean a batch of files in worker processes (pure: no warehouse access)."""
    results = run_isolated(article_from_file, items, sandbox)
    return _sandboxed(results, items, lambda i: i.source_id, lambda i: i.uri)


@task(name="read-fetch-state", cache_policy=NONE)
def read_fetch_state(db: str) -> tuple[Validators, list[RobotsEntry]]:
    """Validators of the feeds and sitemaps fetched before, and the cached robots.txt entries."""
    with warehouse_writer(db) as con:
        return web_state.listing_validators(con), web_state.cached_robots(con)


@task(name="read-page-validators", cache_policy=NONE)
def read_page_validators(db: str, urls: list[str]) -> Validators:
    """ETag / Last-Modified of these article URLs, for conditional requests."""
    with warehouse_writer(db) as con:
        return web_state.page_validators(con, urls)


@task(name="discover-web", cache_policy=NONE)
def discover_web(sources: WebSources, config: FetchConfig, validators: Validators,
                 robots: list[RobotsEntry]) -> tuple[Discovery, list[RobotsEntry]]:
    return discover_sources(sources, config, validators, robots)


@task(name="fetch-pages", cache_policy=NONE)
def fetch(targets: list[Target], config: FetchConfig, validators: Validators,
          robots: list[RobotsEntry]) -> FetchBatch:
    return fetch_batch(targets, config, validators, robots)


@task(name="extract-and-clean", cache_policy=NONE)
def extract_and_clean(pages: list[WebPage], sandbox: SandboxConfig | None = None, archived: bool = False
                      ) -> tuple[list[Article], list[Failure], dict[str, str]]:
    """Extract and clean fetched pages in worker processes; also which page URL gave which article.
    `archived`: WARC pages, whose raw bytes the workers compress and the articles carry."""
    results = run_isolated(article_from_archived_page if archived else article_from_page, pages, sandbox)
    articles, failures = _sandboxed(results, pages, lambda p: p.source_id, lambda p: p.url)
    article_of = {p.url: r.article_id for p, r in zip(pages, results, strict=True) if isinstance(r, Article)}
    return articles, failures, article_of


@task(name="load-batch", cache_policy=NONE)
def load(writer: RunWriter, run_id: str, batch_no: int, articles: list[Article],
         failures: list[Failure], web: WebBatch | None = None) -> BatchReport:
    report = load_batch(writer.connection(), run_id, batch_no, articles, failures, web)
    emit_story_events(report.story_changes, run_id, report.story_events)
    return report


@flow(name="ingest-files")
def ingest_files(paths: list[str], db: str = str(DEFAULT_DB), batch_size: int = DEFAULT_BATCH_SIZE,
                 progress: bool = False, input_root: str | None = None, workers: int | None = None) -> RunSummary:
    """Ingest text/HTML files and folders into the DuckDB warehouse at `db` (only under
    `input_root` when it is given: a deployment can refuse paths outside its data folder), with
    `workers` extraction processes (default: the cores, at most 4)."""
    return run_ingest(paths=paths, db=db, batch_size=batch_size, progress=progress, input_root=input_root,
                      sandbox=_sandbox(None, workers))


def _sandbox(sandbox: SandboxConfig | None, workers: int | None) -> SandboxConfig:
    sandbox = sandbox or SandboxConfig()
    return replace(sandbox, workers=workers) if workers else sandbox


@flow(name="ingest")
def ingest(paths: list[str] | None = None, urls: list[str] | None = None, feeds: list[str] | None = None,
           sitemaps: list[str] | None = None, url_lists: list[str] | None = None,
           sources_file: str | None = None, db: str = str(DEFAULT_DB), batch_size: int = DEFAULT_BATCH_SIZE,
           allow_hosts: list[str] | None = None, user_agent: str | None = None, progress: bool = False,
           fetch_config: FetchConfig | None = None, sandbox: SandboxConfig | None = None,
           workers: int | None = None, warcs: list[str] | None = None, sites: list[str] | None = None,
           language: str | None = None, since: str | None = None, until: str | None = None) -> RunSummary:
    """Ingest files and web sources (article URLs, RSS/Atom feeds, sitemaps, URL-list files, and the
    outlets of a sources file) into the DuckDB warehouse at `db`, with `workers` extraction processes.
    WARC archives come as files (in `paths`) or URLs (`warcs`, also lists such as warc.paths.gz);
    their records are kept by `sites`, declared `language` and capture date (`since`, `until`:
    YYYY-MM-DD or ISO time, `until` inclusive) before extraction."""
    web = WebSources(list(urls or []), list(feeds or []), list(sitemaps or []), list(url_lists or []))
    if sources_file:
        web.extend(load_sources_file(sources_file))
    config = fetch_config or FetchConfig()
    if allow_hosts:
        config = replace(config, allow_hosts=config.allow_hosts | {h.lower() for h in allow_hosts})
    if user_agent:
        config = replace(config, user_agent=user_agent)
    return run_ingest(paths=list(paths or []), web=web, db=db, batch_size=batch_size, progress=progress,
                      fetch_config=config, sandbox=_sandbox(sandbox, workers), warc_urls=list(warcs or []),
                      keep=warc_filter(sites or [], language, since, until))


def run_ingest(paths: list[str], db: str, batch_size: int, progress: bool, web: WebSources | None = None,
               fetch_config: FetchConfig | None = None, sandbox: SandboxConfig | None = None,
               input_root: str | None = None, warc_urls: list[str] | None = None,
               keep: WarcFilter | None = None, checks: list[tuple[Target, ArticleCheck]] | None = None) -> RunSummary:
    """The body of the flows (call inside a flow: it runs tasks and logs to the flow run). `checks`:
    stored articles' pages to fetch again (flows/recheck.py), each written with its batch."""
    logger = get_run_logger()
    run_id = new_run_id()
    summary = RunSummary(run_id=run_id, db=db)
    web = web or WebSources()
    config = fetch_config or FetchConfig()
    warc_urls = list(warc_urls or [])
    checks = list(checks or [])
    check_of = {target.url: check for target, check in checks}
    inputs = [*paths, *web.urls, *web.feeds, *web.sitemaps, *web.url_lists, *warc_urls, *check_of]
    ensure_write_limit()
    with warehouse_writer(db) as con:
        start_run(con, run_id, str(runtime.flow_run.id or "") or None, [str(p) for p in inputs])
    writer = RunWriter(db)   # opened by the first batch (web discovery opens its own connections before)
    publisher = Publisher(db)
    try:
        pending: list[Failure] = []   # discovery failures, written with the first batch
        items: list[InputFile] = []
        if paths:
            items, discover_failures = discover(paths, input_root)
            pending += discover_failures
        # warc:PATH, not files:PATH: its articles are web pages (reextract reads them as pages).
        warc_files = [("warc:" + i.source_id.removeprefix("files:"), i.uri, i.path) for i in items if is_warc_name(i.path)]
        items = [i for i in items if not is_warc_name(i.path)]
        targets: list[Target] = [target for target, _ in checks]
        web_state = WebBatch()
        robots: list[RobotsEntry] = []
        if web or checks:
            listing_validators, robots = read_fetch_state(db)
        if web:
            found, new_robots = discover_web(web, config, listing_validators, robots)
            robots += new_robots
            targets += found.targets
            pending += found.failures
            web_state = WebBatch(pages=found.pages, robots=new_robots)
            summary.requests += found.requests
            logger.info("discovered %d article URLs from %d feeds, %d sitemaps, %d lists, %d URLs",
                        len(targets), len(web.feeds), len(web.sitemaps), len(web.url_lists), len(web.urls))
        summary.count_inputs(len(items) + len(targets), pending)
        to_process = len(items) + len(targets)   # what the batches work through (the progress bars)
        file_batches = [items[i : i + batch_size] for i in range(0, len(items), batch_size)]
        web_batches = [targets[i : i + batch_size] for i in range(0, len(targets), batch_size)]
        batch_count = max(1, len(file_batches) + len(web_batches))
        logger.info("%d inputs in %d batches into %s", summary.files_seen, batch_count, db)
        progress_artifact = ProgressArtifact(to_process)
        with Progress(disable=not progress, transient=True) as bar:
            bar_task = bar.add_task("ingesting", total=to_process)
            batch_no = 0
            for batch, (articles, failures) in _extracted_ahead(file_batches, sandbox or SandboxConfig()):
                _load(summary, writer, batch_no, articles, pending + failures, None, logger, publisher)
                pending, batch_no = [], batch_no + 1
                bar.advance(bar_task, len(batch))
                progress_artifact.advance(len(batch))
            warcs = archive_batches(warc_sources(warc_files, warc_urls, config), keep or WarcFilter(),
                                    batch_size, config)
            for warc_batch, (articles, failures, article_of) in _pages_extracted_ahead(warcs, sandbox or SandboxConfig()):
                records = [p.record for p in warc_batch.pages]
                for record in records:
                    record.article_id = article_of.get(record.url)
                summary.files_seen += len(records)
                summary.warc_records += warc_batch.records
                summary.warc_skipped.update(warc_batch.skipped)
                _load(summary, writer, batch_no, articles, pending + warc_batch.failures + failures,
                      WebBatch(records), logger, publisher)   # raw bytes: with the new articles (article.raw)
                pending, batch_no = [], batch_no + 1
                bar.advance(bar_task, len(records))
            for batch in web_batches:
                writer.close()   # no writer waits on this run's network fetch
                fetched = fetch(batch, config, read_page_validators(db, [t.url for t in batch]), robots)
                robots += fetched.robots
                articles, failures, article_of = _extract_pages(fetched.pages, sandbox or SandboxConfig())
                for record in fetched.records:
                    record.article_id = article_of.get(record.url)
                state = WebBatch(web_state.pages + fetched.records, fetched.raw, web_state.robots + fetched.robots,
                                 [check_of[t.url] for t in batch if t.url in check_of])
                web_state = WebBatch()
                summary.add_fetched(len(fetched.pages), fetched.records, fetched.requests)
                _load(summary, writer, batch_no, articles, pending + fetched.failures + failures, state, logger, publisher)
                pending, batch_no = [], batch_no + 1
                bar.advance(bar_task, len(batch))
                progress_artifact.advance(len(batch))
            if batch_no == 0 or pending or web_state.pages:
                _load(summary, writer, batch_no, [], pending, web_state if web or checks else None, logger, publisher)
    except BaseException as exc:
        with contextlib.suppress(Exception):   # a fresh connection records the failure, whatever state
            writer.close()                      # the failure left this one in; its own error never hides it
        with warehouse_writer(db) as con:
            finish_run(con, run_id, "failed", summary.counts(), f"{type(exc).__name__}: {exc}")
            publisher.publish(con)   # the batches committed before the failure stay readable
        raise
    with writer:
        finish_run(writer.connection(), run_id, "completed", summary.counts())
        publisher.publish(writer.connection())
    if publisher.published:
        logger.info("read snapshot published %d times (%.2f s in all, %.1f MB written)", publisher.published,
                    publisher.seconds, publisher.copied_bytes / 1e6)
    for failure in summary.failures:
        logger.warning("not loaded: %s (%s%s)", failure.source_uri, failure.reason,
                       f": {failure.detail}" if failure.detail else "")
    publish_artifacts(summary)
    return summary


def _chunks(items: list, n: int) -> list[list]:
    size = max(1, -(-len(items) // max(1, n)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _extracted_ahead(batches: list[list[InputFile]], sandbox: SandboxConfig
                     ) -> Iterator[tuple[list[InputFile], tuple[list[Article], list[Failure]]]]:
    """(batch, (articles, failures)) in batch order, while the task runner already extracts the
    next EXTRACT_AHEAD batches: the single writer loads one batch as the workers extract the next.
    Each batch is split into one chunk per extraction slot (sandbox process or Dask worker)."""
    slots, chunk_sandbox = extraction_slots(sandbox)
    pending: deque = deque()

    def gather(batch, futures):
        articles, failures = [], []
        for future in futures:
            a, f = future.result()
            articles += a
            failures += f
        return batch, (articles, failures)

    for batch in batches:
        pending.append((batch, [read_and_clean.submit(chunk, chunk_sandbox) for chunk in _chunks(batch, slots)]))
        if len(pending) > EXTRACT_AHEAD:
            yield gather(*pending.popleft())
    while pending:
        yield gather(*pending.popleft())


def _pages_extracted_ahead(batches: Iterator[WarcBatch], sandbox: SandboxConfig
                           ) -> Iterator[tuple[WarcBatch, tuple[list[Article], list[Failure], dict[str, str]]]]:
    """Like _extracted_ahead, for the pages of WARC batches as the archive is read: the next
    EXTRACT_AHEAD batches are read and extracted while one is loaded (memory stays bounded)."""
    slots, chunk_sandbox = extraction_slots(sandbox)
    pending: deque = deque()

    def gather(batch, futures):
        articles, failures, article_of = [], [], {}
        for future in futures:
            a, f, of = future.result()
            articles += a
            failures += f
            article_of |= of
        return batch, (articles, failures, article_of)

    for batch in batches:
        pages = [p.page for p in batch.pages]
        pending.append((batch, [extract_and_clean.submit(chunk, chunk_sandbox, archived=True)
                                for chunk in _chunks(pages, slots)]))
        if len(pending) > EXTRACT_AHEAD:
            yield gather(*pending.popleft())
    while pending:
        yield gather(*pending.popleft())


def _extract_pages(pages: list[WebPage], sandbox: SandboxConfig) -> tuple[list[Article], list[Failure], dict[str, str]]:
    slots, chunk_sandbox = extraction_slots(sandbox)
    articles, failures, article_of = [], [], {}
    for future in [extract_and_clean.submit(chunk, chunk_sandbox) for chunk in _chunks(pages, slots)]:
        a, f, of = future.result()
        articles += a
        failures += f
        article_of |= of
    return articles, failures, article_of


def _load(summary: RunSummary, writer: RunWriter, batch_no: int, articles: list[Article], failures: list[Failure],
          web: WebBatch | None, logger, publisher: Publisher) -> None:
    """Load one batch, then publish the read snapshot if it is due (warehouse/snapshot.py), then let
    the writer go if it has held the file long enough (RunWriter.turn)."""
    # quote: Prefect would otherwise walk every object of the batch looking for futures, twice per call
    # (most of the writer's time in a profiled 1,000-page run); the task receives the plain values
    report = load(quote(writer), summary.run_id, batch_no, quote(articles), quote(failures), quote(web))
    summary.add(report)
    if publisher.due():
        publisher.publish(writer.connection())
    writer.turn()
    _return_freed_memory()
    logger.info("batch %d: %d loaded, %d updated (new versions), %d unchanged, %d failed, %d copies%s%s",
                batch_no, len(report.loaded), len(report.updated), report.unchanged, len(report.failures),
                len(report.links),
                f"; {report.lines_removed_retroactively} lines of newly learned site boilerplate removed from "
                f"{len(report.articles_recleaned)} stored articles" if report.lines_removed_retroactively else "",
                f" (recomputed {report.retries}× after conflicts with a concurrent writer)" if report.retries else "")


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6") if sys.platform.startswith("linux") else None


def _return_freed_memory() -> None:
    """Give the heap pages a batch freed back to the system (glibc keeps them otherwise: the
    writer's resident memory would stay at its largest batch's high-water mark)."""
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)
