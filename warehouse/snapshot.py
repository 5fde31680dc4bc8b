"""The read snapshot: a copy of the warehouse that analysts query while runs write.

DuckDB lets one process open a file for writing, and a reader's lock blocks that writer too: an
analyst's session left open stopped every scheduled run, and a run made every read fail with
"Could not set lock on file". So the writer publishes a consistent copy beside the file
(`news.duckdb` → `news.read.duckdb`): CHECKPOINT (the file then holds every commit), copy to a
temporary name while holding the write lock, and rename it over the old copy (the row of
`snapshot_info`, rewritten just before, says when). The rename
is atomic: a reader opens either the old copy or the new one, and one that has the old copy open
keeps reading it (Linux keeps a replaced file alive until its last reader closes it); it sees the
new state when it reopens. Readers never touch the writer's file, so neither waits for the other.

When: at the end of every writing command (ingest, enrich, reextract, maintenance), and between
batches whenever the time since the last publish is at least 1/BUDGET times what that publish cost
(a copy of the 100,000-article warehouse, 1 GB, takes about 3 s here: see bench/RESULTS.md), so
publishing between batches costs at most BUDGET of a run. The copy at the end comes on top: about
19% of a 1,000-article run into 100,000 articles, because a full copy grows with the warehouse and
not with the run. Copying only the changed blocks would fix that; it is not built yet.

A DuckLake needs no snapshot: its readers attach the catalog read-only and read committed Parquet
files while writers write.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, connect, parse_lake, transaction, utcnow

SNAPSHOT_SUFFIX = ".read.duckdb"
SWITCH_ENV = "NEWSFLOW_READ_SNAPSHOT"   # "off": writers publish nothing (nobody reads while they write)
BUDGET = 0.05   # the share of a run's time that publishing between batches may take
INFO_TABLE = "snapshot_info"
COPY_BYTES_PER_SECOND = 250e6   # a publish's speed on this project's 2-core VM under load (bench/RESULTS.md)


def snapshot_path(db: str | Path) -> Path | None:
    """Where the read snapshot of `db` lives (None for a DuckLake, which needs none)."""
    if parse_lake(db) is not None:
        return None
    db = Path(db)
    name = db.name[: -len(".duckdb")] if db.name.endswith(".duckdb") else db.name
    return db.with_name(name + SNAPSHOT_SUFFIX)


@dataclass(frozen=True)
class Published:
    """One publish: where, when, how long it took and how big the copy is."""

    path: Path
    published_at: object
    seconds: float
    size_bytes: int


def publish(con: duckdb.DuckDBPyConnection, db: str | Path) -> Published | None:
    """Publish the read snapshot of `db` from `con`, a write connection to it (holding the file's
    write lock, so no other process changes the file during the copy). None for a DuckLake."""
    target = snapshot_path(db)
    if target is None:
        return None
    started = time.perf_counter()
    published_at = utcnow()
    with transaction(con):   # the copy says how fresh it is (a row rewritten in the file, not in the copy:
        con.execute(f"DELETE FROM {INFO_TABLE}")   # opening a 1 GB copy to stamp it took seconds)
        con.execute(f"""
            INSERT INTO {INFO_TABLE}
            SELECT ?, r.run_id, r.finished_at, (SELECT count(*) FROM articles)
            FROM (SELECT NULL) LEFT JOIN (SELECT run_id, finished_at FROM runs WHERE status = 'completed'
                                          ORDER BY finished_at DESC NULLS LAST LIMIT 1) r ON true""", [published_at])
    con.execute("CHECKPOINT")   # every commit is now in the main file, the write-ahead log is empty
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(db, temporary)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise WarehouseError(f"could not publish the read snapshot {target}: {exc}") from exc
    return Published(target, published_at, time.perf_counter() - started, target.stat().st_size)


@dataclass
class Publisher:
    """Publishes between batches only while it stays within BUDGET of the run (see module doc)."""

    db: str | Path
    budget: float = BUDGET
    last: Published | None = None
    _last_end: float = field(default_factory=time.monotonic)
    published: int = 0
    seconds: float = 0.0

    @property
    def enabled(self) -> bool:
        return snapshot_path(self.db) is not None and os.environ.get(SWITCH_ENV, "on") != "off"

    def due(self) -> bool:
        """Has enough time passed since the last publish (or the start) to afford another?"""
        if not self.enabled:
            return False
        return time.monotonic() - self._last_end >= self.expected_cost() / self.budget

    def expected_cost(self) -> float:
        """The last publish's duration; before the first, the file's size at COPY_BYTES_PER_SECOND
        (publishing right after a run's first batch cost a 100,000-article run several seconds)."""
        if self.last is not None:
            return self.last.seconds
        try:
            return Path(self.db).stat().st_size / COPY_BYTES_PER_SECOND
        except OSError:
            return 0.0

    def publish(self, con: duckdb.DuckDBPyConnection) -> Published | None:
        if not self.enabled:   # an old snapshot would be read as if current: readers read the file instead
            if (path := snapshot_path(self.db)) is not None:
                path.unlink(missing_ok=True)
            self._last_end = time.monotonic()
            return None
        done = publish(con, self.db)
        if done is not None:
            self.last, self.published, self.seconds = done, self.published + 1, self.seconds + done.seconds
        self._last_end = time.monotonic()
        return done


def reader_target(db: str | Path, live: bool = False) -> str:
    """What a reader opens for `db`: its read snapshot when there is one (never the writer's file,
    so a read neither waits for a run nor makes one wait), else (`live`, a DuckLake, or no snapshot
    published yet) the warehouse itself."""
    snapshot = None if live else snapshot_path(db)
    return str(snapshot) if snapshot is not None and snapshot.exists() else str(db)


STALE_AFTER_SECONDS = 600   # writers publish far more often than this while they write (see Publisher)


def staleness(db: str | Path) -> str | None:
    """A warning when the warehouse changed well after its snapshot was published: something wrote
    it without publishing (a script's own connection), so readers of the snapshot miss that."""
    snapshot = snapshot_path(db)
    if snapshot is None or not snapshot.exists() or not Path(db).exists():
        return None
    behind = Path(db).stat().st_mtime - snapshot.stat().st_mtime
    if behind < STALE_AFTER_SECONDS:
        return None
    return (f"the read snapshot {snapshot} is {behind / 60:.0f} minutes older than the last change of {db}, "
            "which was written without publishing: `newsflow publish` refreshes it (or read the file itself with --live)")


def connect_reader(db: str | Path, live: bool = False, private: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection to what analysts should query (see reader_target)."""
    return connect(reader_target(db, live), read_only=True, private=private)


def publish_now(db: str | Path, wait_seconds: float = 600.0) -> Published | None:
    """Open `db` for writing (waiting up to `wait_seconds` for another writer) and publish its
    snapshot: for `newsflow publish`, e.g. on a warehouse made before snapshots existed."""
    if snapshot_path(db) is None:
        return None
    with connect(db, wait_seconds=wait_seconds) as con:
        return publish(con, db)
