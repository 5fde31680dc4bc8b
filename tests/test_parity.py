"""Parity: the warehouse built from fixed inputs, table by table, must not change (issue 14).

Three builds, each into a fresh DuckDB file, through the pure stages and `load_batch` (no Prefect):
the seeds in one batch, RPM2 in four batches of 50 (shuffled with a fixed seed), and the first 300
pages of the extraction corpus (sorted names) as fetched web pages, in three batches of 100. Each
table and view of the `main` and `internals` schemas is reduced to a row count and a sha256 of its
sorted rows (floats rounded, the columns that vary between runs left out), and compared with
tests/parity/baseline.json. A restructure must leave every hash as it is.

The baseline follows the pipeline: whenever behaviour changes on purpose, regenerate it with

    NEWSFLOW_UPDATE_PARITY=1 PYTHONPATH=. .venv/bin/python -m pytest tests/test_parity.py

which builds each warehouse twice, fails if the two builds differ (the hashes must be
deterministic), and rewrites that build's entry of the baseline; commit the JSON with the change.

Input URIs are pinned (`file:///parity/<build>/...`, the pages' own URLs), so the hashes do not
depend on where the checkout or ../shared lives: article and story ids derive from them.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import pytest

from tasks.documents.article import article_from_file, article_from_page
from tasks.documents.read import InputFile, discover_files
from tasks.models import Article, Failure, PageRecord, RawPage, WebBatch, WebPage, utcnow
from tasks.sandbox import SandboxConfig, SandboxError, run_isolated
from tests.conftest import EXTRACTION, RPM2, SEEDS, require
from warehouse.db import connect
from warehouse.load import load_batch

BASELINE = Path(__file__).parent / "parity" / "baseline.json"
UPDATE = os.environ.get("NEWSFLOW_UPDATE_PARITY") == "1"
SCHEMAS = ("main", "internals")
FLOAT_DIGITS = 6
EXTRACTION_PAGES = 300
FETCHED_AT = datetime(2024, 1, 1, 12, 0, 0)   # the pages' fetch time: an input, fixed
# Versions whose change may change the hashes by itself (shown when a comparison fails).
VERSIONED = ("duckdb", "trafilatura", "htmldate", "lxml")

# Columns left out of the hashes: the wall-clock times the loader stamps (found by building twice
# and diffing). Run ids are not here: the test passes fixed ones, so they are compared. A time in
# any other column that is not before the build's start is derived from such a stamp (a story of
# undated articles is "seen" when they were ingested) and is hashed as "<run time>".
VARYING = {
    "articles": {"ingested_at"},
    "article_versions": {"fetched_at"},
    "article_changes": {"previous_fetched_at", "detected_at"},
    "article_checks": {"checked_at"},
    "batches": {"committed_at"},
    "failures": {"failed_at"},
    "raw_pages": {"stored_at"},
    "schema_migrations": {"applied_at"},
    "sources": {"first_seen", "last_seen"},
}


@dataclass(frozen=True)
class PinnedFile(InputFile):
    """A file read from its real path but known by a fixed URI, so that its article id (a hash of
    the URI) is the same in every checkout."""

    pinned_uri: str = ""

    @property
    def uri(self) -> str:
        return self.pinned_uri


def pinned(items: list[InputFile], root: Path, name: str) -> list[InputFile]:
    """The discovered files, with `root` replaced by /parity/<name> in their source and URI."""
    real, fake = str(root.resolve()), f"/parity/{name}"
    return [PinnedFile(item.source_id.replace(real, fake, 1), item.path,
                       Path(fake, Path(item.path).relative_to(real)).as_uri()) for item in items]


def read_files(items: list[InputFile]) -> tuple[list[Article], list[Failure]]:
    """What the flow's read-and-clean task does, in this process (text files are fast)."""
    articles: list[Article] = []
    failures: list[Failure] = []
    for result in map(article_from_file, items):
        (failures if isinstance(result, Failure) else articles).append(result)
    return articles, failures


# --- the three builds ------------------------------------------------------------------------


def build_seeds(db: Path) -> duckdb.DuckDBPyConnection:
    """seeds/ in one batch."""
    con = connect(db)
    items, failures = discover_files([str(SEEDS)])
    articles, more = read_files(pinned(items, SEEDS, "seeds"))
    load_batch(con, "parity-seeds", 0, articles, failures + more)
    return con


