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

What a publish writes: the snapshot it replaces is kept as a spare (`.news.read.duckdb.spare`), and
the next publish brings the spare up to date by writing only the blocks that changed (DuckDB blocks
carry a checksum in their first 8 bytes, so finding them reads 8 bytes per 256 KB block), then
renames it over the snapshot. A reader that still has the old snapshot open holds a lock on what
became the spare: that publish makes a full copy instead, so no reader's file is ever written.

When: at the end of every writing command (ingest, enrich, reextract, maintenance), and between
batches whenever the time since the last publish is at least 1/BUDGET times what that publish cost,
so publishing between batches costs at most BUDGET of a run (figures in bench/RESULTS.md).

A DuckLake needs no snapshot: its readers attach the catalog read-only and read committed Parquet
files while writers write.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, connect, parse_lake, transaction, utcnow

_log = logging.getLogger(__name__)

SNAPSHOT_SUFFIX = ".read.duckdb"
SWITCH_ENV = "NEWSFLOW_READ_SNAPSHOT"   # "off": writers publish nothing (nobody reads while they write)
BUDGET = 0.05   # the share of a run's time that publishing between batches may take
INFO_TABLE = "snapshot_info"
COPY_BYTES_PER_SECOND = 250e6   # a full copy's speed on this project's 2-core VM under load (bench/RESULTS.md)
INCREMENTAL_BYTES_PER_SECOND = 5e9   # an incremental publish after a batch: 1 GB in 0.14-0.18 s (bench/RESULTS.md)


def snapshot_path(db: str | Path) -> Path | None:
    """Where the read snapshot of `db` lives (None for a DuckLake, which needs none)."""
    if parse_lake(db) is not None:
        return None
    db = Path(db)
    name = db.name[: -len(".duckdb")] if db.name.endswith(".duckdb") else db.name
    return db.with_name(name + SNAPSHOT_SUFFIX)


@dataclass(frozen=True)
class Published:
    """One publish: where, when, how long it took, how big the copy is and how much of it was written
    (`incremental`: only the blocks that changed were, into the spare copy)."""

    path: Path
    published_at: object
    seconds: float
    size_bytes: int
    copied_bytes: int = 0
    incremental: bool = False


def spare_path(db: str | Path) -> Path:
    """The previous snapshot, kept to be brought up to date by the next publish (never read by readers)."""
    target = snapshot_path(db)
    return target.with_name(f".{target.name}.spare")


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
    try:
        copied, incremental = _copy(Path(db), target)
    except OSError as exc:
        raise WarehouseError(f"could not publish the read snapshot {target}: {exc}") from exc
    return Published(target, published_at, time.perf_counter() - started, target.stat().st_size, copied, incremental)


def _copy(db: Path, target: Path) -> tuple[int, bool]:
    """Make `target` a byte copy of `db`: by updating the spare's changed blocks when no reader holds
    the spare, else by a full copy. Then the new copy takes the snapshot's name and the snapshot it
    replaces becomes the spare (its open readers keep reading it; the next publish sees their lock)."""
    spare = spare_path(db)
    writing = spare.with_name(spare.name + ".writing")   # a half-written spare is never trusted again
    for leftover in (writing, spare.with_name(spare.name + ".next")):
        leftover.unlink(missing_ok=True)
    copied = _update_spare(db, spare, writing)
    incremental = copied is not None
    if copied is None:
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(db, temporary)
            _sync(temporary)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise
        writing, copied = temporary, db.stat().st_size
    _swap_in(writing, target, spare)
    return copied, incremental


def _update_spare(db: Path, spare: Path, writing: Path) -> int | None:
    """Bring the spare up to `db` by writing only the blocks whose checksum differs; the bytes written,
    or None (no spare, a reader holds it, or a layout this does not know: a full copy is needed).

    A DuckDB file is three 4 KB headers, then blocks of the database header's block size that each
    begin with the 8-byte checksum of their content: two blocks with the same checksum hold the same
    bytes (to 2^-64), so comparing 8 bytes per block finds what a batch changed (a few percent of a
    1 GB file) without reading the rest."""
    if not spare.exists():
        return None
    with open(db, "rb") as source:
        block = _block_size(source.fileno())
        if block is None:
            return None
        size = os.fstat(source.fileno()).st_size
        fd = os.open(spare, os.O_RDWR)
        try:
            try:   # DuckDB readers hold a shared lock for as long as they have the file open
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return None
            os.replace(spare, writing)
            copied = _copy_range(source.fileno(), fd, 0, HEADERS_BYTES)   # headers: always
            runs = _changed_runs(source.fileno(), fd, size, block, os.fstat(fd).st_size)
            for offset, length in runs:
                copied += _copy_range(source.fileno(), fd, offset, length)
            os.ftruncate(fd, size)
            os.fdatasync(fd)   # the next publish trusts these bytes: they must be on disk
            fcntl.lockf(fd, fcntl.LOCK_UN)   # before the swap: readers of the new snapshot take their lock
        finally:
            os.close(fd)
    return copied


