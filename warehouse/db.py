"""DuckDB connection, versioned migrations, and the one transaction helper everything uses.

The warehouse is a DuckDB file (the default, one writing process at a time) or a DuckLake
(`ducklake:<catalog>`: a catalog database plus Parquet data files, which several processes or
machines can write at once; see `connect` and README "Scaling").
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb

from tasks.models import utcnow  # noqa: F401  (re-exported: warehouse modules import it from here)
from warehouse.sql import is_conflict, lake_sql, literal

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DEFAULT_DB = Path("warehouse") / "news.duckdb"

LAKE_PREFIX = "ducklake:"
LAKE_ALIAS = "lake"
LAKE_DATA_PATH_ENV = "NEWSFLOW_LAKE_DATA_PATH"
LAKE_RETRY_SECONDS = 600.0   # how long a write keeps retrying after conflicts with concurrent writers
SQLITE_BUSY_TIMEOUT_MS = 30_000
CATALOG_EXTENSIONS = {"sqlite": "sqlite_scanner", "postgres": "postgres", "mysql": "mysql"}
# Every write transaction on a DuckLake updates this one row first, so two concurrent write
# transactions always conflict at commit: the later one fails and is retried on the new state.
WRITER_TABLE = "internals.writer"
T = TypeVar("T")


class WarehouseError(RuntimeError):
    """The warehouse could not be opened or written; the message says why."""


class WarehouseLocked(WarehouseError):
    """Another process holds the DuckDB file's lock (DuckDB allows one writing process per file)."""

    def __init__(self, message: str, holder_pid: int | None):
        super().__init__(message)
        self.holder_pid = holder_pid


_HOLDER_PID = re.compile(r"\(PID (\d+)\)")


def lock_holder(error: str) -> int | None:
    """The process holding the lock, from DuckDB's message ("Conflicting lock is held in … (PID n)")."""
    found = _HOLDER_PID.search(error)
    return int(found.group(1)) if found else None


def connect(path: str | Path, read_only: bool = False, wait_seconds: float = 0.0,
            private: bool = False, on_wait: Callable[[WarehouseLocked], None] | None = None
            ) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating if needed) the warehouse file. A writer may wait up to
    `wait_seconds` for another process's lock to go (it retries every half second); `on_wait` is
    called once, when the wait begins (so that a person is told at once, not after the wait).

    `ducklake:<catalog>[?data_path=<path>]` opens a DuckLake instead (see `parse_lake`), attached as
    `lake` and made the default database, so the warehouse's table names resolve unchanged.
    `private`: a DuckLake in a DuckDB instance of its own, not the process's shared one (settings
    such as `sql --safe`'s locked configuration then stay with it; closing it closes the instance)."""
    lake = parse_lake(path)
    if lake is not None:
        return _attach_lake(lake, read_only) if private else _connect_lake(lake, read_only)
    deadline = time.monotonic() + wait_seconds
    waiting = False
    while True:
        try:
            return _connect(Path(path), read_only)
        except WarehouseLocked as exc:
            if time.monotonic() >= deadline:
                if waiting:
                    raise WarehouseLocked(f"{exc} (gave up after waiting {wait_seconds:g} s)", exc.holder_pid) from exc
                raise
            if not waiting and on_wait is not None:
                on_wait(exc)
            waiting = True
            time.sleep(0.5)


def writer_memory_limit() -> str:
    """DuckDB's memory bound for a writer (default 256MB; env NEWSFLOW_DUCKDB_MEMORY_LIMIT): its
    default, 80% of RAM, lets the block cache grow with the warehouse. The loader's joins stream
    through the index tables, which the OS page cache keeps warm anyway; over the bound, joins spill
    to disk beside the file."""
    return os.environ.get("NEWSFLOW_DUCKDB_MEMORY_LIMIT", "256MB")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        if read_only:
            if not path.exists():
                raise WarehouseError(f"no warehouse at {path}: run `newsflow ingest` first")
            con = duckdb.connect(str(path), read_only=True)
            _checked(con)
            return con
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot open {path}: cannot create its folder ({exc})") from exc
        con = duckdb.connect(str(path), config={"memory_limit": writer_memory_limit()})
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            pid = lock_holder(str(exc))
            raise WarehouseLocked(
                f"{path} is open for writing in another process ({f'PID {pid}' if pid else 'an ingest run?'}); "
                "DuckDB allows one writer per file: retry when it has finished", pid
            ) from exc
        raise WarehouseError(f"cannot open {path}: {exc}") from exc
    try:
        migrate(con)
    except WarehouseError:
        con.close()
        raise
    return con