def build_rpm2(db: Path) -> duckdb.DuckDBPyConnection:
    """RPM2's 200 articles in four batches of 50, in a fixed shuffled order."""
    folder = require(RPM2 / "documents")
    items, failures = discover_files([str(folder)])
    items = pinned(items, folder, "rpm2")
    random.Random(0).shuffle(items)
    con = connect(db)
    for batch_no in range(4):
        articles, more = read_files(items[batch_no * 50 : (batch_no + 1) * 50])
        load_batch(con, "parity-rpm2", batch_no, articles, (failures if batch_no == 0 else []) + more)
    return con


def page_url(name: str, urls: dict[str, str]) -> str:
    """The page's URL in the corpus, else a publisher-like one made from its file name."""
    stem = name.removesuffix(".html")
    if name in urls:
        return urls[name]
    host = re.match(r"[a-z0-9-]+\.[a-z]{2,3}", stem.lower())
    return f"https://{host.group(0) if host else stem.lower() + '.example'}/{stem}"


def build_extraction(db: Path) -> duckdb.DuckDBPyConnection:
    """The first 300 extraction pages as fetched web pages (sandboxed extraction on 2 workers, page
    states and raw pages written), in three batches of 100."""
    html = require(EXTRACTION / "html")
    evaldata = json.loads(require(EXTRACTION / "evaldata.json").read_text(encoding="utf-8"))
    urls = {entry["file"]: url for url, entry in evaldata.items()}
    names = sorted(p.name for p in html.iterdir() if p.name.endswith(".html"))[:EXTRACTION_PAGES]
    pages, raws = [], []
    for name in names:
        body = (html / name).read_bytes()
        url = page_url(name, urls)
        sha = hashlib.sha256(body).hexdigest()
        pages.append(WebPage(f"url:{url}", url, url, body, None, sha))
        raws.append(RawPage(sha, zlib.compress(body, 6), len(body), "text/html", None, url))
    results = run_isolated(article_from_page, pages, SandboxConfig(workers=2))
    con = connect(db)
    for batch_no, start in enumerate(range(0, len(pages), 100)):
        articles, failures, records = [], [], []
        for page, result in zip(pages[start : start + 100], results[start : start + 100], strict=True):
            if isinstance(result, SandboxError):
                failures.append(Failure(page.source_id, page.url, "extract", f"extraction {result.reason}",
                                        result.detail, result.error_type))
            elif isinstance(result, Failure):
                failures.append(result)
            else:
                articles.append(result)
            records.append(PageRecord(page.url, "article", page.source_id, FETCHED_AT, final_url=page.final_url,
                                      status=200, content_type="text/html", raw_sha256=page.sha256,
                                      article_id=result.article_id if isinstance(result, Article) else None))
        load_batch(con, "parity-extraction", batch_no, articles, failures,
                   WebBatch(pages=records, raw=raws[start : start + 100]))
    return con


BUILDS: dict[str, Callable[[Path], duckdb.DuckDBPyConnection]] = {
    "seeds": build_seeds, "rpm2": build_rpm2, "extraction": build_extraction}


# --- digests ---------------------------------------------------------------------------------


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the warehouse's schemas, qualified (a new one is picked up)."""
    rows = con.execute(f"""
        SELECT schema_name, table_name FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name IN {SCHEMAS} AND NOT internal AND NOT temporary
        UNION ALL
        SELECT schema_name, view_name FROM duckdb_views()
        WHERE database_name = current_database() AND schema_name IN {SCHEMAS} AND NOT internal AND NOT temporary
    """).fetchall()
    return sorted(name if schema == "main" else f"{schema}.{name}" for schema, name in rows)


def canonical(value: Any, since: datetime) -> Any:
    """A JSON-able, run-independent form of a value: floats rounded, times and bytes as text,
    times stamped during the build (at or after `since`) as "<run time>"."""
    if isinstance(value, float):
        return round(value, FLOAT_DIGITS) + 0.0   # + 0.0: -0.0 and 0.0 hash alike
    if isinstance(value, datetime) and value.replace(tzinfo=None) >= since:
        return "<run time>"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): canonical(v, since) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v, since) for v in value]
    return value


