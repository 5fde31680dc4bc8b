"""Extraction with 1 and 2 worker processes (and on Dask), on the same pages, in the same run.

    .venv/bin/python bench/parallel_extraction.py [--limit N] [--slices 4] [--flows]

1. The extraction stage alone: read → trafilatura (with metadata) → clean → fingerprint and
   terms, over the pages of ../shared/eval/extraction/html, in the sandbox pool with 1 and 2
   workers (the same function the flow runs). Ratio 2 workers / 1 worker. The pages are cut in
   `--slices` slices and the two set-ups alternate slice by slice (which goes first alternates
   too), so that both see the same machine: on a shared VM the speed drifts over a minute by
   more than the effect measured.
2. With --flows, the whole `ingest-files` flow (extraction and the one writer overlapped) with
   the local task runner and 1 or 2 workers, and with the DaskTaskRunner on a LocalCluster of 2
   workers. On a 2-core machine the 1-worker flow already uses the second core for the writer,
   so its ratio is bounded by (extract + load) / max(extract, load), not by 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

from newsflow.server import own_home  # noqa: E402

own_home()   # as the CLI: a temporary Prefect home of its own (before Prefect is imported), never ~/.prefect

from tasks.documents.article import article_from_file  # noqa: E402
from tasks.documents.read import InputFile, source_id_for_path  # noqa: E402
from tasks.sandbox import SandboxConfig, run_isolated, shutdown  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "extraction" / "html"


def extract(items: list[InputFile], workers: int) -> float:
    config = SandboxConfig(workers=workers)
    run_isolated(article_from_file, items[: 2 * workers], config)   # start the workers before timing
    start = time.perf_counter()
    results = run_isolated(article_from_file, items, config)
    elapsed = time.perf_counter() - start
    shutdown()
    assert len(results) == len(items)
    return elapsed


def flow_run(paths: list[Path], workers: int, dask: bool) -> float:
    from flows.ingest import ingest_files
    from flows.runners import make_task_runner

    flow = ingest_files.with_options(task_runner=make_task_runner("dask" if dask else "local", workers))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = flow([str(p) for p in paths], db=str(Path(tmp) / "bench.duckdb"), workers=workers)
        elapsed = time.perf_counter() - start
    assert summary.articles_loaded > 0
    shutdown()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="pages to use (default: all)")
    parser.add_argument("--slices", type=int, default=4, help="alternate 1 and 2 workers over this many slices")
    parser.add_argument("--flows", action="store_true", help="also time whole flow runs (local 1/2 workers, Dask)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent (put ../shared/eval beside the checkout)")
        return 0
    pages = sorted(CORPUS.glob("*.html"))[: args.limit or None]
    items = [InputFile(source_id_for_path(CORPUS), str(p)) for p in pages]
    n = len(items)
    print(f"{n} pages, {os.cpu_count()} cores")
    one = two = 0.0
    size = -(-n // max(1, args.slices))
    for k, i in enumerate(range(0, n, size)):
        for workers in ((1, 2) if k % 2 == 0 else (2, 1)):
            seconds = extract(items[i : i + size], workers)
            one, two = (one + seconds, two) if workers == 1 else (one, two + seconds)
    print(f"extraction stage, 1 worker:  {n / one:7.1f} pages/s")
    print(f"extraction stage, 2 workers: {n / two:7.1f} pages/s")
    print(f"ratio 2 workers / 1 worker (extraction): {one / two:.2f}")
    if args.flows:
        flow_run(pages[:5], 1, False)   # starts Prefect's temporary server before timing
        times = {label: flow_run(pages, workers, dask) for label, workers, dask in
                 (("local, 1 worker", 1, False), ("local, 2 workers", 2, False), ("dask, 2 workers", 2, True))}
        for label, seconds in times.items():
            print(f"ingest-files flow, {label:<17} {n / seconds:7.1f} pages/s")
        print(f"ratio 2 workers / 1 worker (whole flow): {times['local, 1 worker'] / times['local, 2 workers']:.2f}")
        print(f"ratio dask 2 workers / local 1 worker (whole flow): "
              f"{times['local, 1 worker'] / times['dask, 2 workers']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
