"""What the read snapshot costs: publishing alone, and whole `newsflow ingest` runs with and without it.

    .venv/bin/python bench/snapshot_publish.py --base bench/out/base-100000.duckdb \
        --new bench/out/synth-101000/00100 [--repeat 3]

1. `publish()` alone on the base warehouse (stamp, CHECKPOINT, copy, rename), 3 times each: a full
   copy (no spare yet) and an incremental one (a spare two publishes old): median seconds, MB/s.
2. The whole command a user runs, `newsflow ingest NEW --db COPY` (start-up included), on a fresh copy
   of the base warehouse each time, alternately with publishing on (the default) and off
   (NEWSFLOW_READ_SNAPSHOT=off), `--repeat` times each: the ratio of the medians is the cost of
   publishing (target ≤ 1.05). With publishing on, the copy first gets a snapshot and a spare (not
   timed), as a warehouse in service has them; each run's publish line (count, seconds, MB written)
   is printed.
Base: a warehouse from bench/scale.py --keep, or `newsflow ingest` of bench/corpus.py folders.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.command import timed_ingest  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.snapshot import SWITCH_ENV, publish, snapshot_path, spare_path  # noqa: E402


def publish_alone(base: Path, work: Path, times: int = 3) -> tuple[float, float, float, float]:
    """Median seconds of a full publish (no spare yet) and of an incremental one (nothing changed but
    the stamp: the floor of a publish), and the file's MB and the MB the incremental one wrote."""
    db = work / "alone.duckdb"
    shutil.copyfile(base, db)
    full, incremental, written = [], [], []
    with connect(db) as con:   # migrated before timing
        for _ in range(times):
            for old in (snapshot_path(db), spare_path(db)):
                old.unlink(missing_ok=True)
            full.append(publish(con, db).seconds)
        publish(con, db)   # the snapshot before becomes the spare
        for _ in range(times):
            done = publish(con, db)
            assert done.incremental
            incremental.append(done.seconds)
            written.append(done.copied_bytes / 1e6)
    size = snapshot_path(db).stat().st_size
    return statistics.median(full), statistics.median(incremental), size / 1e6, statistics.median(written)


def whole_command(base: Path, new: Path, work: Path, publishing: bool) -> tuple[float, str]:
    """Seconds of `newsflow ingest NEW` into a copy of `base` as a new process, and its publish line.
    With publishing on, the copy has a snapshot and a spare, as a warehouse in service has."""
    db = work / "run.duckdb"
    for leftover in (db, snapshot_path(db), spare_path(db)):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(base, db)
    with connect(db) as con:   # pending migrations applied before timing, as on a warehouse in service
        if publishing:
            publish(con, db)
            publish(con, db)
    env = {SWITCH_ENV: "on" if publishing else "off"}
    elapsed, done = timed_ingest([str(new), "--db", str(db), "--verbose"], env=env)
    assert snapshot_path(db).exists() == publishing
    said = [line.split("read snapshot ", 1)[1] for line in (done.stdout + done.stderr).splitlines()
            if "read snapshot published" in line]
    return elapsed, said[-1] if said else ""


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
        full, incremental, mb, written = publish_alone(args.base, work)
        print(f"publish alone, full copy: median {full:.2f} s for {mb:.0f} MB ({mb / full:.0f} MB/s)")
        print(f"publish alone, incremental, nothing loaded since: median {incremental:.2f} s ({written:.1f} MB written)")
        on, off = [], []
        for _ in range(args.repeat):
            off.append(whole_command(args.base, args.new, work, publishing=False)[0])
            seconds, said = whole_command(args.base, args.new, work, publishing=True)
            on.append(seconds)
            print(f"  run with publishing: {seconds:.1f} s; {said}")
        print("newsflow ingest, publishing off: " + ", ".join(f"{t:.1f}" for t in off) + " s")
        print("newsflow ingest, publishing on:  " + ", ".join(f"{t:.1f}" for t in on) + " s")
        ratio = statistics.median(on) / statistics.median(off)
        print(f"cost of publishing: ratio of medians {ratio:.3f} (target ≤ 1.05)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
