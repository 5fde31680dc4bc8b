"""What the read snapshot costs: publishing alone, and whole `newsflow ingest` runs with and without it.

    .venv/bin/python bench/snapshot_publish.py --base bench/out/base-100000.duckdb \
        --new bench/out/synth-101000/00100 [--repeat 3]

1. `publish()` alone on the base warehouse (CHECKPOINT, copy, stamp, rename), 5 times: median seconds
   and MB/s.
2. The whole command a user runs, `newsflow ingest NEW --db COPY` (start-up included), on a fresh copy
   of the base warehouse each time, alternately with publishing on (the default) and off
   (NEWSFLOW_READ_SNAPSHOT=off), `--repeat` times each: the ratio of the medians is the cost of
   publishing (target ≤ 1.05).
Base: a warehouse from bench/scale.py --keep, or `newsflow ingest` of bench/corpus.py folders.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.db import connect  # noqa: E402
from warehouse.snapshot import SWITCH_ENV, publish, snapshot_path  # noqa: E402


def publish_alone(base: Path, work: Path, times: int = 5) -> tuple[float, float]:
    db = work / "alone.duckdb"
    shutil.copyfile(base, db)
    seconds = []
    with connect(db) as con:   # migrated before timing
        for _ in range(times):
            seconds.append(publish(con, db).seconds)
    size = snapshot_path(db).stat().st_size
    return statistics.median(seconds), size / 1e6


def whole_command(base: Path, new: Path, work: Path, publishing: bool) -> float:
    db = work / "run.duckdb"
    for leftover in (db, snapshot_path(db)):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(base, db)
    with connect(db):   # pending migrations applied before timing, as on a warehouse in service
        pass
    env = {**os.environ, SWITCH_ENV: "on" if publishing else "off"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsflow.cli", "ingest", str(new), "--db", str(db)], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    assert snapshot_path(db).exists() == publishing
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--new", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with connect(args.base, read_only=True) as con:
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"base: {articles} articles, {args.base.stat().st_size / 1e6:.0f} MB; new: {args.new}")
    with tempfile.TemporaryDirectory(dir=args.base.parent) as tmp:
        work = Path(tmp)
        seconds, mb = publish_alone(args.base, work)
        print(f"publish alone: median {seconds:.2f} s for {mb:.0f} MB ({mb / seconds:.0f} MB/s)")
        on, off = [], []
        for _ in range(args.repeat):
            off.append(whole_command(args.base, args.new, work, publishing=False))
            on.append(whole_command(args.base, args.new, work, publishing=True))
        print("newsflow ingest, publishing off: " + ", ".join(f"{t:.1f}" for t in off) + " s")
        print("newsflow ingest, publishing on:  " + ", ".join(f"{t:.1f}" for t in on) + " s")
        ratio = statistics.median(on) / statistics.median(off)
        print(f"cost of publishing: ratio of medians {ratio:.3f} (target ≤ 1.05)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
