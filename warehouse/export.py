"""Export the warehouse for other tools: Parquet (articles partitioned by publication day) or CSV.

An export is the warehouse's state, whole: it is written to a new folder beside the target and
then put in the target's place, so that nothing of an older export survives (DuckDB's
OVERWRITE_OR_IGNORE kept the old day partitions: articles deleted since came back) and a failed
export leaves the previous one as it was. A target folder holding anything that is not a newsflow
export is refused, never deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from warehouse.db import connect, utcnow

# Every table of the warehouse's main schema is exported (read from the catalog, so a new table is
# never forgotten) but these, which are not data for other tools:
NOT_EXPORTED = {
    "raw_pages": "the raw bytes of every input, kept for `newsflow reextract` (zlib blobs)",
    "schema_migrations": "the warehouse's own record of its migrations",
}
MARKER = "newsflow_export.json"


def export_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables an export writes: the main schema's, from the catalog (a DuckDB file or a DuckLake)."""
    database = con.execute("SELECT current_database()").fetchone()[0]
    return [table for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "ORDER BY table_name", [database]).fetchall() if table not in NOT_EXPORTED]


class ExportError(RuntimeError):
    """The export cannot be written where asked; the message says why (nothing was changed)."""


def export(con: duckdb.DuckDBPyConnection, out: str | Path, fmt: str = "parquet") -> dict[str, int]:
    """Write every main table (`export_tables`) under `out`, replacing an older export there; returns rows per table.
    Parquet: articles/day=YYYY-MM-DD/*.parquet (Hive partitions on the publication day, ingestion
    day when undated) and one file per other table; CSV: one file per table."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown format {fmt!r}: parquet or csv")
    out = Path(out).absolute()
    if out.is_symlink():
        out = out.resolve()
    tables = export_tables(con)
    _check_target(out, tables)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    except OSError as exc:
        raise ExportError(f"cannot write an export beside {out}: {exc}") from exc
    try:
        counts = _write(con, staging, fmt, tables)
        (staging / MARKER).write_text(json.dumps(
            {"format": fmt, "exported_at": utcnow().isoformat(), "rows": counts}, indent=1) + "\n", encoding="utf-8")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return counts


def _write(con: duckdb.DuckDBPyConnection, out: Path, fmt: str, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if table == "articles" and fmt == "parquet":
            con.execute(f"""COPY (SELECT *, coalesce(CAST(CAST(published_at AS DATE) AS VARCHAR), 'undated') AS day
                            FROM articles)
                            TO '{_quote(out / "articles")}' (FORMAT parquet, PARTITION_BY (day))""")
        elif fmt == "parquet":
            con.execute(f"COPY {table} TO '{_quote(out / f'{table}.parquet')}' (FORMAT parquet)")
        else:
            con.execute(f"COPY {table} TO '{_quote(out / f'{table}.csv')}' (FORMAT csv, HEADER)")
    return counts


COPIED_SCHEMAS = ("main", "internals")   # a DuckDB-file copy is a whole warehouse; the fts index is rebuilt
TARGET_ALIAS = "newsflow_export_target"


def export_duckdb(con: duckdb.DuckDBPyConnection, target: str | Path) -> dict[str, int]:
    """Copy the warehouse (a DuckLake, typically) into a new DuckDB file, with its search index
    built: a lake cannot store the fts index, the file can (`newsflow search --db FILE`). Every
    table of the main and internals schemas is copied, from one snapshot; the file is written
    beside the target and renamed into place, so a failed copy leaves nothing. An existing file
    is refused, never replaced. Returns rows per main table."""
    from warehouse.search import rebuild_search_index

    target = Path(target).absolute()
    if target.exists() or target.is_symlink():
        raise ExportError(f"{target} exists: give the name of a new DuckDB file (nothing was written)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.export-", suffix=".duckdb", dir=target.parent)
    except OSError as exc:
        raise ExportError(f"cannot write a DuckDB file beside {target}: {exc}") from exc
    os.close(handle)
    staging = Path(name)
    staging.unlink()   # DuckDB creates the file itself
    try:
        connect(staging).close()   # created and migrated: the schema of any warehouse of this version
        con.execute(f"ATTACH '{_quote(staging)}' AS {TARGET_ALIAS} (READ_WRITE)")
        try:
            counts = _copy_tables(con)
        finally:
            con.execute(f"DETACH {TARGET_ALIAS}")
        with connect(staging) as out:
            if counts.get("articles"):
                rebuild_search_index(out)
        os.rename(staging, target)
    except BaseException:
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    return counts


def _copy_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every table of COPIED_SCHEMAS the target has too, columns matched by name, in one transaction
    (one snapshot of a lake). Lake-only bookkeeping (internals.writer) and the migrations record
    (the target has its own) are not copied."""
    source = con.execute("SELECT current_database()").fetchone()[0]

    def columns(database: str) -> dict[tuple[str, str], list[str]]:
        found: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in con.execute(
                "SELECT c.schema_name, c.table_name, c.column_name FROM duckdb_columns() c "
                "JOIN duckdb_tables() t USING (database_name, schema_name, table_name) "   # tables, not views
                "WHERE c.database_name = ? AND c.schema_name IN ('main', 'internals') "
                "ORDER BY c.schema_name, c.table_name, c.column_index", [database]).fetchall():
            found.setdefault((schema, table), []).append(column)
        return found

    mine, theirs = columns(source), columns(TARGET_ALIAS)
    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for (schema, table), target_columns in sorted(theirs.items()):
            if (schema, table) not in mine or table == "schema_migrations":
                continue
            names = ", ".join(f'"{c}"' for c in target_columns if c in mine[(schema, table)])
            con.execute(f'DELETE FROM {TARGET_ALIAS}."{schema}"."{table}"')
            con.execute(f'INSERT INTO {TARGET_ALIAS}."{schema}"."{table}" ({names}) '
                        f'SELECT {names} FROM "{source}"."{schema}"."{table}"')
            if schema == "main":
                counts[table] = con.execute(f'SELECT count(*) FROM {TARGET_ALIAS}.main."{table}"').fetchone()[0]
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts


