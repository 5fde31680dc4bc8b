"""A warehouse holding a migration this code does not know is refused with a clear message (issue 13)."""

import os
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import ROOT
from warehouse.db import WarehouseError, connect

NEWER = "this warehouse was made by a newer newsflow \\(migration 999 from_the_future"


def _future(target: str) -> None:
    """A warehouse upgraded by a newer newsflow: one more migration, which renamed a column."""
    con = connect(target)
    con.execute("ALTER TABLE articles RENAME COLUMN title TO headline")
    con.execute("INSERT INTO schema_migrations VALUES (999, 'from_the_future', now())")
    con.close()


@pytest.mark.parametrize("read_only", [False, True])
def test_duckdb_file_with_an_unknown_migration_is_refused(db_path, read_only):
    _future(str(db_path))
    with pytest.raises(WarehouseError, match=NEWER + ".*upgrade newsflow"):
        connect(db_path, read_only=read_only)
    # refused before any change: the future schema is intact, nothing was migrated over it
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == 999
    con.close()


@pytest.mark.parametrize("read_only", [False, True])
def test_ducklake_with_an_unknown_migration_is_refused(tmp_path, read_only):
    target = f"ducklake:sqlite:{tmp_path / ('lake_ro' if read_only else 'lake_rw') / 'catalog.sqlite'}"
    # each process keeps one attached instance per lake: write it from another process
    code = ("import sys; from tests.warehouse.test_migrations import _future; _future(sys.argv[1])")
    subprocess.run([sys.executable, "-c", code, target], cwd=ROOT, check=True)
    with pytest.raises(WarehouseError, match=NEWER):
        connect(target, read_only=read_only)


@pytest.mark.parametrize("command", [["sql", "SELECT title FROM articles"], ["stories"], ["export", "--csv", "out"]])
def test_cli_says_upgrade_with_exit_2(db_path, tmp_path, command):
    _future(str(db_path))
    done = subprocess.run([sys.executable, "-m", "newsflow.cli", *command, "--db", str(db_path)],
                          cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "made by a newer newsflow (migration 999 from_the_future" in done.stderr
    assert "Traceback" not in done.stderr and "BinderException" not in done.stderr
