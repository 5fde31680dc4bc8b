"""Ingest into a DuckDB file vs into a DuckLake (SQLite catalog, local Parquet files), same run, and
two concurrent writer processes into one lake.

    .venv/bin/python bench/ducklake_ingest.py [--limit N] [--batch-size B] [--no-concurrent]

Inputs: the seeds, then the RPM2 articles (../shared/eval/clustering/rpm2/documents). Each target
gets a fresh warehouse; read and clean are done once up front, so the timings are load_batch only
(dedup, copies, stories, writes). The concurrent part runs tests/lake_writer.py twice on the same
inputs in opposite orders and reports wall time, articles, and batches recomputed after conflicts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.documents.article import article_from_file  # noqa: E402
from tasks.documents.read import discover_files  # noqa: E402
from tasks.models import Failure  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.load import load_batch  # noqa: E402

RPM2 = ROOT.parent / "shared" / "eval" / "clustering" / "rpm2" / "documents"


def prepared(paths: list[str]):
    items, failures = discover_files(paths)
    articles = []
    for item in items:
        result = article_from_file(item)
        (failures if isinstance(result, Failure) else articles).append(result)
    return articles, failures


def timed_load(target: str, articles, failures, batch_size: int) -> tuple[float, int, int]:
    start = time.perf_counter()
    con = connect(target)
    loaded = 0
    for batch_no, i in enumerate(range(0, max(len(articles), 1), batch_size)):
        loaded += len(load_batch(con, "bench", batch_no, articles[i : i + batch_size], failures if i == 0 else []).loaded)
    stories = con.execute("SELECT count(*) FROM stories").fetchone()[0]
    con.close()
    return time.perf_counter() - start, loaded, stories


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="RPM2 articles to use (default: all 200)")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--writer-batch-size", type=int, default=20, help="batch size of the concurrent writers")
    parser.add_argument("--no-concurrent", action="store_true")
    args = parser.parse_args()
    if not RPM2.is_dir():
        print(f"skipped: {RPM2} is absent (put ../shared/eval beside the checkout)")
        return 0
    documents = sorted(str(p) for p in RPM2.glob("*.txt"))
    if args.limit:
        documents = documents[: args.limit]
    seeds = sorted(str(p) for p in (ROOT / "seeds").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, paths) in enumerate((("seeds", seeds), (f"rpm2 x{len(documents)}", documents))):
            articles, failures = prepared(paths)
            results = {}
            for kind, target in (("duckdb file", f"{tmp}/{n}.duckdb"),
                                 ("ducklake sqlite", f"ducklake:sqlite:{tmp}/{n}/catalog.sqlite")):
                results[kind] = timed_load(target, articles, failures, args.batch_size)
                seconds, loaded, stories = results[kind]
                print(f"{name:>10} into {kind:<16}: {seconds:6.2f} s  ({loaded} articles, {stories} stories)")
            print(f"{name:>10} ratio ducklake/duckdb: {results['ducklake sqlite'][0] / results['duckdb file'][0]:.2f}")
        if not args.no_concurrent:
            target = f"ducklake:sqlite:{tmp}/concurrent/catalog.sqlite"
            connect(target).close()
            inputs = seeds + documents
            start = time.perf_counter()
            writers = [subprocess.Popen([sys.executable, str(ROOT / "tests" / "lake_writer.py"), target,
                                         str(args.writer_batch_size), *order], stdout=subprocess.PIPE, text=True)
                       for order in (inputs, inputs[::-1])]
            outputs = [w.communicate()[0].strip() for w in writers]
            wall = time.perf_counter() - start
            with connect(target, read_only=True) as con:
                n, distinct = con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone()
            print(f"two concurrent writers, {len(inputs)} inputs each, batches of {args.writer_batch_size}: "
                  f"{wall:.2f} s wall; articles {n} ({distinct} distinct)")
            for out in outputs:
                print(f"  {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
