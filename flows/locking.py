"""One writer at a time on the DuckDB file, across runs and deployments.

DuckDB allows one writing process per file. Every write (run start, each batch, run end) holds
a slot of the Prefect global concurrency limit `newsflow-warehouse-writer` (limit 1, created on
first use), so overlapping runs take turns batch by batch instead of failing on the file lock;
the connection itself also waits (up to WAIT_SECONDS) for a lock held outside Prefect, e.g. an
analyst's read-only session.

On a DuckLake (`ducklake:…`) the limit is a courtesy only: correctness across processes and
machines comes from the lake's commit conflicts and the loader's retries (warehouse/db.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from prefect import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound

from warehouse.db import connect

WRITE_LIMIT = "newsflow-warehouse-writer"
WAIT_SECONDS = 600.0


def ensure_write_limit() -> None:
    """Create the global concurrency limit if this Prefect server does not have it yet."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(WRITE_LIMIT)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=WRITE_LIMIT, limit=1))
            except Exception:  # created meanwhile by another run
                client.read_global_concurrency_limit_by_name(WRITE_LIMIT)


@contextmanager
def warehouse_writer(db: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write connection to `db`, holding the writer slot while it is open."""
    with concurrency(WRITE_LIMIT, occupy=1, lease_duration=WAIT_SECONDS, strict=True):
        con = connect(db, wait_seconds=WAIT_SECONDS)
        try:
            yield con
        finally:
            con.close()
