"""The warehouse as a DuckLake with its catalog in a real PostgreSQL server (the README's team
setup; tests/postgres_server.py starts it on loopback): the CLI ingests into it, two writers at once
lose and duplicate nothing, readers see the last commit without blocking the writer, a re-run adds
nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from tests.conftest import ROOT, SEEDS
from tests.helpers import articles_from, tables_with_duplicate_keys
from tests.warehouse.test_ducklake import WRITER, tables
from warehouse.db import connect, is_lake, parse_lake
from warehouse.load import articles as articles_rows
from warehouse.load import load_batch

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
ENV = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
# what the CLI's runs write beyond the loader's rows: run rows, batch markers, the files' bytes
FLOW_ONLY = {"main.runs", "main.batches", "main.raw_pages"}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSFLOW, *args], capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=300)


def lake(catalog: str, data: Path | None = None) -> str:
    return f"ducklake:postgres:{catalog}" + (f"?data_path={data}" if data else "")


def count_articles(target: str) -> str:
    """`newsflow sql --safe` on the lake, as a reader on another machine would query it."""
    result = cli("sql", "SELECT count(*) AS n_articles FROM articles", "--db", target, "--safe")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_ingest_into_a_postgres_catalog_and_a_rerun_adds_nothing(tmp_path, postgres_catalog):
    data = tmp_path / "parquet"
    target = lake(postgres_catalog, data)
    assert parse_lake(target).kind == "postgres"
    result = cli("ingest", str(SEEDS), "--db", target)
    assert result.returncode == 0, result.stderr
    assert "5 loaded, 0 updated (new versions), 0 unchanged" in result.stdout and "1 near copy;" in result.stdout
    assert "Vladimir Poutine accueille Kim Jong-Un au cosmodrome Vostochny" in result.stdout   # read back read-only
    assert list(data.rglob("*.parquet"))   # the data files are on the data path, the catalog in Postgres
    with connect(tmp_path / "news.duckdb") as file_con:   # the same rows as the DuckDB file's
        load_batch(file_con, "run1", 0, *articles_from([SEEDS]))
        expected = tables(file_con)
    with connect(lake(postgres_catalog), read_only=True, private=True) as con:
        assert is_lake(con)
        stored = tables(con)
        assert con.execute("SELECT status, articles_loaded FROM runs").fetchall() == [("completed", 5)]
    assert {k: v for k, v in stored.items() if k not in FLOW_ONLY} == {k: v for k, v in expected.items() if k not in FLOW_ONLY}
    assert stored["main.articles"] == 5 and stored["main.stories"] == 1 and stored["main.duplicates"] == 1
    answer = count_articles(lake(postgres_catalog))
    assert "n_articles" in answer and "5" in answer.split()

    # a re-run (the flow's functions in another process, without Prefect's minute of start-up) adds nothing
    again = subprocess.run([sys.executable, str(WRITER), lake(postgres_catalog), "200", str(SEEDS)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert " loaded 0 unchanged 5 batches 1 retries 0" in again.stdout
    with connect(lake(postgres_catalog), read_only=True, private=True) as con:
        after = tables(con)
    assert after == {**stored, "main.runs": stored["main.runs"] + 1, "main.batches": stored["main.batches"] + 1}


def test_two_writers_at_once_lose_and_duplicate_nothing(tmp_path, postgres_catalog):
    """Two writer processes on the seeds in opposite orders, one article per batch: both complete,
    each article is loaded by exactly one of them and stored once."""
    files = [str(p) for p in sorted(SEEDS.glob("*.txt"))]
    target = lake(postgres_catalog, tmp_path / "parquet")
    connect(target).close()   # created once; the writers only attach
    writers = [subprocess.Popen([sys.executable, str(WRITER), target, "1", *order], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for order in (files, files[::-1])]
    outputs = [w.communicate(timeout=300) for w in writers]
    for w, (_out, err) in zip(writers, outputs, strict=True):
        assert w.returncode == 0, err
    runs = [dict(zip(out.split()[::2], out.split()[1::2], strict=True)) for out, _ in outputs]
    assert sum(int(r["loaded"]) for r in runs) == len(files)
    assert all(int(r["loaded"]) + int(r["unchanged"]) == len(files) for r in runs)
    with connect(lake(postgres_catalog), read_only=True, private=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (len(files),) * 2
        assert con.execute("SELECT count(*) FROM runs WHERE status = 'completed'").fetchone()[0] == 2
        assert con.execute("SELECT sum(articles) FROM batches").fetchone()[0] == len(files)
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM story_articles").fetchone() == (len(files),) * 2
        assert tables_with_duplicate_keys(con) == []


def test_readers_see_the_last_commit_and_do_not_block_the_writer(tmp_path, postgres_catalog, monkeypatch):
    """One seed is committed; while the batch of the other four is written (its rows in, not yet
    committed), `newsflow sql` answers with the committed state; a reader holding a transaction open
    does not stop the batch from committing at its first attempt, and keeps its snapshot."""
    target = lake(postgres_catalog, tmp_path / "parquet")
    writer = connect(target)
    seeds = sorted(SEEDS.glob("*.txt"))
    load_batch(writer, "run1", 0, *articles_from(seeds[:1]))
    reader = connect(lake(postgres_catalog), read_only=True, private=True)
    reader.execute("BEGIN TRANSACTION")
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    seen_mid_write = []
    mark_batch = articles_rows.mark_batch

    def mark_batch_then_read(con, *args):
        mark_batch(con, *args)
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5   # the writer sees its own rows
        seen_mid_write.append(count_articles(lake(postgres_catalog)))

    monkeypatch.setattr(articles_rows, "mark_batch", mark_batch_then_read)
    reports = []
    thread = threading.Thread(target=lambda: reports.append(load_batch(writer, "run1", 1, *articles_from(seeds[1:]))))
    thread.start()
    thread.join(timeout=240)
    assert not thread.is_alive(), "the writer was blocked"
    assert len(reports) == 1 and len(reports[0].loaded) == 4 and reports[0].retries == 0
    assert "1" in seen_mid_write[0].split() and "5" not in seen_mid_write[0].split()
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 1   # its snapshot
    reader.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    reader.close()
    writer.close()
    assert "5" in count_articles(lake(postgres_catalog)).split()
