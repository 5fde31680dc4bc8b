"""WARC throughput: reading and filtering alone, and `newsflow ingest` end to end, each against a
baseline measured in the same run.

    .venv/bin/python bench/warc_throughput.py [--copies N] [--limit N] [--skip-ingest]

Builds CC-NEWS-shaped archives (gzip per record; each page as request + response + metadata
records, as Common Crawl writes them) from ../shared/eval/extraction/html in a temp folder.

Read + filter: tasks/web/warc.warc_batches over the archive (the corpus written `--copies` times
under distinct hosts), once keeping everything and once with --site/--language filters, against
fastwarc's own ArchiveIterator (parse_http, payload read) over the same file: records/s, MB/s, ratio
(newsflow's speed as a fraction of fastwarc's: the framing that survives corrupt records costs the rest).

End to end: `newsflow ingest ARCHIVE.warc.gz` (one copy of the corpus; the whole command, Prefect
start-up included) against `newsflow ingest FOLDER` of the same pages as .html files, into fresh
warehouses: pages/s and the ratio. The two commands alternate order when repeated (--repeat).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastwarc.warc import ArchiveIterator  # noqa: E402

from bench.command import timed_ingest  # noqa: E402
from tasks.web.warc import WarcFilter, file_chunks, warc_batches, warc_filter  # noqa: E402
from tests.warc_files import Rec, warc_bytes  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "extraction" / "html"


def build_archive(pages: list[Path], path: Path, copies: int) -> int:
    """Write the archive; returns the number of records."""
    records = 0
    with open(path, "wb") as out:
        for copy in range(copies):
            for page in pages:
                uri = f"https://site{copy}-{page.stem[:2]}.example/news/{page.stem}.html"
                # No charset in the Content-Type: the corpus files come without HTTP headers, and the
                # HTML-files baseline decodes them from their bytes and <meta> alone.
                recs = [Rec(uri, kind="request"), Rec(uri, page.read_bytes(), content_type="text/html"),
                        Rec(uri, kind="metadata")]
                out.write(warc_bytes(recs))
                records += len(recs)
    return records


def read_filter(path: Path, keep: WarcFilter) -> tuple[float, int, int]:
    start = time.perf_counter()
    records = pages = 0
    for batch in warc_batches(file_chunks(str(path)), "warc:bench", path.as_uri(), keep, 200):
        records += batch.records
        pages += len(batch.pages)
    return time.perf_counter() - start, records, pages


def bare_fastwarc(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    records = 0
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh, parse_http=True):
            record.reader.read()
            records += 1
    return time.perf_counter() - start, records


def ingest(target: Path, db: Path) -> tuple[float, str]:
    elapsed, done = timed_ingest([str(target), "--db", str(db)])
    line = next((ln for ln in done.stdout.splitlines() if " inputs: " in ln), "")
    return elapsed, line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=5, help="times the corpus is written for read+filter")
    parser.add_argument("--limit", type=int, default=0, help="pages of the corpus to use (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="end-to-end pairs to run")
    parser.add_argument("--skip-ingest", action="store_true", help="read+filter only")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: {args.corpus} is absent (put ../shared/eval beside the checkout)")
        return 0
    pages = sorted(args.corpus.glob("*.html"))
    if args.limit:
        pages = pages[: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        big = tmp_path / "big.warc.gz"
        n = build_archive(pages, big, args.copies)
        mb = big.stat().st_size / 1e6
        print(f"read+filter archive: {n} records ({args.copies} × {len(pages)} pages × request/response/metadata), "
              f"{mb:.0f} MB gzipped")
        read_filter(big, WarcFilter())   # warm the page cache
        bare, bare_n = bare_fastwarc(big)
        everything, records, kept = read_filter(big, WarcFilter())
        by_site, _, kept_site = read_filter(big, warc_filter(["site0-0a.example", "site1-0b.example"]))
        by_language, _, kept_language = read_filter(big, warc_filter(language="de"))
        print(f"  fastwarc ArchiveIterator alone: {bare_n / bare:,.0f} records/s ({mb / bare:.0f} MB/s)")
        print(f"  newsflow read, no filter:       {records / everything:,.0f} records/s ({mb / everything:.0f} MB/s),"
              f" {kept} pages; {bare / everything:.2f}× fastwarc's speed")
        for name, elapsed, kept_n in (("--site ×2", by_site, kept_site), ("--language de", by_language, kept_language)):
            print(f"  newsflow read, {name}: {records / elapsed:,.0f} records/s ({mb / elapsed:.0f} MB/s), "
                  f"{kept_n} pages; {bare / elapsed:.2f}× fastwarc's speed")
        if args.skip_ingest:
            return 0
        one = tmp_path / "corpus.warc.gz"
        build_archive(pages, one, 1)
        folder = tmp_path / "html"
        folder.mkdir()
        for page in pages:
            (folder / page.name).write_bytes(page.read_bytes())
        for i in range(args.repeat):
            order = [("warc", one), ("html files", folder)]
            for name, target in (order if i % 2 == 0 else order[::-1]):
                elapsed, line = ingest(target, tmp_path / f"{name.replace(' ', '_')}{i}.duckdb")
                print(f"end to end, newsflow ingest {name} ({len(pages)} pages): {elapsed:.1f} s, "
                      f"{len(pages) / elapsed:.1f} pages/s — {line}")
                if name == "warc":
                    warc_s = elapsed
                else:
                    html_s = elapsed
            print(f"  WARC / HTML files wall time: {warc_s / html_s:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
