"""A CLI run keeps Prefect inside its own temporary home: nothing under ~/.prefect (outside the
project, shared by every Prefect process of the machine), and the home is gone after the run."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import SEEDS

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


def test_ingest_writes_nothing_under_the_users_prefect_home(tmp_path):
    home, scratch = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
    env |= {"HOME": str(home), "TMPDIR": str(scratch)}
    db = tmp_path / "news.duckdb"
    run = subprocess.run([NEWSFLOW, "ingest", str(SEEDS), "--db", str(db)], env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "5 loaded" in run.stdout
    assert not (home / ".prefect").exists()
    assert not list(scratch.glob("newsflow-prefect-home-*"))     # removed at exit
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT status FROM runs").fetchall() == [("completed",)]
    con.close()


def test_the_first_runs_migrated_prefect_database_seeds_the_next_runs_home(tmp_path):
    """A fresh home's server spends most of its start migrating its database: the first run keeps
    the migrated database, the next runs' servers start from a copy of it (and still work)."""
    import sqlite3

    from newsflow.server import TEMPLATE_ENV

    template = tmp_path / "template"
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
    env[TEMPLATE_ENV] = str(template)
    db = tmp_path / "news.duckdb"
    memos = []
    for expected in ("5 loaded", "5 unchanged"):
        run = subprocess.run([NEWSFLOW, "ingest", str(SEEDS), "--db", str(db)], env=env, capture_output=True,
                             text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        assert expected in run.stdout
        with contextlib.closing(sqlite3.connect(template / "prefect.db")) as con:
            assert con.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)   # migrated
            assert con.execute("SELECT count(*) FROM flow_run").fetchone() == (0,)          # before any run
        memos.append((template / "memo_store.toml").read_text(encoding="utf-8"))
    # Prefect's block-registration memo hashes the database URL: the same in every run's home, so
    # the second server found the first one's memo valid and skipped registering ~100 block types
    # (a home-specific URL would give another hash, which the kept memo would then follow)
    assert "block_auto_registration" in memos[0] and memos[1] == memos[0]
    # no scratch left beside the warehouse, its read snapshot and the snapshot's spare (warehouse/snapshot.py)
    assert sorted(p.name for p in template.parent.iterdir()) == [
        ".news.read.duckdb.spare", "news.duckdb", "news.read.duckdb", "template"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs WHERE status = 'completed'").fetchone() == (2,)


def _kept_by_throwaway_server(tmp_path, **env_overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
    env |= {"TMPDIR": str(tmp_path), "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL": "0.5", **env_overrides}
    run = subprocess.run([sys.executable, "-m", "tests.throwaway_home_run"], env=env, capture_output=True,
                         text=True, timeout=300, cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_a_throwaway_home_keeps_runs_and_artifacts_but_not_events(tmp_path):
    """The temporary server of a home deleted at exit runs no service that only keeps what the run
    reports (THROWAWAY_HOME_FLAGS): the flow run, its state and its artifact are there for the
    run's life, events and the task runs recorded from them are not. A setting given explicitly
    still wins: with the persister and the recorder asked for, both are kept."""
    from newsflow.server import THROWAWAY_HOME_FLAGS

    kept = _kept_by_throwaway_server(tmp_path)
    assert kept == {"flow_runs": ["COMPLETED"], "task_runs": 0, "artifacts": ["throwaway-home-summary"],
                    "events": []}
    asked = {k: "true" for k in THROWAWAY_HOME_FLAGS if "PERSISTER" in k or "RECORDER" in k}
    kept = _kept_by_throwaway_server(tmp_path, **asked)
    assert kept["flow_runs"] == ["COMPLETED"] and kept["task_runs"] == 1
    assert "newsflow.test.emitted" in kept["events"] and "prefect.flow-run.Completed" in kept["events"]
