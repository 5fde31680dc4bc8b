"""Ingest at scale through the real flow: a large warehouse, the cost of 1,000 more, peak memory.

    .venv/bin/python bench/scale.py [--base 100000] [--new 1000] [--workers 2] [--batch-size 200]
                                    [--repeat 3] [--keep PATH | --reuse PATH]

Inputs: `base + new` synthetic articles from bench/corpus.py (real RPM2 and extraction-corpus text,
recombined into new stories, 30% near-copies), written once to bench/out/synth-<base+new>/ in
folders of 1,000; the `new` ones are the last folders (they include near-copies of base articles).
Steps, each a call of the `ingest-files` flow (Prefect's temporary server, started before timing):
  1. new  → empty warehouse                       (T_empty)
  2. base → a second warehouse                    (throughput, peak RSS sampled every 0.2 s)
  3. new  → a copy of the warehouse holding `base` articles, with its read snapshot and spare (T_incremental)
Steps 1 and 3 are repeated `--repeat` times, alternately, each on a fresh empty warehouse or a
fresh copy (this VM's timings vary by ±20% from run to run): the ratio is of the medians.
Prints articles/s, T_incremental / T_empty (target ≤ 1.2), and the peak RSS of the flow process
(the one writer) and of its extraction workers (target ≤ 1 GB), while building the base and while
adding the new articles to it. `--keep PATH` keeps the large
warehouse (before step 3); `--reuse PATH` skips step 2 and starts from a kept one (migrated
before timing), to measure steps 1 and 3 again after a change of the loader.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

from newsflow.server import own_home  # noqa: E402

own_home()   # as the CLI: a temporary Prefect home of its own (before Prefect is imported), never ~/.prefect

import psutil  # noqa: E402

from bench.corpus import PER_FOLDER, base_texts, rpm2_texts, write_files  # noqa: E402
from warehouse.snapshot import publish_now, snapshot_path, spare_path  # noqa: E402

OUT = ROOT / "bench" / "out"


class PeakRss:
    """Samples the RSS of this process and of its extraction workers (the Prefect server aside)."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.main = self.worker = self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                main = me.memory_info().rss
                workers = [c.memory_info().rss for c in me.children(recursive=True)
                           if "uvicorn" not in " ".join(c.cmdline())]
            except psutil.Error:
                continue
            self.main = max(self.main, main)
            self.worker = max([self.worker, *workers])
            self.total = max(self.total, main + sum(workers))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def corpus(n: int, texts: str, per_folder: int) -> Path:
    dest = OUT / f"synth-{n}" if (texts, per_folder) == ("all", PER_FOLDER) else OUT / f"synth-{n}-{texts}-{per_folder}"
    if not (dest / "truth.csv").exists():
        start = time.perf_counter()
        write_files(dest, n, per_folder=per_folder, texts=base_texts() if texts == "all" else rpm2_texts())
        print(f"wrote {n} synthetic articles to {dest} in {time.perf_counter() - start:.0f} s", flush=True)
    return dest


def ingest(folders: list[Path], db: Path, workers: int, batch_size: int) -> tuple[float, object]:
    from flows.ingest import ingest_files

    start = time.perf_counter()
    summary = ingest_files([str(f) for f in folders], db=str(db), batch_size=batch_size, workers=workers)
    return time.perf_counter() - start, summary


