"""Metadata quality (title, authors, outlet, date, body) on ../shared/eval/metadata and the
metadata fields of ../shared/eval/extraction, next to plain trafilatura in the same run.

    .venv/bin/python bench/metadata_quality.py [--limit N] [--every K] [--no-baseline] [--sets metadata,evaldata]

Baseline: trafilatura.bare_extraction(html, url=url, with_metadata=True) (title, author split on
"; ", sitename, date, text) and htmldate.find_date(html, extensive_search=True) for the date.
newsflow: extract_html (tasks/documents/metadata.py for title, authors and outlet) and
clean_document for the body. Measures (metadata README):
- title: exact match after whitespace/case normalisation;
- authors: names (case/whitespace folded) as sets: micro precision/recall/F1 over all names,
  and the share of pages whose set is exact (a page without gold authors counts as exact when
  nothing is found); people and organisations together, as the gold lists an outlet where the
  page names no person;
- site name: exact (normalised) where evaldata has one; on the metadata set, whether the outlet
  matches the publisher label once folded ('DerStandard' ~ 'derStandard.at'): None is a miss;
- published: the day of the gold date (in its own offset; evaldata's `date`) against published_at;
- body: bag-of-lowercase-words F1 against the joined gold paragraphs.
The metadata pages are also scored per country: nothing is fitted, so leave-one-country-out
reduces to scoring each held-out country; the table gives the mean and the worst country
(countries with fewer than MIN_FOLD pages are pooled into one fold, as one page is no fold).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from htmldate import find_date  # noqa: E402

from tasks.documents.clean import clean_document  # noqa: E402
from tasks.documents.extract import extract_html  # noqa: E402
from tasks.models import Failure  # noqa: E402

METADATA = ROOT.parent / "shared" / "eval" / "metadata"
EXTRACTION = ROOT.parent / "shared" / "eval" / "extraction"
MIN_FOLD = 3
FIELDS = ("title", "authors_f1", "authors_exact", "site", "published", "body_f1")


@dataclass
class Page:
    """One evaluated page and its gold values (None: the gold says nothing of that field)."""

    name: str
    group: str               # country code, or "evaldata"
    url: str
    data: bytes
    title: str | None = None
    authors: list[str] | None = None
    site: str | None = None
    publisher: str | None = None
    published: date | None = None
    body: str | None = None


@dataclass
class Output:
    """What one system found on a page."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    site: str | None = None
    published: date | None = None
    body: str = ""


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def norm(text: str | None) -> str:
    """Case and whitespace folded; invisible format characters (soft hyphen, zero-width space)
    dropped, as they are no text."""
    return " ".join(unicodedata.normalize("NFKC", text or "").translate(_INVISIBLE).casefold().split())


def key(text: str | None) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", (text or "").casefold()) if c.isalnum())


def split_gold_authors(text: str | list[str]) -> list[str]:
    """evaldata's author is one string ('A und B', 'A, B and C'), or a list."""
    if isinstance(text, list):
        return [a.strip() for a in text if isinstance(a, str) and a.strip()]
    parts = re.split(r"\s*(?:;|,|&|\band\b|\bund\b|\bet\b)\s*", text)
    return [p.strip() for p in parts if p.strip()]


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
        try:
            return date(int(m[1]), int(m[2]), int(m[3])) if m else None
        except ValueError:   # an impossible gold date ("2019-31-07"): not scored
            return None


def load_pages(metadata: Path | None = METADATA, extraction: Path | None = EXTRACTION) -> list[Page]:
    pages: list[Page] = []
    gold = json.loads((metadata / "gold.json").read_text(encoding="utf-8")) if metadata else {}
    for name, g in sorted(gold.items()):
        data = gzip.decompress((metadata / "html" / name).read_bytes())
        pages.append(Page(name, g["country"], g["url"], data, title=g.get("title") or None,
                          authors=list(g.get("authors") or []), publisher=g.get("publisher"),
                          published=_day(g.get("published")), body=" ".join(g.get("body") or []) or None))
    if extraction and (extraction / "evaldata.json").exists():
        evaldata = json.loads((extraction / "evaldata.json").read_text(encoding="utf-8"))
        for url, e in sorted(evaldata.items()):
            path = extraction / "html" / e["file"]
            if not (e.get("title") or e.get("author") or e.get("sitename")) or not path.exists():
                continue
            pages.append(Page(e["file"], "evaldata", url, path.read_bytes(), title=e.get("title") or None,
                              authors=split_gold_authors(e["author"]) if e.get("author") else None,
                              site=e.get("sitename") or None, published=_day(e.get("date"))))
    return pages