@dataclass(frozen=True)
class LakeSpec:
    """Where a DuckLake lives: its catalog (`sqlite:<file>`, `postgres:<libpq string>`, a DuckDB file…)
    and its data path (a folder or an object-store prefix such as s3://bucket/news/)."""

    catalog: str
    data_path: str | None

    @property
    def kind(self) -> str:
        head, sep, _ = self.catalog.partition(":")
        return head if sep and head in CATALOG_EXTENSIONS else "duckdb"

    @property
    def catalog_file(self) -> Path | None:
        """The catalog's local file (SQLite or DuckDB catalogs), None for a server."""
        if self.kind == "duckdb":
            return Path(self.catalog)
        if self.kind == "sqlite":
            return Path(self.catalog.partition(":")[2])
        return None


def parse_lake(target: str | Path) -> LakeSpec | None:
    """`ducklake:<catalog>[?data_path=<path>]` → LakeSpec; None for a plain DuckDB file.

    The data path is the `?data_path=` suffix, else $NEWSFLOW_LAKE_DATA_PATH, else (for a catalog
    file) `<catalog file>.files/` beside it. It only matters when the lake is created: DuckLake keeps
    it in the catalog, so later writers need only the catalog."""
    text = str(target)
    if not text.startswith(LAKE_PREFIX):
        return None
    catalog, _, data_path = text[len(LAKE_PREFIX):].partition("?data_path=")
    if not catalog:
        raise WarehouseError(f"{text}: give a catalog after ducklake:, e.g. ducklake:sqlite:lake/catalog.sqlite")
    data_path = data_path or os.environ.get(LAKE_DATA_PATH_ENV) or None
    spec = LakeSpec(catalog, data_path)
    file = spec.catalog_file
    if file is not None:
        file = file.absolute()
        catalog = f"sqlite:{file}" if spec.kind == "sqlite" else str(file)
        data_path = data_path or f"{file}.files"
    if data_path and "://" not in data_path:
        data_path = str(Path(data_path).absolute())
    if data_path and not data_path.endswith(("/", "\\")):
        data_path += "/"
    return LakeSpec(catalog, data_path)


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default database is a DuckLake."""
    return bool(con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = current_database() "
                            "AND type = 'ducklake'").fetchone()[0])


# DuckDB loads an extension file by the entry point its file name implies: the postgres package's
# `postgres.duckdb_extension` is the extension `postgres_scanner`, so it is loaded from a copy of
# that name (INSTALL would rename it too, but into ~/.duckdb, outside the project).
EXTENSION_NAMES = {"postgres": "postgres_scanner"}


def packaged_extension(name: str) -> Path | None:
    """The extension file shipped by the offline package duckdb-extension-<name>, if installed, as
    a path DuckDB can LOAD (under the name of the extension it holds)."""
    try:
        import importlib

        package = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError:
        return None
    found = sorted(Path(package.__file__).parent.glob(f"extensions/v{duckdb.__version__}/{name}.duckdb_extension"))
    if not found or name not in EXTENSION_NAMES:
        return found[0] if found else None
    copy = Path(sys.prefix) / "var" / "duckdb-extensions" / f"v{duckdb.__version__}" / \
        f"{EXTENSION_NAMES[name]}.duckdb_extension"
    if not copy.exists() or copy.stat().st_size != found[0].stat().st_size:
        copy.parent.mkdir(parents=True, exist_ok=True)
        temporary = copy.with_name(f".{copy.name}.{os.getpid()}")
        shutil.copyfile(found[0], temporary)
        os.replace(temporary, copy)   # atomic: concurrent writers of the lake may copy it at once
    return copy


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD a DuckDB extension from its offline package's file (duckdb-extension-<name>), else
    the installed one, else INSTALL it from the network. The package's file comes first: a bare
    `LOAD ducklake` tries to auto-install and creates ~/.duckdb, outside the project."""
    packaged = packaged_extension(name)
    try:
        if packaged:
            con.execute(f"LOAD {literal(str(packaged))}")
            return
        try:
            con.execute(f"LOAD {name}")
        except duckdb.Error:
            con.execute(f"INSTALL {name}")
            con.execute(f"LOAD {name}")
    except duckdb.Error as exc:
        raise WarehouseError(f"the DuckDB {name} extension is not available: pip install "
                             f"duckdb-extension-{name.replace('_', '-')}, or INSTALL {name} online ({exc})") from exc