def copy_warehouse(source: Path, target: Path) -> None:
    """The warehouse file with its read snapshot and the snapshot's spare (warehouse/snapshot.py):
    a run into a warehouse that has been running updates the spare's changed blocks; into a bare
    copy of the file its first two publishes copy all of it (1.2 GB, ~5 s each at 100,000 articles),
    which no scheduled run pays."""
    shutil.copy(source, target)
    for path, copy in ((snapshot_path(source), snapshot_path(target)), (spare_path(source), spare_path(target))):
        if path.exists():
            shutil.copy(path, copy)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=int, default=100_000, help="articles already in the warehouse")
    parser.add_argument("--new", type=int, default=1_000, help="articles added (a multiple of 1,000)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="runs of steps 1 and 3 (medians are compared)")
    parser.add_argument("--keep", type=Path, help="copy the large warehouse here")
    parser.add_argument("--reuse", type=Path, help="start from this kept large warehouse (skips step 2)")
    parser.add_argument("--folder-size", type=int, default=PER_FOLDER, help="articles per folder of the corpus")
    parser.add_argument("--texts", choices=("all", "rpm2"), default="all",
                        help="base texts: RPM2 and the extraction pages (all), or RPM2 alone (quick)")
    args = parser.parse_args()
    if not (ROOT.parent / "shared" / "eval").is_dir():
        print("skipped: ../shared/eval is absent (the synthetic corpus is built from it)")
        return 0
    if args.base % args.folder_size or args.new % args.folder_size:
        parser.error(f"--base and --new must be multiples of --folder-size ({args.folder_size})")
    src = corpus(args.base + args.new, args.texts, args.folder_size)
    folders = sorted(p for p in src.iterdir() if p.is_dir())
    base, new = folders[: args.base // args.folder_size], folders[args.base // args.folder_size :]

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ingest([ROOT / "seeds"], tmp / "warmup.duckdb", args.workers, args.batch_size)  # starts Prefect's server

        if args.reuse:
            from warehouse.db import connect

            shutil.copy(args.reuse, tmp / "big.duckdb")
            connect(tmp / "big.duckdb").close()   # applies pending migrations, untimed
            for _ in range(2):   # the snapshot and its spare, as a warehouse that has been running has them
                publish_now(tmp / "big.duckdb")
            rss, t_base, s_base = None, None, None
        else:
            with PeakRss() as rss:
                t_base, s_base = ingest(base, tmp / "big.duckdb", args.workers, args.batch_size)
        size = (tmp / "big.duckdb").stat().st_size
        if args.keep:
            shutil.copy(tmp / "big.duckdb", args.keep)
        empty_times, incr_times, incr_rss = [], [], []
        for run in range(args.repeat):
            (tmp / "empty.duckdb").unlink(missing_ok=True)
            t_empty, s_empty = ingest(new, tmp / "empty.duckdb", args.workers, args.batch_size)
            copy_warehouse(tmp / "big.duckdb", tmp / "incr.duckdb")
            with PeakRss() as rss_run:
                t_incr, s_incr = ingest(new, tmp / "incr.duckdb", args.workers, args.batch_size)
            incr_rss.append(rss_run)
            empty_times.append(t_empty)
            incr_times.append(t_incr)
            print(f"run {run + 1}: into empty {t_empty:.1f} s, into the large warehouse {t_incr:.1f} s", flush=True)
        t_empty, t_incr = statistics.median(empty_times), statistics.median(incr_times)

    mb = 1024 * 1024
    if s_base is None:
        print(f"base: {args.reuse} ({size / mb:.0f} MB), reused: no base run, no peak RSS")
    else:
        print(f"{args.base} base articles: {s_base.articles_loaded} loaded, {s_base.near_copies} near and "
          f"{s_base.exact_copies} exact copies, {s_base.stories_created} stories, {len(s_base.failures)} failures; "
          f"{t_base:.0f} s ({s_base.articles_loaded / t_base:.0f} articles/s, {args.workers} workers, "
          f"batches of {args.batch_size}); warehouse file {size / mb:.0f} MB")
        print(f"peak RSS while ingesting them: flow process {rss.main / mb:.0f} MB, largest extraction worker "
              f"{rss.worker / mb:.0f} MB, all together {rss.total / mb:.0f} MB")
    print(f"{args.new} new articles into an empty warehouse: median {t_empty:.1f} s of "
          f"{', '.join(f'{t:.1f}' for t in empty_times)} ({s_empty.articles_loaded} loaded, "
          f"{s_empty.near_copies} near copies)")
    print(f"{args.new} new articles into the {args.base} articles: median {t_incr:.1f} s of "
          f"{', '.join(f'{t:.1f}' for t in incr_times)} ({s_incr.articles_loaded} loaded, "
          f"{s_incr.near_copies} near copies)")
    print(f"peak RSS while adding them to the {args.base} articles: flow process "
          f"{max(r.main for r in incr_rss) / mb:.0f} MB, largest extraction worker "
          f"{max(r.worker for r in incr_rss) / mb:.0f} MB (the highest of the {args.repeat} runs)")
    print(f"ratio incremental/empty (medians): {t_incr / t_empty:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