def trafilatura_output(page: Page) -> Output:
    doc = trafilatura.bare_extraction(page.data, url=page.url, with_metadata=True)
    if doc is None:
        return Output()
    found = find_date(page.data, extensive_search=True, url=page.url)
    return Output(title=doc.title, authors=[a for a in (doc.author or "").split("; ") if a.strip()],
                  site=doc.sitename, published=_day(found), body=doc.text or "")


def newsflow_output(page: Page) -> Output:
    raw = extract_html(page.data, "bench", page.url, "", url=page.url)
    if isinstance(raw, Failure):
        return Output()
    return Output(title=raw.title, authors=[a.name for a in raw.authors], site=raw.site_name,
                  published=raw.published_at.date() if raw.published_at else None,
                  body=clean_document(raw).body)


def word_f1(found: str, gold: str) -> float:
    a, b = Counter(re.findall(r"\w+", found.lower())), Counter(re.findall(r"\w+", gold.lower()))
    common = sum((a & b).values())
    return 2 * common / (sum(a.values()) + sum(b.values())) if a or b else 1.0


@dataclass
class Tally:
    """Sums over pages, from which each measure is one ratio."""

    n: Counter = field(default_factory=Counter)        # pages scored per measure
    ok: Counter = field(default_factory=Counter)       # pages right (or summed score)
    tp: int = 0
    found: int = 0
    gold: int = 0

    def add(self, page: Page, out: Output) -> None:
        if page.title is not None:
            self.n["title"] += 1
            self.ok["title"] += norm(out.title) == norm(page.title)
        if page.authors is not None:
            gold, found = {norm(a) for a in page.authors}, {norm(a) for a in out.authors}
            self.tp += len(gold & found)
            self.found += len(found)
            self.gold += len(gold)
            self.n["authors_exact"] += 1
            self.ok["authors_exact"] += gold == found
        if page.site is not None:
            self.n["site"] += 1
            self.ok["site"] += norm(out.site) == norm(page.site)
        elif page.publisher is not None:
            self.n["site"] += 1
            k, p = key(out.site), key(page.publisher)
            self.ok["site"] += bool(k) and (k == p or k.startswith(p) or p.startswith(k))
        if page.published is not None:
            self.n["published"] += 1
            self.ok["published"] += out.published == page.published
        if page.body is not None:
            self.n["body_f1"] += 1
            self.ok["body_f1"] += word_f1(out.body, page.body)

    def ratio(self, measure: str) -> float | None:
        if measure == "authors_f1":
            if not self.n["authors_exact"]:
                return None
            p, r = self.tp / max(1, self.found), self.tp / max(1, self.gold)
            return 2 * p * r / (p + r) if p + r else 0.0
        return self.ok[measure] / self.n[measure] if self.n[measure] else None

    def precision_recall(self) -> tuple[float, float]:
        return self.tp / max(1, self.found), self.tp / max(1, self.gold)


def index_folds(keyed) -> dict[str, list[int]]:
    """Indexes per fold key, from (index, key) pairs; folds under MIN_FOLD pooled as 'other'."""
    by: dict[str, list[int]] = {}
    for i, k in keyed:
        by.setdefault(k, []).append(i)
    small = [c for c, idx in by.items() if len(idx) < MIN_FOLD]
    if small:
        by["other"] = [i for c in small for i in by.pop(c)]
    return by


def folds(pages: list[Page]) -> dict[str, list[int]]:
    """Indexes of the metadata pages per country; small countries pooled as 'other'."""
    return index_folds((i, p.group) for i, p in enumerate(pages) if p.group != "evaldata")


def evaluate(pages: list[Page], systems: dict[str, Callable[[Page], Output]]) -> dict[str, object]:
    outputs: dict[str, list[Output]] = {}
    seconds: dict[str, float] = {}
    for name, run in systems.items():
        start = time.perf_counter()
        outputs[name] = [run(p) for p in pages]
        seconds[name] = time.perf_counter() - start
    fold_idx = folds(pages)
    result: dict[str, object] = {"pages": len(pages), "seconds": seconds, "outputs": outputs, "fold_pages": fold_idx}
    for name, outs in outputs.items():
        meta, ev = Tally(), Tally()
        per_fold = {c: Tally() for c in fold_idx}
        for c, idx in fold_idx.items():
            for i in idx:
                per_fold[c].add(pages[i], outs[i])
                meta.add(pages[i], outs[i])
        for p, o in zip(pages, outs, strict=True):
            if p.group == "evaldata":
                ev.add(p, o)
        result[name] = {"metadata": meta, "evaldata": ev, "folds": per_fold}
    return result


