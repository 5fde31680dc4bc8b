"""Prefect flow: the enrichment stage (quotes, speakers, named entities) for articles not yet
enriched, outside ingest; the entity model runs in worker processes. It then rebuilds the
full-text index (also rebuilt nightly by maintenance)."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from flows.locking import ensure_write_limit, publish_snapshot, warehouse_writer
from warehouse.db import DEFAULT_DB, is_lake
from warehouse.enrich import EnrichReport, enrich_pending
from warehouse.runs import new_run_id
from warehouse.search import rebuild_search_index


@task(name="extract-quotes", cache_policy=NONE)
def extract(db: str, run_id: str, batch_size: int) -> EnrichReport:
    with warehouse_writer(db) as con:
        return enrich_pending(con, run_id, batch_size)


@task(name="rebuild-search-index", cache_policy=NONE)
def rebuild_search(db: str) -> int:
    with warehouse_writer(db) as con:
        if is_lake(con):
            get_run_logger().info("no full-text index on a DuckLake warehouse: search needs a DuckDB file")
            return 0
        return rebuild_search_index(con)


@flow(name="enrich")
def enrich(db: str = str(DEFAULT_DB), batch_size: int = 500) -> EnrichReport:
    """Extract quotes (with speakers) from the articles not yet enriched and link repeated quotes."""
    ensure_write_limit()
    report = extract(db, new_run_id(), batch_size)
    if report.articles:
        rebuild_search(db)   # search() sees the new articles; the full rebuild stays out of ingest
        publish_snapshot(db)
    get_run_logger().info("enriched %d articles: %d quotes (%d linked to an earlier report), %d mentions, "
                          "%d new entities, %d failed", report.articles, report.quotes, report.linked,
                          report.mentions, report.new_entities, report.failed)
    return report
