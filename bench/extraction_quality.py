"""Extraction quality on ../shared/eval/extraction with the corpus's own metric, next to plain
trafilatura on the same pages in the same run.

    .venv/bin/python bench/extraction_quality.py [--languages fr,en] [--limit N]

Baseline: trafilatura.extract(html) with its defaults (the published configuration).
newsflow: the final cleaned body (extract_html: charset, huge_tree parse, trafilatura with
metadata; then clean_document's boilerplate rules). Metric (corpus README): whitespace-normalised
"with" segments found = TP, missing = FN; "without" segments found = FP.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from tasks.documents.clean import clean_document  # noqa: E402
from tasks.documents.extract import extract_html  # noqa: E402
from tasks.models import Failure  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "extraction"


@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def add(self, text: str, with_: list[str], without: list[str]) -> None:
        text = _norm(text)
        for segment in with_:
            if _norm(segment) in text:
                self.tp += 1
            else:
                self.fn += 1
        for segment in without:
            if _norm(segment) in text:
                self.fp += 1
            else:
                self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / max(1, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return self.tp / max(1, self.tp + self.fn)

    @property
    def f1(self) -> float:
        return 2 * self.tp / max(1, 2 * self.tp + self.fp + self.fn)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def newsflow_text(data: bytes, url: str) -> str:
    raw = extract_html(data, "bench", url, "", url=url)
    if isinstance(raw, Failure):
        return ""
    return clean_document(raw).body


def evaluate(corpus: Path = CORPUS, languages: set[str] | None = None, limit: int = 0) -> dict[str, object]:
    evaldata = json.loads((corpus / "evaldata.json").read_text(encoding="utf-8"))
    langs = json.loads((corpus / "languages.json").read_text(encoding="utf-8"))
    items = [(url, e) for url, e in sorted(evaldata.items())
             if (corpus / "html" / e["file"]).exists() and (not languages or langs.get(url) in languages)]
    if limit:
        items = items[:limit]
    blobs = [(url, e, (corpus / "html" / e["file"]).read_bytes()) for url, e in items]
    base, ours = Score(), Score()
    start = time.perf_counter()
    for url, e, data in blobs:
        base.add(trafilatura.extract(data, url=url) or "", e.get("with", []), e.get("without", []))
    base_s = time.perf_counter() - start
    start = time.perf_counter()
    for url, e, data in blobs:
        ours.add(newsflow_text(data, url), e.get("with", []), e.get("without", []))
    ours_s = time.perf_counter() - start
    return {"pages": len(blobs), "trafilatura": base, "newsflow": ours, "trafilatura_s": base_s, "newsflow_s": ours_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--languages", default="", help="comma-separated codes (default: all pages)")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    if not (CORPUS / "evaldata.json").exists():
        print(f"skipped: {CORPUS} is absent (put ../shared/eval beside the checkout)")
        return 0
    result = evaluate(languages=set(filter(None, args.languages.split(","))) or None, limit=args.limit)
    print(f"pages: {result['pages']}")
    print(f"{'':12} {'precision':>9} {'recall':>7} {'F1':>6} {'TP':>5} {'FP':>5} {'FN':>5} {'pages/s':>8}")
    for name in ("trafilatura", "newsflow"):
        s: Score = result[name]
        rate = result["pages"] / result[f"{name}_s"]
        print(f"{name:12} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.tp:5} {s.fp:5} {s.fn:5} {rate:8.1f}")
    ratio = result["trafilatura_s"] / result["newsflow_s"]
    print(f"speed ratio newsflow/trafilatura (pages/s): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
