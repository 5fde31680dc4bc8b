"""The writer slot: taken on a standing Prefect server only, never a reason for a run to wait forever."""

from __future__ import annotations

import contextlib
import threading

from prefect import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.locking import TEMPORARY_API_ENV, WRITE_LIMIT, standing_server, warehouse_writer
from warehouse.db import migrate


def test_standing_server_is_a_url_the_cli_did_not_start(monkeypatch):
    monkeypatch.delenv(TEMPORARY_API_ENV, raising=False)
    assert not standing_server()                       # no URL: Prefect's own temporary server
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert standing_server()                       # prefect server start, a worker's run
        monkeypatch.setenv(TEMPORARY_API_ENV, "http://127.0.0.1:4200/api")
        assert not standing_server()                   # the CLI's temporary server


def test_a_slot_left_taken_by_a_killed_run_does_not_block_the_next_run(tmp_path):
    """A run SIGKILLed while writing leaves the slot taken in PREFECT_HOME's database, and a
    temporary server never frees it (no repossessor, leases in memory): the next run on that home
    waited forever (CI, test_cli_kill). Here the slot is taken and never released, as it was."""
    db = str(tmp_path / "news.duckdb")
    with get_client(sync_client=True) as client:
        with contextlib.suppress(Exception):   # left by another test of the session
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=WRITE_LIMIT, limit=1))
        client.increment_concurrency_slots_with_lease(names=[WRITE_LIMIT], slots=1, mode="concurrency",
                                                      lease_duration=3600)
        try:
            done = threading.Event()

            def write() -> None:
                with warehouse_writer(db) as con:
                    migrate(con)
                done.set()

            writer = threading.Thread(target=write, daemon=True)
            writer.start()
            writer.join(timeout=60)
            assert done.is_set(), "the writer waited on a slot nobody will ever release"
        finally:
            client.delete_global_concurrency_limit_by_name(WRITE_LIMIT)


