"""The warehouse as a DuckLake (SQLite catalog + Parquet files in tmp_path): same tables and rows as
the DuckDB file, and several writing processes at once lose and duplicate nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, RPM2, SEEDS, require, seed
from tests.helpers import articles_from, tables_with_duplicate_keys
from warehouse.db import WarehouseError, connect, is_lake, migrations, parse_lake
from warehouse.load import copies as load_module
from warehouse.load import load_batch
from warehouse.maintenance import checkpoint, refresh_stories
from warehouse.runs import finish_run, start_run
from warehouse.search import rebuild_search_index
from warehouse.sql import lake_sql

WRITER = ROOT / "tests" / "lake_writer.py"


def lake(tmp_path: Path) -> str:
    return f"ducklake:sqlite:{tmp_path / 'lake' / 'catalog.sqlite'}"


def tables(con) -> dict[str, int]:
    """Every table of the warehouse (main and internals) with its row count."""
    names = [f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name IN ('main', 'internals') AND table_name <> 'writer'").fetchall()]
    return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in sorted(names)}


def test_lake_targets_parse(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSFLOW_LAKE_DATA_PATH", raising=False)
    assert parse_lake(tmp_path / "news.duckdb") is None
    spec = parse_lake(f"ducklake:sqlite:{tmp_path}/cat.sqlite")
    assert (spec.kind, spec.catalog, spec.data_path) == (
        "sqlite", f"sqlite:{tmp_path}/cat.sqlite", f"{tmp_path}/cat.sqlite.files/")
    spec = parse_lake("ducklake:postgres:dbname=news host=db.internal?data_path=s3://team-news/lake")
    assert (spec.kind, spec.catalog, spec.data_path) == ("postgres", "postgres:dbname=news host=db.internal", "s3://team-news/lake/")
    monkeypatch.setenv("NEWSFLOW_LAKE_DATA_PATH", "s3://team-news/other/")
    assert parse_lake("ducklake:postgres:dbname=news").data_path == "s3://team-news/other/"
    assert parse_lake("ducklake:postgres:dbname=news?data_path=/srv/lake").data_path == "/srv/lake/"
    with pytest.raises(WarehouseError, match="give a catalog"):
        parse_lake("ducklake:")


def test_lake_migrations_only_lose_their_keys():
    for _, _, sql in migrations():
        translated = lake_sql(sql)
        assert "PRIMARY KEY" not in translated.upper()
        assert translated.count("CREATE") == sql.count("CREATE") and translated.count("COMMENT ON") == sql.count("COMMENT ON")
    assert lake_sql("CREATE TABLE t (a VARCHAR PRIMARY KEY, b INT)") == "CREATE TABLE t (a VARCHAR NOT NULL, b INT)"
    assert lake_sql("CREATE TABLE t (a INT NOT NULL,\n    b INT,\n    PRIMARY KEY (a, b)\n)") == \
        "CREATE TABLE t (a INT NOT NULL,\n    b INT\n)"


def test_seeds_into_a_lake_match_the_duckdb_file(tmp_path):
    file_con = connect(tmp_path / "news.duckdb")
    lake_con = connect(lake(tmp_path))
    assert is_lake(lake_con) and not is_lake(file_con)
    for con in (file_con, lake_con):
        report = load_batch(con, "run1", 0, *articles_from([SEEDS]))
        assert len(report.loaded) == 5 and report.retries == 0
    expected = tables(file_con)
    assert tables(lake_con) == expected
    assert expected["main.articles"] == 5 and expected["main.stories"] == 1 and expected["main.story_articles"] == 5
    for con in (file_con, lake_con):
        assert con.execute("""
            SELECT regexp_extract(a.source_uri, '(\\d{3})_', 1), regexp_extract(o.source_uri, '(\\d{3})_', 1), d.kind
            FROM duplicates d JOIN articles a USING (article_id) JOIN articles o ON o.article_id = d.duplicate_of
        """).fetchall() == [("002", "000", "near")]
    # the same views, macro and comments
    views = "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name = current_database() ORDER BY 1"
    assert lake_con.execute(views).fetchall() == file_con.execute(views).fetchall()
    query = "SELECT original_outlet, copy_outlet, count(*) FROM passage_reuse GROUP BY ALL ORDER BY ALL"
    assert lake_con.execute(query).fetchall() == file_con.execute(query).fetchall()
    comment = "SELECT comment FROM duckdb_tables() WHERE table_name = 'articles' AND database_name = current_database()"
    assert lake_con.execute(comment).fetchone() == file_con.execute(comment).fetchone()
    # a re-run adds nothing
    report = load_batch(lake_con, "run2", 0, *articles_from([SEEDS]))
    assert report.loaded == [] and report.unchanged == 5
    assert tables(lake_con) == {**expected, "main.batches": expected["main.batches"] + 1}
    lake_con.close()
    # reopened: already migrated, and readable read-only
    with connect(lake(tmp_path)) as con:
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(migrations())
    with connect(lake(tmp_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
        with pytest.raises(Exception, match="read-only"):
            con.execute("DELETE FROM articles")


def test_read_only_lake_that_does_not_exist(tmp_path):
    with pytest.raises(WarehouseError, match="no warehouse at"):
        connect(lake(tmp_path), read_only=True)


def test_batch_that_lost_to_another_process_is_recomputed(tmp_path, monkeypatch):
    """While this batch (all seeds) is being computed, another process commits seed 000 to the lake:
    the commit conflicts, and the batch is recomputed on the new state (000 is then unchanged)."""
    target = lake(tmp_path)
    con = connect(target)
    find_links = load_module.find_links
    competitor = []

    def find_links_while_another_process_commits(*args, **kwargs):
        if not competitor:   # the first attempt only: a real process writes in between
            competitor.append(subprocess.run([sys.executable, str(WRITER), target, "10", str(seed("000"))],
                                             capture_output=True, text=True, timeout=120))
            assert competitor[0].returncode == 0, competitor[0].stderr
        return find_links(*args, **kwargs)

    monkeypatch.setattr(load_module, "find_links", find_links_while_another_process_commits)
    report = load_batch(con, "run1", 0, *articles_from([SEEDS]))
    assert "loaded 1 " in competitor[0].stdout
    assert report.retries == 1
    assert len(report.loaded) == 4 and report.unchanged == 1
    assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (5, 5)
    assert con.execute("SELECT article_count FROM stories").fetchall() == [(5,)]
    assert con.execute("SELECT count(*) FROM story_articles").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM duplicates").fetchone()[0] == 1


def test_two_concurrent_processes_lose_and_duplicate_nothing(tmp_path):
    """Two writer processes on overlapping inputs (the seeds and 15 RPM2 articles, in opposite
    orders, small batches): both complete, every article once, batch markers and stories agree."""
    documents = sorted(require(RPM2 / "documents").glob("*.txt"))[:15]
    files = [str(p) for p in sorted(SEEDS.glob("*.txt"))] + [str(p) for p in documents]
    target = lake(tmp_path)
    connect(target).close()   # created once; the writers only attach
    writers = [subprocess.Popen([sys.executable, str(WRITER), target, "4", *order], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for order in (files, files[::-1])]
    outputs = [w.communicate(timeout=300) for w in writers]
    for w, (_out, err) in zip(writers, outputs, strict=True):
        assert w.returncode == 0, err
    runs = [dict(zip(out.split()[::2], out.split()[1::2], strict=True)) for out, _ in outputs]
    assert sum(int(r["loaded"]) for r in runs) == len(files)            # each article loaded by exactly one
    assert all(int(r["loaded"]) + int(r["unchanged"]) == len(files) for r in runs)
    with connect(target, read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (len(files),) * 2
        assert con.execute("SELECT count(*) FROM runs WHERE status = 'completed'").fetchone()[0] == 2
        per_run = dict(con.execute("SELECT run_id, count(*) FROM batches GROUP BY run_id").fetchall())
        assert per_run == {r["run"]: int(r["batches"]) for r in runs}
        assert con.execute("SELECT sum(articles) FROM batches").fetchone()[0] == len(files)
        assert dict(con.execute("SELECT run_id, count(*) FROM articles GROUP BY run_id").fetchall()) == {
            r["run"]: int(r["loaded"]) for r in runs if int(r["loaded"])}
        # each article in one story; the stories' counts are their members
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM story_articles").fetchone() == (len(files),) * 2
        assert con.execute("""SELECT count(*) FROM stories s WHERE article_count <>
                              (SELECT count(*) FROM story_articles sa WHERE sa.story_id = s.story_id)""").fetchone()[0] == 0
        assert tables_with_duplicate_keys(con) == []
        assert con.execute("SELECT count(*) FROM internals.fingerprints f WHERE NOT EXISTS "
                           "(SELECT 1 FROM articles a WHERE a.article_id = f.article_id)").fetchone()[0] == 0


def test_runs_maintenance_and_search_on_a_lake(tmp_path):
    with connect(lake(tmp_path)) as con:
        start_run(con, "run1", None, ["seeds"])
        load_batch(con, "run1", 0, *articles_from([SEEDS]))
        finish_run(con, "run1", "completed", {"articles_loaded": 5})
        assert con.execute("SELECT status, articles_loaded FROM runs").fetchall() == [("completed", 5)]
        assert refresh_stories(con) == 0
        assert checkpoint(con).startswith("DuckLake: ")
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
        with pytest.raises(WarehouseError, match="not available on a DuckLake"):
            rebuild_search_index(con)


def test_cli_on_a_lake(tmp_path):
    """`newsflow ingest` (the Prefect flow, then the stories read back), sql --safe and search with --db ducklake:…"""
    newsflow = str(Path(sys.executable).with_name("newsflow"))
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    data = tmp_path / "parquet"
    target = f"{lake(tmp_path)}?data_path={data}"

    def cli(*args):
        return subprocess.run([newsflow, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)

    result = cli("ingest", str(SEEDS), "--db", target)
    assert result.returncode == 0, result.stderr
    assert "5 inputs: 5 loaded" in result.stdout and "1 near copy;" in result.stdout
    assert "Vladimir Poutine accueille Kim Jong-Un au cosmodrome Vostochny" in result.stdout   # read back read-only
    assert list(data.rglob("*.parquet"))   # the data path given at creation holds the lake's files
    result = cli("sql", "SELECT count(*) AS n_articles FROM articles", "--db", lake(tmp_path), "--safe")
    assert result.returncode == 0, result.stderr
    assert "n_articles" in result.stdout and "5" in result.stdout
    result = cli("sql", "SELECT * FROM read_text('/etc/hostname')", "--db", lake(tmp_path), "--safe")
    assert result.returncode == 1 and "disabled" in result.stderr
    result = cli("search", "Poutine", "--db", lake(tmp_path))
    assert result.returncode == 2 and "not available on a DuckLake" in result.stderr and "Traceback" not in result.stderr
    # ... and the command the refusal names works: the lake copied into a DuckDB file, searched there
    assert "newsflow export --duckdb FILE --db LAKE" in result.stderr
    copy = tmp_path / "copy.duckdb"
    result = cli("export", "--duckdb", str(copy), "--db", lake(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "articles: 5" in result.stdout
    with connect(lake(tmp_path), read_only=True) as lake_con, connect(copy, read_only=True) as file_con:
        searchable = tables(file_con)
        assert searchable.pop("internals.search_fr") + searchable.pop("internals.search_en") == 5   # the index's
        assert searchable == tables(lake_con)
    result = cli("search", "Poutine", "--db", str(copy))
    assert result.returncode == 0, result.stderr
    assert "Vladimir Poutine accueille Kim Jong-Un" in result.stdout
    result = cli("export", "--duckdb", str(copy), "--db", lake(tmp_path))   # never replaces a file
    assert result.returncode == 2 and "exists: give the name of a new DuckDB file" in result.stderr


def test_ducklake_benchmark_runs_on_a_few_articles():
    require(RPM2 / "documents")
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "ducklake_ingest.py"), "--limit", "5",
                             "--no-concurrent"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "ratio ducklake/duckdb:" in result.stdout
    assert "rpm2 x5 into ducklake sqlite" in result.stdout and "(5 articles" in result.stdout


def test_extensions_load_from_their_packages_without_writing_home(tmp_path):
    """ducklake, sqlite_scanner, postgres and fts load from the offline packages' files; a bare
    `LOAD ducklake` or an INSTALL would create ~/.duckdb, outside the project."""
    import subprocess
    import sys
    from pathlib import Path

    home = tmp_path / "home"
    home.mkdir()
    code = (f"from warehouse.db import connect, load_extension\nfrom warehouse.search import load_fts\n"
            f"con = connect('ducklake:sqlite:{tmp_path / 'c.sqlite'}')\nload_extension(con, 'postgres')\n"
            "load_fts(con)\nprint(con.execute('SELECT count(*) FROM articles').fetchone()[0])\n")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120,
                          env={"HOME": str(home), "PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and done.stdout.strip() == "0", done.stderr[-2000:]
    assert list(home.iterdir()) == []