_LAKES: dict[tuple[LakeSpec, bool], duckdb.DuckDBPyConnection] = {}
_LAKES_LOCK = threading.Lock()


def _connect_lake(spec: LakeSpec, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection to the lake: a cursor of this process's one DuckDB instance that has it attached
    (and migrated), so that the flow's many short connections skip loading extensions and attaching."""
    with _LAKES_LOCK:
        base = _LAKES.get((spec, read_only))
        if base is None:
            base = _LAKES[(spec, read_only)] = _attach_lake(spec, read_only)
    con = base.cursor()
    con.execute(f"USE {LAKE_ALIAS}")
    return con


def _attach_lake(spec: LakeSpec, read_only: bool) -> duckdb.DuckDBPyConnection:
    file = spec.catalog_file
    if read_only and file is not None and not file.exists():
        raise WarehouseError(f"no warehouse at {file}: run `newsflow ingest` first")
    con = duckdb.connect(config={"memory_limit": writer_memory_limit()})
    try:
        load_extension(con, "ducklake")
        if spec.kind != "duckdb":
            load_extension(con, CATALOG_EXTENSIONS[spec.kind])
        if file is not None and not read_only:
            file.parent.mkdir(parents=True, exist_ok=True)
        options = []
        if spec.data_path and not read_only:
            options.append(f"DATA_PATH {literal(spec.data_path)}")
        if spec.kind == "sqlite":   # WAL: readers never block the writer; wait for the catalog's write lock
            options += ["META_JOURNAL_MODE 'WAL'", f"META_BUSY_TIMEOUT {SQLITE_BUSY_TIMEOUT_MS}"]
        if read_only:
            options.append("READ_ONLY")
        con.execute(f"ATTACH {literal(LAKE_PREFIX + spec.catalog)} AS {LAKE_ALIAS}"
                    + (f" ({', '.join(options)})" if options else ""))
        con.execute(f"USE {LAKE_ALIAS}")
    except (duckdb.Error, OSError, WarehouseError) as exc:
        con.close()
        if isinstance(exc, WarehouseError):
            raise
        raise WarehouseError(f"cannot open DuckLake {spec.catalog}: {exc}") from exc
    try:
        if read_only:
            refuse_unknown_migrations(con)
        else:
            migrate(con)
            _ensure_writer_row(con)
    except BaseException:
        con.close()
        raise
    return con


def lake_data_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """The data path of the connection's DuckLake (kept in its catalog); None for a DuckDB file."""
    if not is_lake(con):
        return None
    row = con.execute("SELECT value FROM ducklake_options(current_database()) WHERE option_name = 'data_path'").fetchone()
    return row[0] if row else None


def _ensure_writer_row(con: duckdb.DuckDBPyConnection) -> None:
    """The DuckLake-only table every write transaction updates (see WRITER_TABLE)."""
    def create() -> None:
        con.execute(f"CREATE TABLE IF NOT EXISTS {WRITER_TABLE} (turns BIGINT NOT NULL)")
        con.execute(f"INSERT INTO {WRITER_TABLE} SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM {WRITER_TABLE})")

    if _has_writer_table(con) and con.execute(f"SELECT count(*) FROM {WRITER_TABLE}").fetchone()[0] == 1:
        return
    retry_conflicts(con, create, claim=False)


def _has_writer_table(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute(f"SELECT 1 FROM {WRITER_TABLE} LIMIT 0")
    except duckdb.CatalogException:
        return False
    return True


def retry_conflicts(con: duckdb.DuckDBPyConnection, body: Callable[[], T], claim: bool = True,
                    wait_seconds: float = LAKE_RETRY_SECONDS, on_retry: Callable[[BaseException], None] | None = None) -> T:
    """Run `body` in one transaction. On a DuckLake, a commit that conflicted with a concurrent
    writer is rolled back and `body` runs again from scratch (it must re-read what it needs), after a
    jittered exponential backoff, for up to `wait_seconds`. On a DuckDB file this is `transaction`."""
    if not is_lake(con):
        with transaction(con):
            return body()
    deadline = time.monotonic() + wait_seconds
    attempt = 0
    while True:
        try:
            with transaction(con, claim=claim):
                return body()
        except (duckdb.Error, WarehouseError) as exc:
            if not is_conflict(exc) or time.monotonic() >= deadline:
                raise
            attempt += 1
            if on_retry is not None:
                on_retry(exc)
            time.sleep(min(2.0, 0.05 * 2 ** min(attempt, 6)) * random.uniform(0.5, 1.5))


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every file NNN_name.sql in warehouse/migrations, in order."""
    found = []
    for file in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = re.match(r"(\d+)_(.+)\.sql$", file.name)
        if m:
            found.append((int(m.group(1)), m.group(2), file.read_text(encoding="utf-8")))
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations, each in its own transaction; return the versions applied.

    On a DuckLake the migrations are translated by `lake_sql`, and one that conflicted with another
    process migrating at the same time is retried (it then finds the version applied and skips it)."""
    lake = is_lake(con)
    translate = lake_sql if lake else (lambda sql: sql)
    create = translate("CREATE TABLE IF NOT EXISTS schema_migrations "
                       "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)")
    if lake:
        retry_conflicts(con, lambda: con.execute(create), claim=False)
    else:
        con.execute(create)
    claim = lake and _has_writer_table(con)
    refuse_unknown_migrations(con)
    done = _applied_versions(con)
    applied = []
    for version, name, sql in migrations():
        def apply(version=version, name=name, sql=sql) -> bool:
            if con.execute("SELECT count(*) FROM schema_migrations WHERE version = ?", [version]).fetchone()[0]:
                return False
            con.execute(translate(sql))
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utcnow()])
            return True
        if version in done:
            continue
        if retry_conflicts(con, apply, claim=claim):
            applied.append(version)
    return applied


