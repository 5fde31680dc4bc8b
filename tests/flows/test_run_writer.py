"""A run keeps its write connection from batch to batch and lets it go once held long enough: another
process, a real second writer, is locked out while the run holds the file and gets it at the run's
next turn; and a real ingest flow of several batches opens the warehouse once."""

from __future__ import annotations

import subprocess
import sys
import time

from flows.ingest import ingest_files
from flows.locking import RunWriter
from tests.conftest import RPM2, require

SECOND_WRITER = """
import sys, duckdb
try:
    con = duckdb.connect(sys.argv[1])
except duckdb.IOException as exc:
    print("locked" if "lock" in str(exc).lower() else f"error {exc}")
else:
    con.execute("CREATE TABLE IF NOT EXISTS other_writer AS SELECT 1 AS x")
    con.close()
    print("wrote")
"""


def _second_writer(db: str) -> str:
    return subprocess.run([sys.executable, "-c", SECOND_WRITER, db], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def test_the_connection_is_kept_within_the_hold_then_let_go(tmp_path):
    db = str(tmp_path / "news.duckdb")
    with RunWriter(db, hold_seconds=0.5) as writer:
        con = writer.connection()
        writer.turn()
        assert writer.connection() is con and writer.opened == 1   # within the hold: the same connection
        assert _second_writer(db) == "locked"                       # held: another process cannot write
        time.sleep(0.6)
        writer.turn()                                               # held long enough: let go
        assert _second_writer(db) == "wrote"
        again = writer.connection()                                 # reopened, with the other writer's table
        assert writer.opened == 2 and again.execute("SELECT x FROM other_writer").fetchall() == [(1,)]
    assert _second_writer(db) == "wrote"                            # closed at the end


def test_an_ingest_of_several_batches_opens_the_warehouse_once(tmp_path, monkeypatch):
    files = sorted(require(RPM2 / "documents").glob("*.txt"))[:30]
    opened = []
    original = RunWriter.connection

    def counted(self):
        if self._con is None:
            opened.append(self.db)
        return original(self)

    monkeypatch.setattr(RunWriter, "connection", counted)
    db = tmp_path / "news.duckdb"
    summary = ingest_files([str(f) for f in files], db=str(db), batch_size=10, workers=1)
    assert summary.articles_loaded == 30
    assert opened == [str(db)]   # three batches, the run's end and its snapshot: one connection