HEADERS_BYTES = 3 * 4096   # DuckDB's main header and its two alternating database headers


def _block_size(fd: int) -> int | None:
    """The block size from the newer of the two database headers (offset 40: checksum, iteration,
    meta block, free list, block count, block size), if it looks like one."""
    headers = os.pread(fd, HEADERS_BYTES, 0)
    if len(headers) < HEADERS_BYTES or headers[8:12] != b"DUCK":
        return None
    newer = max((4096, 8192), key=lambda at: int.from_bytes(headers[at + 8:at + 16], "little"))
    block = int.from_bytes(headers[newer + 40:newer + 48], "little")
    return block if block >= 4096 and block & (block - 1) == 0 and block <= 1 << 24 else None


def _changed_runs(source: int, spare: int, size: int, block: int, spare_size: int) -> list[tuple[int, int]]:
    """(offset, length) of the runs of consecutive blocks of the source whose checksum the spare lacks."""
    runs: list[tuple[int, int]] = []
    for offset in range(HEADERS_BYTES, size, block):
        length = min(block, size - offset)
        if offset + length <= spare_size and os.pread(source, 8, offset) == os.pread(spare, 8, offset):
            continue
        if runs and runs[-1][0] + runs[-1][1] == offset:
            runs[-1] = (runs[-1][0], runs[-1][1] + length)
        else:
            runs.append((offset, length))
    return runs


def _copy_range(source: int, destination: int, offset: int, length: int) -> int:
    """Copy bytes [offset, offset + length) at the same offset, in the kernel where it can."""
    done = 0
    while done < length:
        try:
            n = os.copy_file_range(source, destination, length - done, offset + done, offset + done)
        except OSError:
            data = os.pread(source, min(length - done, 1 << 24), offset + done)
            n = os.pwrite(destination, data, offset + done) if data else 0
        if n == 0:
            break
        done += n
    return done


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)


def _swap_in(new: Path, target: Path, spare: Path) -> None:
    """`new` takes the snapshot's name atomically; the snapshot it replaces becomes the spare (by a
    hard link made first, so the snapshot's name never points at nothing)."""
    following = spare.with_name(spare.name + ".next")
    keep_spare = target.exists()
    if keep_spare:
        try:
            os.link(target, following)
        except OSError:   # no hard links here: publish without a spare (full copies)
            keep_spare = False
    os.replace(new, target)
    if keep_spare:
        os.replace(following, spare)   # an old spare's name goes; its readers, if any, keep it open


@dataclass
class Publisher:
    """Publishes between batches only while it stays within BUDGET of the run (see module doc)."""

    db: str | Path
    budget: float = BUDGET
    last: Published | None = None
    _last_end: float = field(default_factory=time.monotonic)
    published: int = 0
    seconds: float = 0.0
    copied_bytes: int = 0
    error: str | None = None   # the last publish's failure, until one succeeds

    @property
    def enabled(self) -> bool:
        return snapshot_path(self.db) is not None and os.environ.get(SWITCH_ENV, "on") != "off"

    def due(self) -> bool:
        """Has enough time passed since the last publish (or the start) to afford another?"""
        if not self.enabled:
            return False
        return time.monotonic() - self._last_end >= self.expected_cost() / self.budget

    def expected_cost(self) -> float:
        """The last publish's duration; before the first, the file's size at the speed of an
        incremental publish when a spare exists, else of a full copy (a full copy right after a run's
        first batch cost a 100,000-article run several seconds)."""
        if self.last is not None:
            return self.last.seconds
        try:
            size = Path(self.db).stat().st_size
        except OSError:
            return 0.0
        spare = spare_path(self.db) if snapshot_path(self.db) is not None else None
        return size / (INCREMENTAL_BYTES_PER_SECOND if spare is not None and spare.exists() else COPY_BYTES_PER_SECOND)

    def publish(self, con: duckdb.DuckDBPyConnection) -> Published | None:
        """Publish now. A publish that fails is logged as a warning and kept in `error`, not the run's failure:
        the batches committed, and readers keep the previous snapshot until the next publish."""
        if not self.enabled:   # an old snapshot would be read as if current: readers read the file instead
            if (path := snapshot_path(self.db)) is not None:
                path.unlink(missing_ok=True)
                spare_path(self.db).unlink(missing_ok=True)
            self._last_end = time.monotonic()
            return None
        try:
            done = publish(con, self.db)
        except WarehouseError as exc:
            self.error, done = str(exc), None
            _log.warning("%s; readers keep the previous snapshot until the next publish", exc)
        if done is not None:
            self.last, self.published, self.seconds = done, self.published + 1, self.seconds + done.seconds
            self.copied_bytes += done.copied_bytes
            self.error = None
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
