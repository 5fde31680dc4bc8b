"""One writer at a time on the DuckDB file, across runs and deployments.

DuckDB allows one writing process per file. The connection itself waits (up to WAIT_SECONDS, or
$NEWSFLOW_LOCK_WAIT_SECONDS: `newsflow ingest --lock-wait S` sets it) for a lock held by another
process (another run, an analyst's session), saying so at once on stderr with the holder's PID; past
the bound the write fails with WarehouseLocked (the CLI exits 2). The operating system frees the
lock when its holder dies, even by SIGKILL.

An ingest run keeps its write connection from batch to batch (RunWriter) and lets it go at the
first batch boundary after HOLD_SECONDS, and before fetching a batch of article pages, so other
writers take their turn at least that often: reopening a large warehouse for each batch re-read
its index tables and checkpointed it on each close (bench/RESULTS.md).

On a standing Prefect server (`prefect server start`, `make ui`), every write connection also holds
a slot of the global concurrency limit `newsflow-warehouse-writer` (limit 1, created on first use)
while it is open, so overlapping deployment runs take turns and the UI shows who waits. The slot
is a lease of LEASE_SECONDS, renewed while held: the server's repossessor frees the slot of a
killed holder within about a minute.

On a temporary server (the CLI's, Prefect's own) the slot is not taken: a temporary server runs no
repossessor and keeps leases in memory, so a run killed while holding the slot left it taken in
PREFECT_HOME's database for every later run on that home (seen: a re-run after SIGKILL waited
forever). The file lock alone keeps those runs correct.

On a DuckLake (`ducklake:…`) the limit is a courtesy only: correctness across processes and
machines comes from the lake's commit conflicts and the loader's retries (warehouse/db.py).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext

import duckdb
from prefect import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL

from warehouse.db import WarehouseLocked, connect
from warehouse.snapshot import Published, Publisher

WRITE_LIMIT = "newsflow-warehouse-writer"
WAIT_SECONDS = 600.0   # unattended runs (deployments); the CLI waits --lock-wait S (default 60)
LOCK_WAIT_ENV = "NEWSFLOW_LOCK_WAIT_SECONDS"
LEASE_SECONDS = 60.0   # the shortest lease Prefect's API accepts; renewed at 75 % while held
HOLD_SECONDS = 30.0    # a run's write connection is let go at the first batch boundary after this
TEMPORARY_API_ENV = "NEWSFLOW_TEMPORARY_API_URL"   # set by newsflow.server to the temporary server it runs


def lock_wait_seconds() -> float:
    """How long a writer waits for another process's lock: $NEWSFLOW_LOCK_WAIT_SECONDS, else WAIT_SECONDS."""
    text = os.environ.get(LOCK_WAIT_ENV)
    if not text:
        return WAIT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"{LOCK_WAIT_ENV}={text!r} is not a number of seconds (0 or more)")
    return seconds


def say_waiting(db: str, seconds: float):
    """The callback that tells, at once on stderr, that a writer waits for the lock, and for whom."""
    def say(locked: WarehouseLocked) -> None:
        holder = f"held by PID {locked.holder_pid}" if locked.holder_pid else "held by another process"
        print(f"newsflow: waiting for the warehouse lock on {db} ({holder}), up to {seconds:g} s",
              file=sys.stderr, flush=True)
    return say


def standing_server() -> bool:
    """Is this run's Prefect API a standing server, the only kind that frees a dead holder's slot?
    Without PREFECT_API_URL Prefect runs its own temporary server; the CLI names its own in
    TEMPORARY_API_ENV."""
    url = PREFECT_API_URL.value()
    return bool(url) and url != os.environ.get(TEMPORARY_API_ENV)


def ensure_write_limit() -> None:
    """Create the global concurrency limit if this standing server does not have it yet."""
    if not standing_server():
        return
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
    """A write connection to `db`, holding the writer slot (on a standing server) while it is open."""
    slot = (concurrency(WRITE_LIMIT, occupy=1, lease_duration=LEASE_SECONDS, strict=True)
            if standing_server() else nullcontext())
    with slot:
        seconds = lock_wait_seconds()
        con = connect(db, wait_seconds=seconds, on_wait=say_waiting(db, seconds))
        try:
            yield con
        finally:
            con.close()


def publish_snapshot(db: str, publisher: Publisher | None = None) -> Published | None:
    """Publish the read snapshot of `db` now (warehouse/snapshot.py), under the writer slot."""
    publisher = publisher or Publisher(db)
    with warehouse_writer(db) as con:
        return publisher.publish(con)


class RunWriter:
    """A run's write connection (warehouse_writer), opened when first needed and kept from batch
    to batch; `turn()` at a batch boundary lets it go once held `hold_seconds`, `close()` at once
    (before fetching article pages, which must not keep other writers waiting)."""

    def __init__(self, db: str, hold_seconds: float = HOLD_SECONDS) -> None:
        self.db = db
        self.hold_seconds = hold_seconds
        self.opened = 0   # connections opened: the tests' and benches' measure of the hold
        self._stack: ExitStack | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._since = 0.0

    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            stack = ExitStack()
            self._con = stack.enter_context(warehouse_writer(self.db))
            self._stack, self._since = stack, time.monotonic()
            self.opened += 1
        return self._con

    def turn(self) -> None:
        if self._con is not None and time.monotonic() - self._since >= self.hold_seconds:
            self.close()

    def close(self) -> None:
        stack, self._stack, self._con = self._stack, None, None
        if stack is not None:
            stack.close()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
