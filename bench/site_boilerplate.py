"""What per-site learned boilerplate (`site_repeated`) removes on real pages, through the loader.

    .venv/bin/python bench/site_boilerplate.py [--batch-size 200]

Every page of ../shared/eval/extraction (990 annotated pages) and ../shared/eval/metadata (258 news
pages of 179 publishers) is extracted and cleaned, then loaded with warehouse.load.load_batch into a
temporary DuckDB file (so the site line counts grow batch by batch, as in an ingest). Then, on the
stored bodies: the extraction corpus's own metric (with / without segments), and, for every line
removed as site_repeated, whether it held wanted text (a "with" segment, or a line of a metadata
page's gold body: harm) or boilerplate (a "without" segment: benefit).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.documents.clean import clean_document  # noqa: E402
from tasks.documents.extract import extract_html  # noqa: E402
from tasks.models import Article, Failure  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.load import load_batch  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _pages() -> list[tuple[str, bytes, list[str], list[str]]]:
    """(url, html, wanted texts, unwanted texts) of both corpora."""
    pages = []
    extraction = EVAL / "extraction"
    for url, e in sorted(json.loads((extraction / "evaldata.json").read_text(encoding="utf-8")).items()):
        path = extraction / "html" / e["file"]
        if path.exists():
            pages.append((url, path.read_bytes(), e.get("with", []), e.get("without", [])))
    metadata = EVAL / "metadata"
    for name, g in sorted(json.loads((metadata / "gold.json").read_text(encoding="utf-8")).items()):
        path = metadata / "html" / name
        if path.exists():
            pages.append((g["url"] or f"https://{g['publisher']}.example/{name}", gzip.decompress(path.read_bytes()),
                          [p for p in g.get("body", []) if len(p.split()) >= 3], []))
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()
    if not (EVAL / "extraction" / "evaldata.json").exists() or not (EVAL / "metadata" / "gold.json").exists():
        print(f"skipped: {EVAL} is absent (put ../shared/eval beside the checkout)")
        return 0
    pages = _pages()
    articles: list[Article] = []
    gold: dict[str, tuple[list[str], list[str]]] = {}
    for url, data, with_, without in pages:
        raw = extract_html(data, "bench", url, "", url=url)
        if isinstance(raw, Failure):
            continue
        article = clean_document(raw)
        if article.article_id not in gold:
            articles.append(article)
            gold[article.article_id] = (with_, without)
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "news.duckdb")
        for batch_no, start in enumerate(range(0, len(articles), args.batch_size)):
            load_batch(con, "bench", batch_no, articles[start:start + args.batch_size], [])
        bodies = dict(con.execute("SELECT article_id, body FROM articles").fetchall())
        removed = con.execute("SELECT article_id, text FROM removed_lines WHERE rule = 'site_repeated'").fetchall()
        sites = con.execute("""SELECT count(DISTINCT a.article_id), count(DISTINCT coalesce(a.site_name, a.url))
                               FROM removed_lines r JOIN articles a USING (article_id)
                               WHERE r.rule = 'site_repeated'""").fetchone()
        con.close()
    tp = fn = fp = 0
    for article_id, body in bodies.items():
        with_, without = gold[article_id]
        text = _norm(body)
        found = sum(_norm(s) in text for s in with_)
        tp, fn, fp = tp + found, fn + len(with_) - found, fp + sum(_norm(s) in text for s in without)
    harm = benefit = 0
    for article_id, line in removed:
        with_, without = gold[article_id]
        line = _norm(line)
        harm += any(line and line in _norm(s) for s in with_)
        benefit += any(line and line in _norm(s) for s in without)
    print(f"pages loaded: {len(bodies)} of {len(pages)}")
    print(f"stored bodies: precision {tp / max(1, tp + fp):.3f} recall {tp / max(1, tp + fn):.3f} "
          f"F1 {2 * tp / max(1, 2 * tp + fp + fn):.3f} (TP {tp} FP {fp} FN {fn})")
    print(f"site_repeated: {len(removed)} lines in {sites[0]} articles; {harm} in wanted text, "
          f"{benefit} in boilerplate segments, {len(removed) - harm - benefit} unannotated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
