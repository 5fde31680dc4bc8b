"""End-to-end ingest throughput next to plain trafilatura on the same pages, in the same run.

    .venv/bin/python bench/ingest_throughput.py [--limit N] [--batch-size B]

Baseline: trafilatura.bare_extraction(html bytes, with_metadata=True) on each page.
Pipeline: read → extract (trafilatura, with metadata) → clean → site boilerplate → fingerprint →
near-copies → stories → load into a fresh DuckDB file, in batches (no Prefect: its fixed per-run
cost is measured separately in bench/RESULTS.md). The two sides alternate batch by batch.
Prints pages/s of each and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from tasks.documents.clean import clean_document  # noqa: E402
from tasks.documents.read import InputFile, read_input, source_id_for_path  # noqa: E402
from tasks.models import Failure  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.load import load_batch  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "extraction" / "html"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="pages to use (default: all)")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: {args.corpus} is absent (put ../shared/eval beside the checkout)")
        return 0
    pages = sorted(args.corpus.glob("*.html"))
    if args.limit:
        pages = pages[: args.limit]
    blobs = [p.read_bytes() for p in pages]  # both sides read from memory-cached files

    # Interleaved batch by batch (which side goes first alternates), so that both sides see the
    # same machine: on a shared VM the speed drifts over a minute by more than the gap measured.
    baseline = pipeline = 0.0
    extracted = loaded = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        for batch_no, i in enumerate(range(0, len(pages), args.batch_size)):
            for side in ((0, 1) if batch_no % 2 == 0 else (1, 0)):
                start = time.perf_counter()
                if side == 0:
                    extracted += sum(trafilatura.bare_extraction(b, with_metadata=True) is not None
                                     for b in blobs[i : i + args.batch_size])
                    baseline += time.perf_counter() - start
                    continue
                articles, failures = [], []
                for page in pages[i : i + args.batch_size]:
                    raw = read_input(InputFile(source_id_for_path(args.corpus), str(page)))
                    if isinstance(raw, Failure):
                        failures.append(raw)
                    else:
                        articles.append(clean_document(raw))
                report = load_batch(con, "bench", batch_no, articles, failures)
                loaded += len(report.loaded)
                failed += len(report.failures)
                pipeline += time.perf_counter() - start
        stories, copies = con.execute(
            "SELECT (SELECT count(*) FROM stories), (SELECT count(*) FROM duplicates)").fetchone()
        con.close()

    n = len(pages)
    print(f"pages: {n} (trafilatura found text in {extracted}; pipeline loaded {loaded}, "
          f"{failed} failures, {copies} copy links, {stories} stories)")
    print(f"baseline trafilatura.bare_extraction(with_metadata=True): {n / baseline:8.1f} pages/s")
    print(f"newsflow pipeline (extract+clean+dedup+stories+load):     {n / pipeline:8.1f} pages/s")
    print(f"ratio pipeline/baseline: {baseline / pipeline:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
