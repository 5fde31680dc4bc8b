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

from warehouse.db import utcnow

TABLES = ("articles", "article_versions", "article_authors", "metadata_sources", "paragraphs", "removed_lines", "duplicates",
          "copied_paragraphs", "stories", "story_articles", "failures", "runs", "sources", "pages")
MARKER = "newsflow_export.json"


class ExportError(RuntimeError):
    """The export cannot be written where asked; the message says why (nothing was changed)."""


def export(con: duckdb.DuckDBPyConnection, out: str | Path, fmt: str = "parquet") -> dict[str, int]:
    """Write every main table under `out`, replacing an older export there; returns rows per table.
    Parquet: articles/day=YYYY-MM-DD/*.parquet (Hive partitions on the publication day, ingestion
    day when undated) and one file per other table; CSV: one file per table."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown format {fmt!r}: parquet or csv")
    out = Path(out).absolute()
    if out.is_symlink():
        out = out.resolve()
    _check_target(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    except OSError as exc:
        raise ExportError(f"cannot write an export beside {out}: {exc}") from exc
    try:
        counts = _write(con, staging, fmt)
        (staging / MARKER).write_text(json.dumps(
            {"format": fmt, "exported_at": utcnow().isoformat(), "rows": counts}, indent=1) + "\n", encoding="utf-8")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return counts


def _write(con: duckdb.DuckDBPyConnection, out: Path, fmt: str) -> dict[str, int]:
    counts = {}
    for table in TABLES:
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


def _check_target(out: Path) -> None:
    """Refuse a target that is a file, or a folder holding anything but a newsflow export."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ExportError(f"{out} is a file, not a folder: give a folder for the export (nothing was written)")
    foreign = sorted(p.name for p in out.iterdir() if not _is_export_entry(p))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ExportError(f"{out} holds files that are not a newsflow export ({shown}): give an empty or new "
                          "folder, or a folder of an earlier export (which is replaced); nothing was written")


def _is_export_entry(path: Path) -> bool:
    """A file or folder an export writes: the marker, <table>.parquet|csv, articles/day=…/*.parquet."""
    if path.name == MARKER or (path.is_file() and path.suffix in (".parquet", ".csv") and path.stem in TABLES):
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