def digest(con: duckdb.DuckDBPyConnection, relation: str, since: datetime) -> dict[str, Any]:
    """Row count, hashed columns and sha256 of the sorted canonical rows of one table or view."""
    schema, _, name = relation.rpartition(".")
    columns = [c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index", [schema or "main", name]).fetchall()]
    stale = VARYING.get(relation, set()) - set(columns)
    assert not stale, f"VARYING names columns {relation} no longer has: {sorted(stale)}"
    kept = [c for c in columns if c not in VARYING.get(relation, set())]
    select = ", ".join(f'"{c}"' for c in kept)
    rows = sorted(json.dumps(canonical(row, since), ensure_ascii=False, sort_keys=True)
                  for row in con.execute(f"SELECT {select} FROM {relation}").fetchall())
    sha = hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()
    return {"rows": len(rows), "sha256": sha, "columns": ",".join(kept)}


def built(build: str, db: Path) -> dict[str, dict[str, Any]]:
    """Build one warehouse and digest every table and view of it."""
    since = utcnow() - timedelta(seconds=1)
    con = BUILDS[build](db)
    try:
        return {relation: digest(con, relation, since) for relation in relations(con)}
    finally:
        con.close()


def differences(expected: dict[str, dict], actual: dict[str, dict]) -> list[str]:
    """One line per table that is missing, new, or whose rows or hash changed."""
    out = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            out.append(f"{name}: in the baseline, not in the warehouse")
        elif name not in expected:
            out.append(f"{name}: not in the baseline (a new table or view? regenerate it)")
        elif expected[name] != actual[name]:
            was, now = expected[name], actual[name]
            what = [f"rows {was['rows']} -> {now['rows']}" if was["rows"] != now["rows"] else "same row count"]
            if was["columns"] != now["columns"]:
                what.append(f"columns {was['columns']} -> {now['columns']}")
            out.append(f"{name}: {', '.join(what)}, sha256 {was['sha256'][:12]} -> {now['sha256'][:12]}")
    return out


def versions() -> dict[str, str]:
    return {package: version(package) for package in VERSIONED}


def read_baseline() -> dict[str, Any]:
    return json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}


def write_baseline(build: str, tables: dict[str, dict]) -> None:
    """Replace one build's entry (the others, e.g. of builds skipped here, are kept)."""
    baseline = read_baseline()
    baseline.setdefault("builds", {})[build] = tables
    baseline.setdefault("versions", {})[build] = versions()
    BASELINE.parent.mkdir(exist_ok=True)
    BASELINE.write_text(layout(baseline), encoding="utf-8")


def layout(baseline: dict[str, Any]) -> str:
    """The baseline as JSON with one line per table, so that a diff of it names the tables."""
    def block(entries: dict[str, Any], indent: str) -> str:
        lines = [f"{indent} {json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(entries.items())]
        return "{\n" + ",\n".join(lines) + f"\n{indent}}}"
    builds = ",\n".join(f"  {json.dumps(b)}: {block(t, '  ')}" for b, t in sorted(baseline["builds"].items()))
    return (f'{{\n "builds": {{\n{builds}\n }},\n "versions": {block(baseline["versions"], "")}\n}}\n')


@pytest.mark.slow
@pytest.mark.parametrize("build", list(BUILDS))
def test_warehouse_parity(build: str, tmp_path: Path) -> None:
    """Every table of the build matches the committed baseline (in update mode: two builds agree,
    and become the baseline)."""
    actual = built(build, tmp_path / "first.duckdb")
    if UPDATE:
        again = built(build, tmp_path / "second.duckdb")
        assert not differences(actual, again), "two builds differ, the hashes are not deterministic:\n" + "\n".join(
            differences(actual, again))
        write_baseline(build, actual)
        return
    baseline = read_baseline()
    expected = baseline.get("builds", {}).get(build)
    assert expected is not None, f"{BASELINE} has no build {build!r}: run with NEWSFLOW_UPDATE_PARITY=1"
    diff = differences(expected, actual)
    then = baseline.get("versions", {}).get(build, {})
    note = "" if then == versions() else f"\n(baseline made with {then}, this run has {versions()})"
    assert not diff, (f"the {build} warehouse differs from {BASELINE.name} in {len(diff)} tables:\n"
                      + "\n".join(diff) + note
                      + "\nIf the change is intended, regenerate: NEWSFLOW_UPDATE_PARITY=1 pytest tests/test_parity.py")
