"""Another process holding the DuckDB file: a writer says so at once (with the holder's PID), waits
a bounded time, and either opens the file when it is freed or fails with WarehouseLocked."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from warehouse.db import WarehouseLocked, connect, lock_holder

HOLD = ("import sys, time, duckdb\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('holding', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n")


def hold(db, seconds: float) -> subprocess.Popen:
    """A real second process with the file open for writing, for `seconds`."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_lock_holder_reads_duckdbs_message():
    assert lock_holder('Could not set lock on file "/x.duckdb": Conflicting lock is held in /usr/bin/python3 '
                       "(PID 4242). See also https://duckdb.org/docs/stable/connect/concurrency") == 4242
    assert lock_holder("Could not set lock on file") is None


def test_a_writer_says_at_once_who_holds_the_file_and_gives_up_after_the_bound(db_path):
    connect(db_path).close()
    holder = hold(db_path, 60)
    told: list[tuple[float, int | None]] = []
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseLocked, match=f"PID {holder.pid}.*gave up after waiting 1 s") as locked:
            connect(db_path, wait_seconds=1, on_wait=lambda exc: told.append((time.monotonic() - started,
                                                                               exc.holder_pid)))
        assert locked.value.holder_pid == holder.pid
        assert len(told) == 1 and told[0][1] == holder.pid and told[0][0] < 1   # said once, before the wait
        with pytest.raises(WarehouseLocked, match="open for writing in another process"):   # no wait: at once
            connect(db_path, read_only=True)
    finally:
        holder.kill()
        holder.wait()


def test_a_writer_that_waits_opens_the_file_once_it_is_freed(db_path):
    connect(db_path).close()
    holder = hold(db_path, 2)
    told = []
    try:
        with connect(db_path, wait_seconds=60, on_wait=told.append) as con:
            assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        assert [exc.holder_pid for exc in told] == [holder.pid]
        assert holder.wait(timeout=30) == 0   # it ran to its end: the writer waited for it
    finally:
        holder.kill()
