"""The shipped Prefect schema (newsflow/prefect_schema/) is what Prefect's migrations make, and a
home seeded from it gives a server that needs no migration."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from newsflow import server

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_schema_is_what_the_installed_prefects_migrations_make(tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    done = subprocess.run([sys.executable, "scripts/prefect_schema.py", "--check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_fresh_home_is_seeded_from_the_shipped_schema_when_no_database_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv(server.TEMPLATE_ENV, str(tmp_path / "kept"))   # nothing kept yet
    home = tmp_path / "home"
    home.mkdir()
    assert server._seed_home(home)
    with sqlite3.connect(home / "prefect.db") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = db.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"flow_run", "task_run", "deployment", "block_type", "alembic_version"} <= tables
    assert len(revision) == 1


def test_a_prefect_version_without_a_shipped_schema_migrates_as_prefect_does(tmp_path, monkeypatch):
    monkeypatch.setenv(server.TEMPLATE_ENV, str(tmp_path / "kept"))
    monkeypatch.setattr(server, "_prefect_version", lambda: "0.0.0-unknown")
    home = tmp_path / "home"
    home.mkdir()
    assert not server._seed_home(home)
    assert not (home / "prefect.db").exists()


def test_a_damaged_shipped_schema_leaves_no_half_made_database(tmp_path, monkeypatch):
    monkeypatch.setenv(server.TEMPLATE_ENV, str(tmp_path / "kept"))
    damaged = tmp_path / "prefect-damaged.sql"
    damaged.write_text("CREATE TABLE flow (id CHAR(36));\nCREATE TABLE flow (id CHAR(36));\n", encoding="utf-8")
    monkeypatch.setattr(server, "shipped_schema", lambda version=None: damaged)
    home = tmp_path / "home"
    home.mkdir()
    assert not server._seed_home(home)
    assert not (home / "prefect.db").exists()
