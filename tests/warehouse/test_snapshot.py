"""The read snapshot: analysts read a published copy, so reads and writes never wait for each other."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SEEDS
from tests.helpers import articles_from
from warehouse.db import WarehouseError, connect
from warehouse.load import load_batch
from warehouse.search import rebuild_search_index
from warehouse.shell import shell_command
from warehouse.snapshot import (
    INFO_TABLE,
    Published,
    Publisher,
    connect_reader,
    publish,
    reader_target,
    snapshot_path,
    spare_path,
)

ROOT = Path(__file__).resolve().parents[2]


def _seeded(db: Path, limit: int | None = None) -> int:
    articles, _ = articles_from(sorted(SEEDS.glob("*.txt"))[:limit])
    with connect(db) as con:
        load_batch(con, "run-1", 0, articles, [])
    return len(articles)


def _hold(code: str) -> subprocess.Popen:
    """Another process that opens a DuckDB file as `code` says, prints 'ready' and waits."""
    script = textwrap.dedent(code) + "\nprint('ready', flush=True)\nimport time; time.sleep(120)\n"
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_snapshot_path_sits_beside_the_file(tmp_path):
    assert snapshot_path(tmp_path / "news.duckdb") == tmp_path / "news.read.duckdb"
    assert snapshot_path("ducklake:sqlite:x.sqlite") is None
    assert reader_target(tmp_path / "news.duckdb") == str(tmp_path / "news.duckdb")   # none published yet


def test_published_snapshot_holds_the_commits_and_says_when(db_path):
    n = _seeded(db_path)
    with connect(db_path) as con:
        done = publish(con, db_path)
    assert done.path == snapshot_path(db_path) and done.size_bytes > 0
    assert reader_target(db_path) == str(done.path)
    with connect_reader(db_path) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == n
        published_at, articles = con.execute(f"SELECT published_at, articles FROM {INFO_TABLE}").fetchone()
    assert articles == n and published_at == done.published_at
    assert not list(db_path.parent.glob(".*.tmp"))   # the temporary copy was renamed, not left behind


def test_a_reader_works_while_a_writer_holds_the_file(db_path):
    n = _seeded(db_path)
    with connect(db_path) as con:
        publish(con, db_path)
    writer = _hold(f"from warehouse.db import connect\ncon = connect({str(db_path)!r})")
    try:
        with pytest.raises(WarehouseError):   # the file itself is locked by the writer...
            connect(db_path, read_only=True)
        with connect_reader(db_path) as con:  # ...its snapshot is not
            assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == n
        cli = subprocess.run([sys.executable, "-m", "newsflow.cli", "sql", "SELECT count(*) AS n FROM articles",
                              "--db", str(db_path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert cli.returncode == 0 and cli.stdout.split("├")[1].split("│")[1].strip() == str(n), cli.stderr
    finally:
        writer.kill()
        writer.wait()


def test_an_open_reader_neither_blocks_the_writer_nor_sees_a_torn_state(db_path):
    _seeded(db_path, limit=2)
    with connect(db_path) as con:
        publish(con, db_path)
    script = (f"import duckdb, sys\ncon = duckdb.connect({str(snapshot_path(db_path))!r}, read_only=True)\n"
              "print('ready', flush=True)\nsys.stdin.readline()\n"
              "print(con.execute('SELECT count(*) FROM articles').fetchone()[0], flush=True)\n")
    reader = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        with connect(db_path) as con:   # wait_seconds=0: raises at once if the reader held a lock on the file
            articles, _ = articles_from(sorted(SEEDS.glob("*.txt"))[2:])
            load_batch(con, "run-2", 0, articles, [])
            publish(con, db_path)
        reader.stdin.write("go\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "2"   # the open reader keeps its consistent old copy
        with connect_reader(db_path) as con:            # a reader opening now sees the new state
            assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 2 + len(articles)
    finally:
        reader.kill()
        reader.wait()


def test_publisher_spends_at_most_its_budget_between_batches(db_path):
    publisher = Publisher(db_path, budget=0.05)
    assert publisher.due()   # no file yet: nothing to wait for
    db_path.write_bytes(b"\0" * 10_000_000)   # 10 MB: an expected 0.04 s copy, due 0.8 s after the start
    publisher._last_end = time.monotonic()
    assert not publisher.due()
    publisher._last_end -= 1
    assert publisher.due()
    publisher.last = Published(snapshot_path(db_path), None, seconds=30.0, size_bytes=0)
    publisher._last_end = time.monotonic()
    assert not publisher.due()   # a 30 s copy is only due 600 s later
    publisher._last_end -= 601
    assert publisher.due()
    assert not Publisher("ducklake:sqlite:x.sqlite").due()


def test_shell_reads_the_snapshot_with_search(db_path):
    _seeded(db_path)
    with connect(db_path) as con:
        rebuild_search_index(con)
        publish(con, db_path)
    command = shell_command(db_path, sql="SELECT count(*) AS hits FROM search('Poutine');")
    assert command.args[command.args.index("-readonly") + 3] == str(snapshot_path(db_path))
    assert "read snapshot" in command.banner
    out = subprocess.run(command.args, capture_output=True, text=True, timeout=60, check=True).stdout
    hits = int(out.split("│")[-2].strip()) if "│" in out else int(out.split()[-1])
    with duckdb.connect(str(snapshot_path(db_path)), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles WHERE body ILIKE '%Poutine%'").fetchone()[0] >= hits > 0


def test_a_warehouse_written_without_publishing_is_flagged_and_an_off_switch_removes_the_snapshot(db_path, monkeypatch):
    import os

    from warehouse.snapshot import STALE_AFTER_SECONDS, SWITCH_ENV, staleness

    _seeded(db_path, limit=1)
    with connect(db_path) as con:
        publish(con, db_path)
    assert staleness(db_path) is None
    later = snapshot_path(db_path).stat().st_mtime + STALE_AFTER_SECONDS + 60
    os.utime(db_path, (later, later))   # as if a script wrote the file 11 minutes after the last publish
    assert "newsflow publish" in staleness(db_path)
    monkeypatch.setenv(SWITCH_ENV, "off")
    with connect(db_path) as con:
        assert Publisher(db_path).publish(con) is None
    assert not snapshot_path(db_path).exists() and reader_target(db_path) == str(db_path)


def test_shell_attaches_a_ducklake_read_only(tmp_path):
    lake = f"ducklake:sqlite:{tmp_path / 'catalog.sqlite'}"
    articles, _ = articles_from(sorted(SEEDS.glob("*.txt"))[:2])
    with connect(lake) as con:
        load_batch(con, "run-1", 0, articles, [])
    command = shell_command(lake, sql="SELECT count(*) FROM articles; INSERT INTO runs (run_id) VALUES ('x');")
    done = subprocess.run(command.args, capture_output=True, text=True, timeout=60)
    assert done.stdout.split("├")[1].split("│")[1].strip() == "2"
    assert "read-only" in (done.stdout + done.stderr).lower()   # the shell cannot write the lake


def _more(db: Path, run_id: str, start: int, stop: int) -> None:
    articles, _ = articles_from(sorted(SEEDS.glob("*.txt"))[start:stop])
    with connect(db) as con:
        load_batch(con, run_id, 0, articles, [])


def test_a_publish_writes_only_the_changed_blocks_into_the_spare_and_gives_an_exact_copy(db_path):
    _seeded(db_path, limit=2)
    with connect(db_path) as con:
        first = publish(con, db_path)
    assert not first.incremental and not spare_path(db_path).exists()   # nothing to start from yet
    with connect(db_path) as con:
        second = publish(con, db_path)   # a full copy again; the first snapshot becomes the spare
    assert not second.incremental and spare_path(db_path).exists()
    _more(db_path, "run-2", 2, None)
    with connect(db_path) as con:
        third = publish(con, db_path)
        assert third.incremental and 0 < third.copied_bytes < third.size_bytes, third
        assert snapshot_path(db_path).read_bytes() == db_path.read_bytes()   # the byte copy of the file as published
        publish(con, db_path)           # the spare is the state two publishes back (it was the snapshot before)
        quiet = publish(con, db_path)   # nothing loaded for two publishes: the stamp's blocks and the headers
        assert quiet.incremental and quiet.copied_bytes < quiet.size_bytes / 4, quiet
        assert snapshot_path(db_path).read_bytes() == db_path.read_bytes()
    with connect_reader(db_path) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == len(sorted(SEEDS.glob("*.txt")))
    assert not [p.name for p in db_path.parent.iterdir() if p.name.endswith((".writing", ".next", ".tmp"))]


def test_a_reader_holding_the_old_snapshot_gets_a_full_copy_published_beside_it(db_path):
    _seeded(db_path, limit=2)
    with connect(db_path) as con:
        publish(con, db_path)
        publish(con, db_path)   # now a spare exists
    script = (f"import duckdb, sys\ncon = duckdb.connect({str(snapshot_path(db_path))!r}, read_only=True)\n"
              "print('ready', flush=True)\nsys.stdin.readline()\n"
              "print(con.execute('SELECT count(*) FROM articles').fetchone()[0], flush=True)\n")
    reader = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        _more(db_path, "run-2", 2, None)
        with connect(db_path) as con:
            updated = publish(con, db_path)   # the spare is free: updated in place; the reader's copy becomes the spare
            held = publish(con, db_path)      # the spare is the reader's copy: never written under it
        assert updated.incremental and not held.incremental
        reader.stdin.write("go\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "2"   # its consistent old state, untouched by both publishes
    finally:
        reader.kill()
        reader.wait()
    with connect(db_path) as con:
        again = publish(con, db_path)
    assert again.incremental and snapshot_path(db_path).read_bytes() == db_path.read_bytes()


def test_a_spare_left_half_written_is_not_trusted(db_path):
    _seeded(db_path, limit=2)
    with connect(db_path) as con:
        publish(con, db_path)
        publish(con, db_path)
    spare = spare_path(db_path)
    spare.rename(spare.with_name(spare.name + ".writing"))   # as a crash in the middle of updating it leaves it
    _more(db_path, "run-2", 2, None)
    with connect(db_path) as con:
        done = publish(con, db_path)
    assert not done.incremental and snapshot_path(db_path).read_bytes() == db_path.read_bytes()
    assert not spare.with_name(spare.name + ".writing").exists()


def test_a_failed_publish_is_said_and_does_not_fail_the_caller(db_path, caplog):
    _seeded(db_path, limit=1)
    snapshot_path(db_path).mkdir()   # a directory where the snapshot goes: the rename over it fails
    publisher = Publisher(db_path)
    with connect(db_path) as con:
        assert publisher.publish(con) is None
    assert "could not publish the read snapshot" in publisher.error and "could not publish" in caplog.text
    assert publisher.published == 0
