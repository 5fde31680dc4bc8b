"""Hostile strings are stored literally (values always go through parameters or Arrow), and
`newsflow sql --safe` cannot reach files or the network."""

import hashlib
import time
from pathlib import Path

import pytest

from newsflow.cli import main
from tasks.models import Article
from tests.conftest import SEEDS
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.load import load_batch

PAYLOADS = [
    "'; DROP TABLE articles; --",
    "x' || (SELECT content FROM read_text('/etc/passwd')) || '",
    "Robert'); DELETE FROM stories; --",
    "\"quoted\" and `backticks` and $1 and ? and %s",
]


@pytest.fixture
def hostile_db(tmp_path):
    db = tmp_path / "news.duckdb"
    con = connect(db)
    articles = [Article(f"id{i}", "files:/hostile", f"https://example.org/{p}", f"sha{i}",
                        [f"Paragraphe numéro {i} qui contient {p} et assez de mots pour compter."], [], [0],
                        title=p, site_name=p, url=f"https://example.org/a?q={p}")
                for i, p in enumerate(PAYLOADS)]
    load_batch(con, "r1", 0, articles, [])
    con.close()
    return db


def test_payloads_are_stored_literally(hostile_db):
    con = connect(hostile_db, read_only=True)
    assert sorted(t for (t,) in con.execute("SELECT title FROM articles").fetchall()) == sorted(PAYLOADS)
    assert con.execute("SELECT count(*) FROM stories").fetchone()[0] >= 1
    assert all(p in body for p, (body,) in zip(PAYLOADS, con.execute("SELECT body FROM articles ORDER BY article_id").fetchall(),
                                               strict=True))
    con.close()


@pytest.mark.parametrize("query", [
    "SELECT * FROM read_text('/etc/passwd')",
    "COPY articles TO '/tmp/newsflow-leak.csv'",
    "ATTACH '/tmp/other.duckdb' AS other",
    "SELECT * FROM read_csv('https://example.org/x.csv')",
    "SET enable_external_access = true",
])
def test_safe_mode_refuses_file_and_network_access(hostile_db, query, capsys):
    assert main(["sql", "--safe", query, "--db", str(hostile_db)]) == 1
    assert "newsflow:" in capsys.readouterr().err


def test_safe_mode_still_answers_questions(hostile_db, capsys):
    assert main(["sql", "--safe", "SELECT count(*) AS n FROM articles", "--db", str(hostile_db)]) == 0
    assert "4" in capsys.readouterr().out
    assert main(["sql", "SELECT count(*) FROM read_text('/etc/passwd')", "--db", str(hostile_db)]) == 0  # trusted


# -- issue 13: --safe is read-only on every backend, and bounded --------------------------------

def _digests(paths) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def hostile_queries(tmp_path: Path, target: Path, catalog: Path) -> list[str]:
    """Attempts to write anywhere (into the warehouse's own files above all) or read a file."""
    out = tmp_path / "leak.csv"
    return [
        f"COPY (SELECT 'x' AS text) TO '{target}' (FORMAT parquet)",
        f"COPY paragraphs TO '{out}'",
        f"EXPORT DATABASE '{tmp_path / 'export'}'",
        "CREATE TABLE stolen AS SELECT * FROM articles",
        "CREATE TEMP TABLE t AS SELECT 1",
        "INSERT INTO articles (article_id) VALUES ('x')",
        "UPDATE articles SET title = 'pwned'",
        "DELETE FROM paragraphs",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
        "INSTALL httpfs", "LOAD httpfs", "SET memory_limit = '100GB'", "RESET lock_configuration",
        "PRAGMA enable_profiling", "CALL pragma_version()", "CHECKPOINT", "BEGIN TRANSACTION",
        "SELECT 1; DROP TABLE articles",
        f"SELECT * FROM read_blob('{catalog}')",
        f"SELECT * FROM read_text('{catalog}')",
        f"SELECT count(*) FROM read_parquet('{target}')",
        f"SELECT count(*) FROM '{target}'",
        f"DESCRIBE '{target}'",
        f"SELECT * FROM glob('{target.parent}/*')",
        f"SELECT * FROM parquet_metadata('{target}')",
        f"SELECT * FROM sqlite_scan('{catalog}', 'ducklake_data_file')",
        "SELECT * FROM query('SELECT 1')",
        "SELECT getenv('HOME')",
        "SELECT json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
        "EXPLAIN SELECT * FROM read_blob('/etc/hostname')",
        f"WITH x AS (SELECT * FROM read_blob('{catalog}')) SELECT count(*) FROM x",
    ]


