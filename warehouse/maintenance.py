"""Maintenance on the warehouse (run nightly by the `maintenance` flow): refresh story
summaries from their articles, prune raw pages past retention, and checkpoint the WAL into the file."""

from __future__ import annotations

from datetime import timedelta

import duckdb

from warehouse.db import transaction, utcnow
from warehouse.load import story_aggregates

STORY_AGGREGATES = story_aggregates()


def refresh_stories(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute every story's counts, dates and headline from its articles; returns stories changed."""
    with transaction(con):
        changed = con.execute(f"""
            SELECT count(*) FROM stories s JOIN ({STORY_AGGREGATES}) agg USING (story_id)
            WHERE s.article_count <> agg.n OR s.outlet_count <> agg.outlets
               OR s.first_seen IS DISTINCT FROM agg.first_seen OR s.last_seen IS DISTINCT FROM agg.last_seen
               OR s.title IS DISTINCT FROM coalesce(agg.headline, s.title)""").fetchone()[0]
        con.execute(f"""
            UPDATE stories SET article_count = agg.n, outlet_count = agg.outlets, first_seen = agg.first_seen,
                   last_seen = agg.last_seen, title = coalesce(agg.headline, stories.title)
            FROM ({STORY_AGGREGATES}) agg WHERE stories.story_id = agg.story_id""")
    return changed


def prune_raw_pages(con: duckdb.DuckDBPyConnection, retention_days: int) -> int:
    """Delete raw pages stored more than `retention_days` ago (their articles stay; they can no
    longer be re-extracted). Returns the number deleted."""
    cutoff = utcnow() - timedelta(days=retention_days)
    with transaction(con):
        n = con.execute("SELECT count(*) FROM raw_pages WHERE stored_at < ?", [cutoff]).fetchone()[0]
        con.execute("DELETE FROM raw_pages WHERE stored_at < ?", [cutoff])
    return n


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CHECKPOINT")