def fold_summary(per_fold: dict[str, Tally], measure: str) -> tuple[float | None, float | None, str]:
    """(mean, worst, worst fold) of a measure over the held-out countries."""
    values = {c: v for c, t in per_fold.items() if (v := t.ratio(measure)) is not None}
    if not values:
        return None, None, ""
    worst = min(values, key=values.get)
    return sum(values.values()) / len(values), values[worst], worst


def _fmt(v: float | None) -> str:
    return f"{v:6.3f}" if v is not None else "     -"


def report(result: dict[str, object], baseline: str = "trafilatura", ours: str = "newsflow") -> None:
    names = [n for n in (baseline, ours) if n in result]
    fold_pages = result["fold_pages"]
    print(f"pages: {result['pages']}  (metadata set: {sum(len(v) for v in fold_pages.values())} in "
          f"{len(fold_pages)} held-out country folds; evaldata: "
          f"{result['pages'] - sum(len(v) for v in fold_pages.values())})")
    header = " " * 31 + "".join(f"{m:>14}" for m in FIELDS)
    print(header)
    for name in names:
        r = result[name]
        rows = [("metadata pooled", [r["metadata"].ratio(m) for m in FIELDS]),
                ("metadata fold mean", [fold_summary(r["folds"], m)[0] for m in FIELDS]),
                ("metadata fold worst", [fold_summary(r["folds"], m)[1] for m in FIELDS]),
                ("evaldata pooled", [r["evaldata"].ratio(m) for m in FIELDS])]
        for label, values in rows:
            print(f"{name[:11]:11} {label:19}" + "".join(f"{_fmt(v):>14}" for v in values))
    if baseline in result and ours in result:
        print("ratios newsflow/trafilatura (pooled metadata | evaldata):")
        for m in FIELDS:
            cells = []
            for part in ("metadata", "evaldata"):
                b, o = result[baseline][part].ratio(m), result[ours][part].ratio(m)
                cells.append(f"{o / b:5.2f}" if b and o is not None else "    -")
            print(f"  {m:14} {cells[0]} | {cells[1]}")
    for name in names:
        for part in ("metadata", "evaldata"):
            p, r = result[name][part].precision_recall()
            print(f"{name} authors {part}: precision {p:.3f} recall {r:.3f}")
        worst = {m: fold_summary(result[name]["folds"], m)[2] for m in ("title", "authors_f1")}
        print(f"{name} worst fold: title {worst['title']}, authors {worst['authors_f1']}")
    for name, s in result["seconds"].items():
        print(f"{name} pages/s: {result['pages'] / s:.1f}")


TITLE_KINDS = ("json-ld:headline", "og:title", "h1", "title")