def _assert_refused(db: str, queries: list[str], capsys) -> None:
    for query in queries:
        assert main(["sql", "--safe", query, "--db", db]) == 1, query
        err = capsys.readouterr().err
        assert err.startswith("newsflow:"), (query, err)


def test_safe_mode_is_read_only_on_a_duckdb_file(hostile_db, tmp_path, capsys):
    before = _digests([hostile_db])
    _assert_refused(str(hostile_db), hostile_queries(tmp_path, hostile_db, hostile_db), capsys)
    assert _digests([hostile_db]) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.duckdb"]      # nothing written beside it
    assert main(["sql", "--safe", "SELECT count(*) AS n FROM articles", "--db", str(hostile_db)]) == 0
    assert main(["sql", "--safe", "DESCRIBE articles", "--db", str(hostile_db)]) == 0


@pytest.fixture(scope="module")
def seed_lake(tmp_path_factory):
    """The seeds in a DuckLake (SQLite catalog, Parquet files); shared: every test only reads it."""
    folder = tmp_path_factory.mktemp("safe-lake") / "lake"
    target = f"ducklake:sqlite:{folder / 'catalog.sqlite'}"
    con = connect(target)
    report = load_batch(con, "run1", 0, *articles_from([SEEDS]))
    assert len(report.loaded) == 5
    con.close()
    return target, folder


def test_safe_mode_is_read_only_on_a_ducklake_and_its_files_stay_intact(seed_lake, tmp_path, capsys):
    target, folder = seed_lake
    catalog = folder / "catalog.sqlite"
    parquet = sorted(folder.rglob("*.parquet"))
    [paragraphs] = [p for p in parquet if "paragraphs" in str(p)]
    before = _digests(parquet)
    _assert_refused(target, hostile_queries(tmp_path, paragraphs, catalog), capsys)
    assert _digests(sorted(folder.rglob("*.parquet"))) == before          # byte-identical, none added
    assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "export").exists()
    # The lake's tables still answer, through their Parquet files, under --safe and not.
    assert main(["sql", "--safe", "SELECT count(*) AS n, sum(length(text)) > 0 AS t FROM paragraphs",
                 "--db", target]) == 0
    assert "true" in capsys.readouterr().out
    assert main(["sql", "SELECT count(*) AS n FROM paragraphs", "--db", target]) == 0


@pytest.mark.parametrize("backend", ["file", "lake"])
def test_safe_queries_stop_at_the_time_limit(backend, request, capsys):
    db = str(request.getfixturevalue("hostile_db")) if backend == "file" else request.getfixturevalue("seed_lake")[0]
    started = time.monotonic()
    assert main(["sql", "--safe", "--timeout", "1", "SELECT count(*) FROM range(100000000000000)", "--db", db]) == 1
    assert time.monotonic() - started < 10
    assert "time limit" in capsys.readouterr().err


def test_the_time_limit_defaults_on_and_the_environment_overrides_it(hostile_db, monkeypatch, capsys):
    monkeypatch.setenv("NEWSFLOW_SQL_TIMEOUT", "0.5")
    started = time.monotonic()
    assert main(["sql", "--safe", "SELECT count(*) FROM range(100000000000000)", "--db", str(hostile_db)]) == 1
    assert time.monotonic() - started < 10 and "0.5 s time limit" in capsys.readouterr().err


def test_safe_queries_stop_at_the_memory_limit(hostile_db, capsys):
    started = time.monotonic()
    query = "SELECT length(string_agg(repeat('x', 1000), ',')) FROM range(10000000)"   # ~10 GB of text
    assert main(["sql", "--safe", "--memory-limit", "200MB", query, "--db", str(hostile_db)]) == 1
    err = capsys.readouterr().err
    assert "memory limit" in err and "200MB" in err
    assert time.monotonic() - started < 20
    assert main(["sql", "--safe", "--memory-limit", "lots", "SELECT 1", "--db", str(hostile_db)]) == 1
    assert "memory limit" in capsys.readouterr().err
