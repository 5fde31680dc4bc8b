"""`newsflow shell`: the DuckDB command-line shell on what analysts should query.

The shell opens the read snapshot (warehouse/snapshot.py) read-only, so it holds nothing a writer
needs however long it stays open; a DuckLake is attached read-only from its catalog. The fts
extension is loaded from its offline package (search() needs it), and the shell installs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.db import CATALOG_EXTENSIONS, LAKE_ALIAS, LAKE_PREFIX, WarehouseError, packaged_extension, parse_lake
from warehouse.snapshot import INFO_TABLE, reader_target, snapshot_path
from warehouse.sql import literal


@dataclass(frozen=True)
class ShellCommand:
    """What `newsflow shell` executes, and the line it prints first."""

    program: str
    args: list[str]
    banner: str


def duckdb_cli() -> str:
    """The DuckDB CLI binary of the duckdb-cli package (the same version as the library)."""
    try:
        import duckdb_cli
    except ImportError as exc:
        raise WarehouseError("the DuckDB shell is not installed: pip install duckdb-cli") from exc
    binary = Path(duckdb_cli.__file__).parent / "duckdb"
    if not binary.is_file():
        raise WarehouseError(f"the DuckDB shell binary is missing from {binary.parent}: reinstall duckdb-cli")
    return str(binary)


def _load(name: str) -> str:
    path = packaged_extension(name)
    return f"LOAD {literal(str(path))};" if path else f"LOAD {name};"


def shell_command(db: str | Path, live: bool = False, sql: str | None = None) -> ShellCommand:
    """The DuckDB CLI invocation for `db`: its read snapshot (or, `live`, the file itself; a
    DuckLake through its catalog), read-only, with fts (and the lake's extensions) loaded."""
    setup = ["SET autoinstall_known_extensions = false;", "SET autoload_known_extensions = false;"]
    lake = parse_lake(db)
    if lake is not None:
        setup += [_load("ducklake")]
        if lake.kind != "duckdb":
            setup.append(_load(CATALOG_EXTENSIONS[lake.kind]))
        setup += [f"ATTACH {literal(LAKE_PREFIX + lake.catalog)} AS {LAKE_ALIAS} (READ_ONLY);", f"USE {LAKE_ALIAS};"]
        target, banner = ":memory:", f"newsflow shell: DuckLake {lake.catalog}, read-only (commits appear as they land)"
    else:
        target = reader_target(db, live)
        if not Path(target).exists():
            raise WarehouseError(f"no warehouse at {db}: run `newsflow ingest` first")
        setup.append(_load("fts"))
        banner = snapshot_banner(db, Path(target))
    # An in-memory database cannot be opened read-only: the lake is attached READ_ONLY instead.
    args = [duckdb_cli(), *([] if lake is not None else ["-readonly"]), "-cmd", " ".join(setup), target]
    if sql is not None:
        args += ["-c", sql]
    return ShellCommand(args[0], args, banner)


def snapshot_banner(db: str | Path, target: Path) -> str:
    """Which file the shell reads and how fresh it is."""
    if target != snapshot_path(db):
        return (f"newsflow shell: {target} itself, read-only (no read snapshot yet: a run waits while this "
                "shell is open; `newsflow publish` makes one)")
    with duckdb.connect(str(target), read_only=True) as con:
        row = con.execute(f"SELECT published_at, last_run_id, articles FROM {INFO_TABLE}").fetchone()
    published, run, articles = row
    return (f"newsflow shell: read snapshot {target}, published {published:%Y-%m-%d %H:%M:%S} UTC "
            f"({articles} articles; last completed run {run or 'none'}). Reopen to see newer data; "
            f"SELECT * FROM {INFO_TABLE} tells the time of the last commit it holds.")