def _check_target(out: Path, tables: list[str]) -> None:
    """Refuse a target that is a file, or a folder holding anything but a newsflow export (of
    these tables, or of those its marker lists: an older export may hold a table dropped since)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ExportError(f"{out} is a file, not a folder: give a folder for the export (nothing was written)")
    known = set(tables) | _marker_tables(out)
    foreign = sorted(p.name for p in out.iterdir() if not _is_export_entry(p, known))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ExportError(f"{out} holds files that are not a newsflow export ({shown}): give an empty or new "
                          "folder, or a folder of an earlier export (which is replaced); nothing was written")


def _marker_tables(out: Path) -> set[str]:
    """The tables an earlier export's marker lists (none when it is absent or unreadable)."""
    try:
        rows = json.loads((out / MARKER).read_text(encoding="utf-8")).get("rows", {})
    except (OSError, ValueError, AttributeError):
        return set()
    return {name for name in rows if isinstance(name, str)} if isinstance(rows, dict) else set()


def _is_export_entry(path: Path, tables: set[str]) -> bool:
    """A file or folder an export writes: the marker, <table>.parquet|csv, articles/day=…/*.parquet."""
    if path.name == MARKER or (path.is_file() and path.suffix in (".parquet", ".csv") and path.stem in tables):
        return True
    if path.name == "articles" and path.is_dir() and not path.is_symlink():
        return all(day.is_dir() and not day.is_symlink() and day.name.startswith("day=")
                   and all(f.is_file() and f.suffix == ".parquet" for f in day.iterdir())
                   for day in path.iterdir())
    return False


def _swap(staging: Path, out: Path) -> None:
    """Put the new export in `out`'s place: rename the old one aside, rename the new one in, then
    delete the old (POSIX cannot exchange two folders in one rename; between the two renames `out`
    is briefly absent, never partial)."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rmdir(old)
        os.rename(out, old)
    try:
        os.rename(staging, out)
    except OSError as exc:
        if old is not None:
            os.rename(old, out)
        raise ExportError(f"cannot put the export in place at {out}: {exc}") from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
