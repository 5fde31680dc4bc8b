"""Maintenance on the warehouse (run nightly by the `maintenance` flow): refresh story
summaries from their articles, prune raw pages past retention, and checkpoint the WAL into the file
(on a DuckLake: flush inlined rows to Parquet, merge small files, expire old snapshots, delete
files no snapshot needs)."""

from __future__ import annotations

from datetime import timedelta

import duckdb

from warehouse.db import is_lake, retry_conflicts, utcnow
from warehouse.load.stories import story_aggregates

STORY_AGGREGATES = story_aggregates()
LAKE_SNAPSHOT_RETENTION_DAYS = 7   # DuckLake: time travel kept this long; older snapshots and their files go


def refresh_stories(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute every story's counts, dates and headline from its articles; returns stories changed."""
    def refresh() -> int:
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
    return retry_conflicts(con, refresh)


def prune_raw_pages(con: duckdb.DuckDBPyConnection, retention_days: int) -> int:
    """Delete raw pages stored more than `retention_days` ago (their articles stay; they can no
    longer be re-extracted). Returns the number deleted."""
    cutoff = utcnow() - timedelta(days=retention_days)
    def prune() -> int:
        n = con.execute("SELECT count(*) FROM raw_pages WHERE stored_at < ?", [cutoff]).fetchone()[0]
        con.execute("DELETE FROM raw_pages WHERE stored_at < ?", [cutoff])
        return n
    return retry_conflicts(con, prune)


def checkpoint(con: duckdb.DuckDBPyConnection, snapshot_retention_days: int = LAKE_SNAPSHOT_RETENTION_DAYS) -> str:
    """CHECKPOINT a DuckDB file; compact and expire a DuckLake. Returns what was done."""
    if not is_lake(con):
        con.execute("CHECKPOINT")
        return "done"
    lake = con.execute("SELECT current_database()").fetchone()[0]
    older = utcnow() - timedelta(days=snapshot_retention_days)
    con.execute("CALL ducklake_flush_inlined_data(?)", [lake])
    con.execute("CALL ducklake_merge_adjacent_files(?)", [lake])
    expired = len(con.execute("CALL ducklake_expire_snapshots(?, older_than => ?)", [lake, older]).fetchall())
    deleted = len(con.execute("CALL ducklake_cleanup_old_files(?, cleanup_all => true)", [lake]).fetchall())
    return f"DuckLake: {expired} snapshots expired, {deleted} unneeded files deleted"
