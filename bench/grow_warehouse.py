"""Grow a warehouse K-fold by replicating its articles under new ids, for benchmarks of costs that
depend on the warehouse's size (the read snapshot's copy, the loader's lookups).

    .venv/bin/python bench/grow_warehouse.py SOURCE.duckdb DEST.duckdb --factor 20

Every article-keyed row (articles and what hangs off them: paragraphs, fingerprints, copies,
stories and their index, pages, raw pages, quotes, mentions...) is copied K-1 more times with its
ids, URLs and hashes prefixed `kN_`, and term document frequencies are multiplied by K, so the file
has K times the articles with the same shape. Runs, sources, robots, site lines and entities are
kept once. The text is the same K times: a benchmark whose cost depends on the text's variety
(near-copy candidates) should use bench/scale.py's real ingest instead.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.db import connect, transaction  # noqa: E402

TABLES = ("articles", "article_authors", "metadata_sources", "paragraphs", "removed_lines", "copied_paragraphs",
          "duplicates", "stories", "story_articles", "internals.story_index", "internals.story_terms",
          "internals.fingerprints", "internals.fingerprint_sizes", "internals.enriched", "quotes", "mentions",
          "pages", "raw_pages", "failures")
PREFIXED = {"article_id", "duplicate_of", "story_id", "quote_id", "source_uri", "url", "final_url", "raw_sha256",
            "sha256"}


def grow(con, factor: int) -> None:
    with transaction(con):
        for table in TABLES:
            schema, _, name = table.rpartition(".")
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
                [schema or "main", name]).fetchall()]
            select = ", ".join(f"'k' || k.i || '_' || {c}" if c in PREFIXED else c for c in columns)
            con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {table}, range(1, ?) k(i)",
                        [factor])
        con.execute("UPDATE internals.term_df SET df = df * ?", [factor])
    con.execute("CHECKPOINT")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("dest", type=Path)
    ap.add_argument("--factor", type=int, default=20)
    args = ap.parse_args()
    shutil.copyfile(args.source, args.dest)
    started = time.perf_counter()
    with connect(args.dest) as con:
        grow(con, args.factor)
        n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"{args.dest}: {n} articles, {args.dest.stat().st_size / 1e6:.0f} MB ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
