"""`export` writes the warehouse's state, whole, and refuses targets it must not touch (issue 13)."""

import os
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import ROOT, RPM2, SEEDS, require
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.export import ExportError, export
from warehouse.load import load_batch


def _warehouse(path, inputs) -> list[str]:
    con = connect(path)
    articles, failures = articles_from(inputs)
    load_batch(con, "run1", 0, articles, failures)
    ids = sorted(i for (i,) in con.execute("SELECT article_id FROM articles").fetchall())
    con.close()
    return ids


def _export(path, out, fmt):
    with connect(path, read_only=True) as con:
        return export(con, out, fmt)


def _read_back(out, fmt) -> tuple[list[str], int]:
    con = duckdb.connect()
    if fmt == "parquet":
        articles = f"read_parquet('{out}/articles/*/*.parquet', hive_partitioning = true)"
        paragraphs = f"read_parquet('{out}/paragraphs.parquet')"
    else:
        articles, paragraphs = f"read_csv('{out}/articles.csv')", f"read_csv('{out}/paragraphs.csv')"
    ids = sorted(i for (i,) in con.execute(f"SELECT article_id FROM {articles}").fetchall())
    orphans = con.execute(f"SELECT count(*) FROM {articles} a WHERE NOT EXISTS "
                          f"(SELECT 1 FROM {paragraphs} p WHERE p.article_id = a.article_id)").fetchone()[0]
    return ids, orphans


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_into_an_older_export_holds_exactly_the_current_rows(tmp_path, fmt):
    docs = sorted(require(RPM2 / "documents").glob("T02_*.txt"))[:3]
    first = _warehouse(tmp_path / "a.duckdb", [SEEDS])           # dated 2023 articles
    second = _warehouse(tmp_path / "b.duckdb", docs)              # undated: other day partitions
    out = tmp_path / "export"
    _export(tmp_path / "a.duckdb", out, fmt)
    assert _read_back(out, fmt) == (first, 0)
    counts = _export(tmp_path / "b.duckdb", out, fmt)
    assert counts["articles"] == len(second) == 3
    assert _read_back(out, fmt) == (second, 0)          # nothing of the first export is left
    other = "csv" if fmt == "parquet" else "parquet"    # and a change of format leaves no old files
    _export(tmp_path / "a.duckdb", out, other)
    assert _read_back(out, other) == (first, 0)
    assert not list(out.rglob(f"*.{fmt}"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export")]   # no staging folders left


def test_export_refuses_a_folder_of_other_files(tmp_path):
    _warehouse(tmp_path / "a.duckdb", [SEEDS])
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes\n")
    (out / "articles.parquet").write_text("not ours either, but a name we write\n")
    with pytest.raises(ExportError, match="not a newsflow export \\(notes.txt\\)"):
        _export(tmp_path / "a.duckdb", out, "parquet")
    assert sorted(p.name for p in out.iterdir()) == ["articles.parquet", "notes.txt"]
    assert (out / "notes.txt").read_text() == "my notes\n"


@pytest.mark.parametrize("flag", ["--parquet", "--csv"])
def test_export_onto_a_file_is_a_clear_error(tmp_path, flag):
    _warehouse(tmp_path / "a.duckdb", [SEEDS])
    target = tmp_path / "report.txt"
    target.write_text("keep me\n")
    done = subprocess.run([sys.executable, "-m", "newsflow.cli", "export", flag, str(target),
                           "--db", str(tmp_path / "a.duckdb")], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 2
    assert f"newsflow: {target} is a file, not a folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_text() == "keep me\n"


def test_every_table_of_the_warehouse_is_exported_a_new_one_too(tmp_path):
    """The list comes from the catalog: quotes, entities, mentions, batches (left out before) are
    there, and so is a table added later; only raw_pages and schema_migrations are not."""
    from warehouse.enrich import enrich_pending
    from warehouse.export import NOT_EXPORTED, export_tables

    db = tmp_path / "a.duckdb"
    _warehouse(db, [SEEDS])
    with connect(db) as con:
        enrich_pending(con, "e1")
        con.execute("CREATE TABLE analyst_notes AS SELECT 'à relire' AS note")
        main_tables = {t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    assert set(NOT_EXPORTED) <= main_tables
    with connect(db, read_only=True) as con:
        assert set(export_tables(con)) == main_tables - set(NOT_EXPORTED)
    for fmt in ("parquet", "csv"):
        out = tmp_path / f"export-{fmt}"
        counts = _export(db, out, fmt)
        assert {"quotes", "entities", "mentions", "batches", "analyst_notes"} <= set(counts)
        assert counts["quotes"] > 0 and counts["mentions"] > 0 and counts["batches"] == 1
        assert not set(NOT_EXPORTED) & set(counts)
        files = {p.name.split(".")[0] for p in out.iterdir() if p.name != "newsflow_export.json"}
        assert files == set(counts)
        reader = duckdb.connect()
        read = (f"read_parquet('{out}/quotes.parquet')" if fmt == "parquet" else f"read_csv('{out}/quotes.csv')")
        assert reader.execute(f"SELECT count(*) FROM {read}").fetchone()[0] == counts["quotes"]
        _export(db, out, fmt)   # an export of these tables is recognised as one, and replaced


def test_a_duckdb_copy_holds_every_table_and_can_be_searched(tmp_path):
    from warehouse.export import export_duckdb
    from warehouse.search import has_search_index

    db = tmp_path / "a.duckdb"
    _warehouse(db, [SEEDS])
    copy = tmp_path / "copies" / "b.duckdb"
    with connect(db, read_only=True) as con:
        counts = export_duckdb(con, copy)
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in counts}
        internals = con.execute("SELECT count(*) FROM internals.fingerprints").fetchone()[0]
        with pytest.raises(ExportError, match="exists: give the name of a new DuckDB file"):
            export_duckdb(con, copy)
    assert counts == rows and counts["articles"] == 5 and "raw_pages" in counts and "schema_migrations" not in counts
    assert sorted(p.name for p in copy.parent.iterdir()) == ["b.duckdb"]   # no staging file left
    with connect(copy, read_only=True) as out:
        assert has_search_index(out)
        assert out.execute("SELECT count(*) FROM internals.fingerprints").fetchone()[0] == internals
