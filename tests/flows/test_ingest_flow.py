"""End to end through Prefect (its temporary server, in this session's own PREFECT_HOME) and the CLI."""

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest_files
from tests.conftest import ROOT, SEEDS

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


@pytest.fixture
def inputs(tmp_path):
    """The seeds plus bad files: an empty one, a binary one, undecodable bytes."""
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.html").write_bytes(bytes(range(256)) * 8)
    (folder / "latin.txt").write_bytes(bytes(range(128, 256)) * 4 + b"\x00")
    return folder


def test_flow_loads_seeds_records_bad_files_and_publishes_artifacts(inputs, tmp_path):
    db = tmp_path / "news.duckdb"
    summary = ingest_files(paths=[str(inputs), str(tmp_path / "missing")], db=str(db))
    assert summary.articles_loaded == 5 and summary.near_copies == 1 and summary.stories_created == 1
    con = duckdb.connect(str(db), read_only=True)
    reasons = dict(con.execute(
        "SELECT regexp_extract(source_uri, '[^/]+$'), reason FROM failures").fetchall())
    assert reasons == {"empty.txt": "empty file", "image.html": "not html",
                       "latin.txt": "undecodable bytes", "missing": "missing path"}
    run = con.execute("SELECT status, flow_run_id, articles_loaded, failures, near_copies, run_id FROM runs").fetchone()
    assert run[0] == "completed" and run[1] and run[2:5] == (5, 4, 1)
    con.close()
    with duckdb.connect(str(tmp_path / "news.read.duckdb"), read_only=True) as snapshot:   # published at the end
        assert snapshot.execute("SELECT last_run_id, articles FROM snapshot_info").fetchone() == (run[5], 5)
        assert snapshot.execute("SELECT count(*) FROM failures").fetchone() == (4,)

    by_key = {a.key: a for a in asyncio.run(artifacts_of(run[1]))}
    assert set(by_key) == {"ingest-summary", "ingest-sources"}
    # the missing path is an input, not loaded: inputs = loaded + unchanged + not loaded
    assert "| inputs | 9 |\n| loaded | 5 |\n| unchanged | 0 |\n| not loaded | 4 |" in by_key["ingest-summary"].data
    assert "latin.txt" in by_key["ingest-summary"].data
    assert "undecodable bytes" in str(by_key["ingest-sources"].data)

    again = ingest_files(paths=[str(inputs)], db=str(db))
    assert again.articles_loaded == 0 and again.unchanged == 5
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone() == (5,)
    assert con.execute("SELECT count(*) FROM stories").fetchone() == (1,)


async def artifacts_of(flow_run_id: str):
    """The run's artifacts, read through the Prefect REST API (/artifacts/filter)."""
    from types import SimpleNamespace

    from prefect.client.orchestration import get_client

    body = {"artifacts": {"key": {"any_": ["ingest-summary", "ingest-sources"]}},
            "sort": "CREATED_DESC", "limit": 200, "offset": 0}
    async with get_client() as client:  # prefect 3.8.8's read_artifacts sends nulls its server refuses
        response = await client._client.post("/artifacts/filter", json=body)
    response.raise_for_status()
    return [SimpleNamespace(**a) for a in response.json() if a["flow_run_id"] == flow_run_id]


def test_failed_run_is_marked_failed(tmp_path, monkeypatch):
    import warehouse.load.stories as load_module

    def broken(*args, **kwargs):
        raise RuntimeError("simulated crash while assigning stories")

    monkeypatch.setattr(load_module, "assign", broken)
    db = tmp_path / "news.duckdb"
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest_files(paths=[str(SEEDS)], db=str(db))
    con = duckdb.connect(str(db), read_only=True)
    status, error, loaded = con.execute("SELECT status, error, articles_loaded FROM runs").fetchone()
    assert status == "failed" and "simulated crash" in error and loaded == 0
    assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)


def run_cli(*args, cwd=ROOT):
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    return subprocess.run([NEWSFLOW, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_cli_ingest_sql_and_stories(tmp_path):
    db = str(tmp_path / "cli.duckdb")
    result = run_cli("ingest", str(SEEDS), "--db", db)
    assert result.returncode == 0, result.stderr
    assert "5 inputs: 5 loaded" in result.stdout and "1 near copy;" in result.stdout
    result = run_cli("sql", "SELECT site_name, count(*) AS articles_from_site FROM articles "
                     "WHERE site_name IS NOT NULL GROUP BY ALL", "--db", db)
    assert result.returncode == 0
    assert "Le Journal de Montréal" in result.stdout and "articles_from_site" in result.stdout
    result = run_cli("stories", "--db", db)
    assert result.returncode == 0
    assert "Vladimir Poutine accueille Kim Jong-Un au cosmodrome Vostochny" in result.stdout
    assert "near 0.46" in result.stdout
    # Dated to the month only (date 2023-09), two undated: shown as known, never as a day or the ingest date
    assert "2023-09 → 2023-09" in result.stdout and "2023-09-01" not in result.stdout
    assert result.stdout.count("undated") == 2
    result = run_cli("sql", "SELECT * FROM no_such_table", "--db", db)
    assert result.returncode == 1 and "no_such_table" in result.stderr
    result = run_cli("sql", "SELECT 1", "--db", str(tmp_path / "absent.duckdb"))
    assert result.returncode == 2 and "no warehouse" in result.stderr


def test_cli_help_everywhere():
    for args in ([], ["ingest"], ["sql"], ["stories"]):
        result = run_cli(*args, "--help")
        assert result.returncode == 0 and "usage: newsflow" in result.stdout