def refuse_unknown_migrations(con: duckdb.DuckDBPyConnection) -> None:
    """Raise WarehouseError when the warehouse holds a migration this code does not know: it was
    made (or upgraded) by a newer newsflow, whose schema this code would misread or damage."""
    try:
        applied = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    except duckdb.CatalogException:
        return   # not migrated yet (a writer creates the table; a reader finds no tables either way)
    known = {version for version, _, _ in migrations()}
    unknown = [(v, n) for v, n in applied if v not in known]
    if unknown:
        listed = ", ".join(f"{v:03d} {n}" for v, n in unknown)
        newest = max(known, default=0)
        made_by = ("a newer newsflow" if min(v for v, _ in unknown) > newest
                   else "another version of newsflow")
        raise WarehouseError(
            f"this warehouse was made by {made_by} (migration {listed}; this newsflow knows migrations up to "
            f"{newest:03d}): upgrade newsflow to open it; nothing was changed")


def _checked(con: duckdb.DuckDBPyConnection) -> None:
    """refuse_unknown_migrations on a fresh connection, closing it when refused."""
    try:
        refuse_unknown_migrations(con)
    except BaseException:
        con.close()
        raise


def _applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    return {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, claim: bool = True) -> Iterator[None]:
    """BEGIN … COMMIT, with an explicit ROLLBACK on any error.

    DuckDB's COMMIT after a failed statement can silently discard the whole transaction, so an
    error must never be followed by COMMIT: roll back and re-raise instead. On a DuckLake the
    transaction first takes the writer turn (WRITER_TABLE), so that it fails at COMMIT if another
    write committed since it began (`retry_conflicts` runs it again).
    """
    lake = is_lake(con)
    con.execute("BEGIN TRANSACTION")
    try:
        if claim and lake:
            con.execute(f"UPDATE {WRITER_TABLE} SET turns = turns + 1")
        yield
    except BaseException:
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    try:
        con.execute("COMMIT")
    except duckdb.Error as exc:   # e.g. disk full: the write-ahead log could not be written
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        if lake and is_conflict(exc):
            raise WarehouseError(f"could not commit: another writer of this DuckLake committed first (run it "
                                 f"again), nothing of this transaction was written: {exc}") from exc
        raise WarehouseError(f"could not commit (disk full or not writable?), nothing of this batch was "
                             f"written: {exc}") from exc