def title_rules(pages: list[Page]) -> None:
    """How often each kind of declared headline is the gold when the page's candidates disagree,
    and which choice rule (preference order of TITLE_KINDS x votes needed: 2, 3, or none) wins
    when chosen on the other folds and scored on the held-out one: metadata countries, then
    metadata countries and evaldata in 5 folds (by file-name hash) together."""
    import itertools
    import zlib

    from tasks.documents.extract import parse_html
    from tasks.documents.metadata import _FAMILY, choose_title, extract_metadata

    rows = []   # (fold, corpus, gold, stripped candidates)
    for p in pages:
        tree = parse_html(p.data) if p.title else None
        cands = extract_metadata(tree, p.url).title_candidates if tree is not None else []
        if cands:
            fold = p.group if p.group != "evaldata" else f"ev{zlib.crc32(p.name.encode()) % 5}"
            rows.append((fold, "evaldata" if p.group == "evaldata" else "metadata", p.title, cands))
    for corpus in ("metadata", "evaldata"):
        seen, right, disagree = Counter(), Counter(), 0
        for _, c, gold, cands in rows:
            if c != corpus or len({norm(t) for _, t in cands}) < 2:
                continue
            disagree += 1
            first: dict[str, str] = {}
            for s, t in cands:
                first.setdefault(s, t)
            for s, t in first.items():
                seen[s] += 1
                right[s] += norm(t) == norm(gold)
        print(f"{corpus}: {disagree} pages whose candidates disagree; share equal to the gold per kind:")
        for s in sorted(seen, key=lambda s: -right[s] / seen[s]):
            print(f"  {s:18} {right[s]:4}/{seen[s]:<4} {right[s] / seen[s]:.2f}")
    rules = [(o, v) for o in itertools.permutations(TITLE_KINDS) for v in (2, 3, 99)]
    default = (("json-ld:headline", "og:title", "h1", "title"), 2)
    ok = {r: [norm(choose_title(c, tuple(x for k in r[0] for x in (k, *[f for f, g in _FAMILY.items() if g == k])),
                                r[1])[0]) == norm(g) for _, _, g, c in rows] for r in rules}

    def acc(r: tuple, idx: list[int]) -> float:
        return sum(ok[r][i] for i in idx) / len(idx) if idx else 0.0

    for joint in (False, True):
        use = [i for i, row in enumerate(rows) if joint or row[1] == "metadata"]
        by = index_folds((i, rows[i][0]) for i in use)
        chosen, held, base = Counter(), {}, {}
        for f, idx in by.items():
            train = [i for g, jdx in by.items() if g != f for i in jdx]
            r = max(rules, key=lambda r: (acc(r, train), r == default))
            chosen[r] += 1
            held[f], base[f] = acc(r, idx), acc(default, idx)
        print(f"choice on the other folds ({'metadata + evaldata' if joint else 'metadata'}):", dict(chosen))
        _print_held(by, (("chosen", held), ("default vote", base)))
    _seo_split_cv(rows)


def _print_held(by: dict[str, list[int]], scores: tuple[tuple[str, dict[str, float]], ...]) -> None:
    for name, sc in scores:
        for corpus, pre in (("metadata", False), ("evaldata", True)):
            fs = {f: v for f, v in sc.items() if f.startswith("ev") == pre}
            if fs:
                pooled = sum(v * len(by[f]) for f, v in fs.items()) / sum(len(by[f]) for f in fs)
                print(f"  {name:12} {corpus}: pooled {pooled:.3f} fold mean {sum(fs.values()) / len(fs):.3f}"
                      f" worst {min(fs.values()):.3f} ({min(fs, key=fs.get)})")


def _seo_split_cv(rows: list[tuple[str, str, str, list[tuple[str, str]]]]) -> None:
    """metadata.SEO_SPLIT (how many headline wordings the <title>'s copy may tell apart; 1 = the
    rule off) chosen on the other folds (metadata countries and the 5 evaldata folds), scored
    on the held-out one; ties go to the rule off."""
    from tasks.documents import metadata

    saved, ok = metadata.SEO_SPLIT, {}
    for k in (1, 2, 3):
        metadata.SEO_SPLIT = k
        ok[k] = [norm(metadata.choose_title(c)[0]) == norm(g) for _, _, g, c in rows]
    metadata.SEO_SPLIT = saved
    by = index_folds((i, row[0]) for i, row in enumerate(rows))
    chosen, held, off = Counter(), {}, {}
    for f, idx in by.items():
        train = [i for g, jdx in by.items() if g != f for i in jdx]
        k = max(ok, key=lambda k: (sum(ok[k][i] for i in train), k == 1))
        chosen[k] += 1
        held[f], off[f] = sum(ok[k][i] for i in idx) / len(idx), sum(ok[1][i] for i in idx) / len(idx)
    print("SEO_SPLIT chosen on the other folds (metadata + evaldata):", dict(chosen))
    _print_held(by, (("chosen", held), ("rule off", off)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="first N pages only")
    parser.add_argument("--every", type=int, default=1, help="every K-th page only")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--sets", default="metadata,evaldata", help="which corpora (comma-separated)")
    parser.add_argument("--title-rules", action="store_true", help="compare title choice rules by held-out fold")
    args = parser.parse_args()
    if not (METADATA / "gold.json").exists():
        print(f"skipped: {METADATA} is absent (put ../shared/eval beside the checkout)")
        return 0
    sets = set(args.sets.split(","))
    pages = load_pages(METADATA if "metadata" in sets else None,
                       EXTRACTION if "evaldata" in sets else None)[:: args.every]
    if args.limit:
        pages = pages[: args.limit]
    if args.title_rules:
        title_rules(pages)
        return 0
    systems: dict[str, Callable[[Page], Output]] = {}
    if not args.no_baseline:
        systems["trafilatura"] = trafilatura_output
    systems["newsflow"] = newsflow_output
    report(evaluate(pages, systems))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
