"""Load a batch of cleaned articles: dedup and story assignment against the warehouse, one transaction.

The stages are pure functions in tasks/; this module only reads the state they need from the
warehouse (indexes, counts, candidate stories), calls them, and writes their results.
"""

from __future__ import annotations

import copy

import duckdb

from tasks.isolation import InputError
from tasks.models import Article, Failure, WebBatch
from warehouse.db import WarehouseError, is_lake, retry_conflicts, utcnow
from warehouse.load import articles as articles_rows
from warehouse.load import clean, copies, known, outlets, retro, stories, versions
from warehouse.load import web as web_rows
from warehouse.load.report import BatchReport, per_source


def load_batch(con: duckdb.DuckDBPyConnection, run_id: str, batch_no: int,
               articles: list[Article], failures: list[Failure], web: WebBatch | None = None) -> BatchReport:
    """Write one batch in one transaction; on any error nothing of it is written. An article that
    makes a per-input stage raise (tasks/isolation.py) becomes a failure and the batch is computed
    again without it, from scratch (copies and stories among the others may change). On a DuckLake,
    a batch that lost to a concurrent writer is recomputed on the new state and written again. Each
    attempt works on copies of the inputs (loading edits them)."""
    lake = is_lake(con)
    retries: list[BaseException] = []
    articles, failures = list(articles), list(failures)
    rejected: dict[str, str] = {}   # article id → reason, of the articles a stage raised on

    def attempt() -> BatchReport:
        if lake:
            batch, failed, pages = copy.deepcopy((articles, failures, web))
        else:   # loading reassigns an article's lists, never edits them: a shallow copy is enough
            batch, failed, pages = [copy.copy(a) for a in articles], list(failures), web
        report = _load(con, run_id, batch_no, batch, failed)
        report.outcomes.update({article_id: f"failed: {reason}" for article_id, reason in rejected.items()})
        if pages is not None:
            web_rows.write_web(con, run_id, report, pages)
        return report

    while True:
        try:
            report = retry_conflicts(con, attempt, on_retry=retries.append)
            break
        except InputError as err:
            culprit = next((a for a in articles if a.article_id == err.key), None)
            if culprit is None:   # not about one of this batch's articles: a fault of the run
                raise
            articles = [a for a in articles if a.article_id != err.key]
            failures.append(err.failure(culprit.source_id, culprit.source_uri))
            rejected[culprit.article_id] = err.reason
    report.retries = len(retries)
    committed = con.execute(
        "SELECT count(*) FROM batches WHERE run_id = ? AND batch_no = ?", [run_id, batch_no]
    ).fetchone()[0]
    if committed != 1:
        raise WarehouseError(f"batch {batch_no} of run {run_id} was not committed")
    return report


def _load(con: duckdb.DuckDBPyConnection, run_id: str, batch_no: int,
          articles: list[Article], failures: list[Failure]) -> BatchReport:
    """The batch sequence: known articles aside (the changed ones become new versions), site names,
    the sites' learned boilerplate (and the newly learned lines out of the sites' stored articles),
    the new versions written over the stored ones, copies, stories, then every row of the batch and
    its marker."""
    now = utcnow()
    report = BatchReport(batch_no)
    failures = list(failures)
    new, revised = known.drop_known(con, articles, failures, report)
    outlets.name_sites(con, [*new, *revised])
    new, site_lines, learned = clean.remove_learned_boilerplate(con, new, failures)
    # Before this batch's copies are found: they are found against the stored articles' new text.
    recleaned = retro.remove_retroactively(con, learned, failures)
    updated = versions.revise(con, run_id, now, revised, learned, failures, report)
    fingerprints = copies.fingerprints_of(new)
    stored: dict[str, list[str]] = {}   # paragraphs of the older candidates, read once for dedup and edits
    links = copies.find_links(con, new, fingerprints, stored)
    streamed = stories.assign(con, new, links)

    articles_rows.write_articles(con, run_id, now, new, fingerprints, failures)
    versions.write_first_versions(con, run_id, now, new, fingerprints)
    # File inputs' bytes, for reextract (a new version's too: it is the article's text now).
    web_rows.write_raw(con, [a.raw for a in [*new, *updated] if a.raw is not None])
    copies.write_fingerprints(con, fingerprints)
    copies.write_copies(con, run_id, new, links, stored)
    report.story_changes, report.story_events, report.neighbourhoods_skipped = stories.write_stories(
        con, run_id, streamed, now)
    clean.add_site_lines(con, site_lines)
    articles_rows.write_failures(con, run_id, now, failures)
    articles_rows.mark_batch(con, run_id, batch_no, now, len(new), len(failures))

    report.loaded = [a.article_id for a in new]
    report.failures = failures
    report.outcomes.update({a.article_id: "loaded" for a in new})
    report.links = links
    # After consolidation: a story opened then merged away is no new story, a split part is one.
    report.stories_created = {c.story_id for c in report.story_changes if c.created}
    report.stories_grown = {c.story_id for c in report.story_changes if c.grown}
    report.lines_removed = sum(len(a.removed) for a in new)
    report.lines_removed_retroactively = recleaned.lines
    report.articles_recleaned = recleaned.articles
    per_source(report, new, failures)
    return report
