"""Prefect flow: nightly maintenance of the warehouse (see warehouse/maintenance.py)."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from flows.locking import ensure_write_limit, publish_snapshot, warehouse_writer
from warehouse import maintenance as m
from warehouse.db import DEFAULT_DB, is_lake
from warehouse.search import rebuild_search_index as rebuild_search_index_in

DEFAULT_RAW_RETENTION_DAYS = 365


@task(name="refresh-story-summaries", cache_policy=NONE)
def refresh_stories(db: str) -> int:
    with warehouse_writer(db) as con:
        return m.refresh_stories(con)


@task(name="prune-raw-pages", cache_policy=NONE)
def prune_raw_pages(db: str, retention_days: int) -> int:
    with warehouse_writer(db) as con:
        return m.prune_raw_pages(con, retention_days)


@task(name="rebuild-search-index", cache_policy=NONE)
def rebuild_search_index(db: str) -> str:
    with warehouse_writer(db) as con:
        if is_lake(con):
            return "skipped: no full-text index on a DuckLake"
        return f"{rebuild_search_index_in(con)} articles indexed"


@task(name="checkpoint", cache_policy=NONE)
def checkpoint(db: str) -> str:
    with warehouse_writer(db) as con:
        return m.checkpoint(con)


@flow(name="maintenance")
def maintenance(db: str = str(DEFAULT_DB), raw_retention_days: int = DEFAULT_RAW_RETENTION_DAYS) -> dict[str, object]:
    """Refresh story summaries, prune raw pages past retention, rebuild the search index, checkpoint."""
    logger = get_run_logger()
    ensure_write_limit()
    result: dict[str, object] = {
        "stories_refreshed": refresh_stories(db),
        "raw_pages_pruned": prune_raw_pages(db, raw_retention_days),
        "search_index": rebuild_search_index(db),
    }
    done = checkpoint(db)
    publish_snapshot(db)
    logger.info("maintenance of %s: %s", db, result)
    create_markdown_artifact(
        key="maintenance-summary", description=f"newsflow maintenance of {db}",
        markdown="\n".join([f"# newsflow maintenance of `{db}`", "", "| step | result |", "|---|---|",
                            *(f"| {k} | {v} |" for k, v in result.items()), f"| checkpoint | {done} |"]))
    return result
