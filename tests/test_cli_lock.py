"""`newsflow ingest` on a warehouse another process is writing: a line on stderr at once naming
the holder's PID, a bounded wait (--lock-wait), then exit 2 with the reason; nothing written."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, SEEDS
from tests.warehouse.test_db_lock import hold
from warehouse.db import connect


def test_ingest_on_a_locked_warehouse_says_so_waits_then_exits_2(tmp_path):
    db = tmp_path / "news.duckdb"
    connect(db).close()
    holder = hold(db, 300)
    try:
        run = subprocess.run([sys.executable, "-m", "newsflow.cli", "ingest", str(SEEDS), "--db", str(db),
                              "--lock-wait", "2"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL)
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == 2, run.stderr[-3000:]
    assert f"newsflow: waiting for the warehouse lock on {db} (held by PID {holder.pid}), up to 2 s\n" in run.stderr
    assert f"newsflow: {db} is open for writing in another process (PID {holder.pid})" in run.stderr
    assert "gave up after waiting 2 s" in run.stderr
    with connect(db, read_only=True) as con:   # the warehouse is as it was
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
