"""The whole `newsflow ingest` command (start-up included) next to bare trafilatura, same run.

    .venv/bin/python bench/whole_command.py [--pages 300 1000] [--repeat 1] [--checkout DIR]

Baseline: trafilatura.extract(html bytes, with_metadata=True) on each page, one process, timed
once before and once after the command (their mean: the machine drifts on a shared VM).
Command: `newsflow ingest DIR --db FRESH.duckdb` as a new process, as a user runs it: Prefect's
temporary server, its own PREFECT_HOME, the extraction workers, the summary. Wall clock from
the process's start to its exit. Prints pages/s of each and the ratio command/baseline.
--checkout runs the command from another checkout (e.g. an older commit's worktree), to compare.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.command import timed_ingest  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "extraction" / "html"


def baseline_seconds(blobs: list[bytes]) -> float:
    import trafilatura

    start = time.perf_counter()
    for blob in blobs:
        trafilatura.extract(blob, with_metadata=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each size (each with its own baseline)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the checkout whose newsflow runs (default: this one)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: {args.corpus} is absent (put ../shared/eval beside the checkout)")
        return 0
    pages = sorted(args.corpus.glob("*.html"))
    baseline_seconds([pages[0].read_bytes()])   # trafilatura's first call loads its data (the command's workers do too)
    for n in args.pages:
        chosen = pages[:n]
        blobs = [p.read_bytes() for p in chosen]
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp) / "pages"
                folder.mkdir()
                for page in chosen:
                    shutil.copy(page, folder / page.name)
                before = baseline_seconds(blobs)
                whole, _ = timed_ingest([str(folder), "--db", str(Path(tmp) / "bench.duckdb")], args.checkout.resolve())
                after = baseline_seconds(blobs)
            base = (before + after) / 2
            print(f"{len(chosen)} pages: bare trafilatura.extract(with_metadata=True) {len(chosen) / base:6.1f} pages/s "
                  f"({before:.1f} s / {after:.1f} s); whole `newsflow ingest` {len(chosen) / whole:6.1f} pages/s "
                  f"({whole:.1f} s); ratio command/baseline {base / whole:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
