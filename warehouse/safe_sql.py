"""`newsflow sql --safe`: an untrusted query reads the warehouse's tables and nothing else, within a
memory and a time bound.

Three layers, each enough on its own for the common attacks:

1. Statement allowlist (`refusal`): only SELECT-type statements (SELECT, WITH, VALUES, FROM-first,
   DESCRIBE, SHOW, SUMMARIZE) and EXPLAIN of them run. COPY, EXPORT, ATTACH, CREATE, INSERT, SET,
   INSTALL/LOAD, CALL, PRAGMA... are refused before anything executes. Every function the query
   names is checked: file, catalog and dynamic-SQL functions (read_*, *_scan, glob, parquet_*,
   query, ducklake_*, sqlite_*, getenv...) and file paths used as tables are refused, so even the
   lake's own Parquet files and its catalog file are only reachable through its tables.
2. DuckDB settings (`lock_down`): external access off, extension autoloading off, no temporary
   files (spilling would write beside the warehouse), a memory limit, then the configuration is
   locked so the query cannot undo any of it. On a DuckLake, the files of the current snapshot
   are the only paths DuckDB may open (`allowed_paths`: exact files, not the data directory, so
   nothing new can be created there), and the lake is attached read-only.
3. A time limit (`time_limit`): a timer interrupts the connection.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import duckdb

from warehouse.db import WarehouseError
from warehouse.search import load_fts

DEFAULT_TIMEOUT = 30.0        # seconds
DEFAULT_MEMORY_LIMIT = "1GB"
TIMEOUT_ENV = "NEWSFLOW_SQL_TIMEOUT"
MEMORY_LIMIT_ENV = "NEWSFLOW_SQL_MEMORY_LIMIT"

_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?", re.I)
# Functions that open files or URLs, reach another database, run SQL given as a string, or reveal
# the environment and settings (which may hold credentials).
_REFUSED_FUNCTIONS = re.compile(
    r"^(read_\w*|\w*_scan|glob|parquet_\w*|sniff_csv|query|query_table|ducklake_\w*|sqlite_\w*|"
    r"postgres_\w*|mysql_\w*|iceberg_\w*|delta_\w*|\w*_attach|\w*_query|\w*execute\w*|load_aws_credentials|"
    r"getenv|current_setting|duckdb_settings|duckdb_secrets|which_secret|duckdb_extensions|st_read\w*|"
    r"http_\w*)$", re.I)
_PATHLIKE = re.compile(r"[./\\:~]")


class UnsafeQuery(ValueError):
    """A query --safe refuses to run; the message says what and why."""


def refusal(query: str) -> str | None:
    """Why `query` may not run under --safe, or None when every statement of it may."""
    parser = duckdb.connect(":memory:")   # parsing needs no catalog: never the warehouse's connection
    try:
        try:
            statements = parser.extract_statements(query)
        except duckdb.Error as exc:
            return f"cannot parse the query: {exc}"
        if not statements:
            return "no statement to run"
        for statement in statements:
            if statement.type not in _ALLOWED:
                kind = str(statement.type).rsplit(".", 1)[-1]
                return (f"{kind} statements are disabled with --safe (read-only: only SELECT, WITH, "
                        "DESCRIBE, SHOW, SUMMARIZE and EXPLAIN queries run)")
            text = statement.query
            if statement.type == duckdb.StatementType.EXPLAIN:
                text, n = _EXPLAIN.subn("", text, count=1)
                if not n:
                    return "cannot check this EXPLAIN statement"
            tree = json.loads(parser.execute("SELECT json_serialize_sql(?)", [text]).fetchone()[0])
            if tree.get("error"):
                return f"cannot check this statement: {tree.get('error_message')}"
            why = _refused_node(tree)
            if why:
                return why
    finally:
        parser.close()
    return None


def _refused_node(tree: Any) -> str | None:
    for node in _nodes(tree):
        name = node.get("function_name")
        if isinstance(name, str) and _REFUSED_FUNCTIONS.match(name):
            return (f"{name}() is disabled with --safe: queries read the warehouse's tables only "
                    "(no files, other databases, settings or SQL given as text)")
        if node.get("type") in ("BASE_TABLE", "SHOW_REF"):
            table = node.get("table_name") or ""
            if _PATHLIKE.search(table):
                return (f"{table!r} is not a table of the warehouse: files and URLs cannot be queried "
                        "with --safe")
    return None


def _nodes(tree: Any) -> Iterator[dict]:
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def lake_files(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Data and delete files of every table of the connection's DuckLake, at the current snapshot."""
    database = con.execute("SELECT current_database()").fetchone()[0]
    files: list[str] = []
    for schema, table in con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                                     "WHERE database_name = ?", [database]).fetchall():
        for data, deletes in con.execute("SELECT data_file, delete_file FROM ducklake_list_files(?, ?, schema => ?)",
                                         [database, table, schema]).fetchall():
            files += [f for f in (data, deletes) if f]
    return sorted(set(files))


def lock_down(con: duckdb.DuckDBPyConnection, memory_limit: str, lake: bool) -> None:
    """Settings of a --safe connection (see the module docstring), locked. The connection must be
    its own DuckDB instance (settings are per instance). On a DuckLake this begins the transaction
    the query runs in, so the files allowed are those of the snapshot it reads."""
    if not lake:   # the search() macro needs fts; loading it is impossible once external access is off
        with suppress(duckdb.Error, WarehouseError):
            load_fts(con)
    if lake:
        con.execute("BEGIN TRANSACTION")
        con.execute("SET allowed_paths = ?", [lake_files(con)])
        con.execute("SET allowed_directories = ?", [[]])
    try:
        con.execute("SET memory_limit = ?", [memory_limit])
    except duckdb.Error as exc:
        raise UnsafeQuery(f"bad memory limit {memory_limit!r}: {exc}") from exc
    for setting in ("SET temp_directory = ''", "SET max_temp_directory_size = '0B'",
                    "SET autoload_known_extensions = false", "SET autoinstall_known_extensions = false",
                    "SET enable_external_access = false",   # once off, it cannot be turned back on
                    "SET lock_configuration = true"):
        con.execute(setting)


def limits(safe: bool, timeout: float | None, memory_limit: str | None) -> tuple[float | None, str | None]:
    """(seconds, memory) for a query: the options, else the environment, else the --safe defaults
    (a trusted query is unbounded unless asked). A timeout of 0 means none."""
    if timeout is None and os.environ.get(TIMEOUT_ENV):
        try:
            timeout = float(os.environ[TIMEOUT_ENV])
        except ValueError as exc:
            raise UnsafeQuery(f"{TIMEOUT_ENV}={os.environ[TIMEOUT_ENV]!r} is not a number of seconds") from exc
    if timeout is None and safe:
        timeout = DEFAULT_TIMEOUT
    memory_limit = memory_limit or os.environ.get(MEMORY_LIMIT_ENV) or (DEFAULT_MEMORY_LIMIT if safe else None)
    return (timeout if timeout and timeout > 0 else None), memory_limit


@contextmanager
def time_limit(con: duckdb.DuckDBPyConnection, seconds: float | None) -> Iterator[threading.Event]:
    """Interrupt the connection's query after `seconds`; the event tells whether it fired."""
    fired = threading.Event()
    if seconds is None:
        yield fired
        return

    def stop() -> None:
        fired.set()
        con.interrupt()

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()
