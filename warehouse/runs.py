"""The runs table: a row when a run starts, its figures when it ends."""

from __future__ import annotations

import uuid

import duckdb

from warehouse.db import retry_conflicts, utcnow
from warehouse.load.report import RUN_COUNTERS


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow_run_id: str | None,
              inputs: list[str]) -> None:
    retry_conflicts(con, lambda: con.execute(
        "INSERT INTO runs (run_id, flow_run_id, started_at, status, inputs) VALUES (?, ?, ?, 'running', ?)",
        [run_id, flow_run_id, utcnow(), inputs],
    ))


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, counts: dict[str, int],
               error: str | None = None) -> None:
    columns = RUN_COUNTERS
    sets = ", ".join(f"{c} = ?" for c in columns)
    retry_conflicts(con, lambda: con.execute(
        f"UPDATE runs SET finished_at = ?, status = ?, error = ?, {sets} WHERE run_id = ?",
        [utcnow(), status, error, *[counts.get(c, 0) for c in columns], run_id],
    ))
