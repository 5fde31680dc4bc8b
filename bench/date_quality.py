"""Publication-date quality on ../shared/eval (metadata/ gold with time and offset, and the `date`
of extraction/evaldata.json), next to trafilatura's date and htmldate measured in the same run.

    .venv/bin/python bench/date_quality.py [--limit N] [--set metadata|extraction|all]

Systems: newsflow = extract_html's published_at (tasks/documents/published.py); trafilatura =
trafilatura.extract_metadata(html).date with its defaults; htmldate = find_date(html,
extensive_search=True, original_date=True, url=url). Measures per page: day correct (our local or
UTC day is the gold's local or UTC day: a date stored in UTC is the same day either way), minute
correct where the gold has a time (within 60 s of the gold instant; a time without offset is
compared as wall time), wrong day (a date stored that is not the gold's day) and NULL.

The one tuned choice, the fallback when structured data, listing and URL name no date (none,
<time> elements of the header, htmldate's quick or extensive search stored alone, or a date
written near the headline confirmed by the URL's month or by htmldate: published.confirmed_date,
with its byline window and with or without htmldate's day in the URL's month), is chosen per
held-out fold on the other folds by day correct − 5 × wrong day (a guess is worth storing only if
it is right over 5 times in 6: a wrong date is worse than none, it also decides which of two
copies came first); the choice under other costs is printed too; the table gives that
fold-chosen result's mean and worst over the folds. Folds: the news pages by country (countries
of fewer than 5 pages form one fold together); the evaldata pages, which have nearly one site
each and no country, in 5 folds by a hash of the URL (so a site's pages stay in one fold).
With --rules, each fallback rule's right and wrong days on the pages it could date.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from htmldate import find_date  # noqa: E402

from tasks.documents.extract import extract_html, parse_html  # noqa: E402
from tasks.documents.published import (  # noqa: E402
    HTMLDATE_FALLBACK,
    When,
    byline_dates,
    confirmed_date,
    htmldate_checks,
    page_dates,
    parse_when,
    title_dates,
    url_month,
)
from tasks.models import Failure  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
# The fallbacks measured when structured data, listing and URL name no date: (use <time>
# elements, htmldate search stored alone, confirmed_date's (byline window, htmldate day in the
# URL's month) or None). The first is the most cautious; ties go to the more cautious.
FALLBACKS: dict[str, tuple[bool, str | None, tuple[int, bool] | None]] = {
    "none": (False, None, None), "time": (True, None, None), "quick": (False, "quick", None),
    "time+quick": (True, "quick", None), "extensive": (False, "extensive", None),
    "time+extensive": (True, "extensive", None),
    "time+confirmed": (True, None, (800, False)), "time+confirmed-1500": (True, None, (1500, False)),
    "time+confirmed+url-month": (True, None, (800, True)), "time+confirmed-1500+url-month": (True, None, (1500, True)),
}
PIPELINE = "time+confirmed-1500+url-month"   # what extract_html does (published.py's flags)
WRONG_COST = 5      # a stored wrong day costs 5 right ones: store a source only if right > 5 times in 6
COSTS = (1, 3, 5, 10)
MIN_FOLD = 5


@dataclass
class Page:
    name: str
    group: str
    url: str
    data: bytes
    local_day: date
    utc_day: date | None
    instant: datetime | None   # aware, when the gold has a time
    wall: datetime | None      # the gold's local wall time


@dataclass
class Tally:
    pages: int = 0
    day: int = 0
    wrong: int = 0
    null: int = 0
    timed: int = 0
    minute: int = 0
    wrong_pages: list[str] = field(default_factory=list)

    def add(self, page: Page, pred: When | str | None) -> None:
        self.pages += 1
        if page.instant is not None:
            self.timed += 1
        if pred is None:
            self.null += 1
            return
        if day_correct(page, pred):
            self.day += 1
        else:
            self.wrong += 1
            self.wrong_pages.append(page.name)
        if page.instant is not None and isinstance(pred, When) and minute_correct(page, pred):
            self.minute += 1

    def merge(self, other: Tally) -> None:
        for name in ("pages", "day", "wrong", "null", "timed", "minute"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wrong_pages += other.wrong_pages

    @property
    def day_ratio(self) -> float:
        return self.day / max(1, self.pages)

    @property
    def minute_ratio(self) -> float:
        return self.minute / max(1, self.timed)

    def score(self, cost: float = WRONG_COST) -> float:
        return self.day - cost * self.wrong


def day_correct(page: Page, pred: When | str) -> bool:
    days = {page.local_day, page.utc_day}
    if isinstance(pred, str):
        when = parse_when(pred)
        return when is not None and when.at.date() in days
    return pred.local.date() in days or pred.at.date() in days


def minute_correct(page: Page, pred: When) -> bool:
    if not pred.has_time or page.instant is None or page.wall is None:
        return False
    if pred.offset is not None:
        gold = page.instant.astimezone(UTC).replace(tzinfo=None)
        return abs(pred.at - gold) < timedelta(seconds=60)
    gold_utc = page.instant.astimezone(UTC).replace(tzinfo=None)
    return min(abs(pred.at - page.wall), abs(pred.at - gold_utc)) < timedelta(seconds=60)


def load_pages(which: str = "all", limit: int = 0) -> list[Page]:
    pages: list[Page] = []
    meta = EVAL / "metadata"
    if which in ("all", "metadata") and (meta / "gold.json").exists():
        for name, gold in sorted(json.loads((meta / "gold.json").read_text(encoding="utf-8")).items()):
            if not gold.get("published") or not (meta / "html" / name).exists():
                continue
            when = datetime.fromisoformat(gold["published"])
            timed = when.tzinfo is not None and (when.hour, when.minute, when.second) != (0, 0, 0)
            pages.append(Page(name, f"meta:{gold['country']}", gold["url"],
                              gzip.decompress((meta / "html" / name).read_bytes()), when.date(),
                              when.astimezone(UTC).date() if when.tzinfo else None,
                              when if timed else None, when.replace(tzinfo=None) if timed else None))
    extraction = EVAL / "extraction"
    if which in ("all", "extraction") and (extraction / "evaldata.json").exists():
        for url, entry in sorted(json.loads((extraction / "evaldata.json").read_text(encoding="utf-8")).items()):
            path = extraction / "html" / entry["file"]
            gold = parse_when(entry.get("date"))
            if gold is None or not path.exists():
                continue
            host = re.sub(r"^https?://(www\.)?|/.*$", "", url.lower())
            group = f"web:{zlib.crc32(host.encode()) % 5}"
            pages.append(Page(entry["file"], group, url, path.read_bytes(), gold.at.date(), None, None, None))
    return pages[:limit] if limit else pages


@dataclass
class Result:
    """What each system stored for one page."""

    newsflow: dict[str, When | None]   # by fallback choice
    trafilatura: str | None
    htmldate: str | None
    rules: dict[str, When | None] = field(default_factory=dict)   # pages left undated by "time" only


def _same(a: When | None, b: When | None) -> bool:
    return a is not None and b is not None and a.at.date() == b.at.date()


def rule_dates(tree: object, url: str, quick: str | None, extensive: str | None) -> dict[str, When | None]:
    """What each candidate fallback rule would store on a page the structured pass leaves undated
    (each alone: the rules of confirmed_date and the ones it does not use)."""
    byline, title, month = byline_dates(tree), title_dates(tree), url_month(url)
    first = byline[0] if byline else None
    q, e = parse_when(quick), parse_when(extensive)
    in_month = first is not None and month == (first.at.year, first.at.month)
    vetoed = first is not None and bool(title) and not any(_same(first, t) for t in title)
    return {
        "htmldate quick alone": q, "htmldate extensive alone": e, "quick = extensive": q if _same(q, e) else None,
        "byline first date alone": first, "byline date = htmldate quick": first if _same(first, q) else None,
        "byline date = htmldate extensive": first if _same(first, e) else None,
        "byline date in URL month": first if in_month else None,
        "byline date confirmed, title veto": first if (in_month or _same(first, q) or _same(first, e)) and not vetoed
        else None,
        "title date alone": title[0] if title else None,
        "title date = htmldate extensive": title[0] if title and _same(title[0], e) else None,
        "htmldate extensive in URL month": e if e and month == (e.local.year, e.local.month) else None,
    }


def pipeline_dates(page: Page) -> When | None:
    """What extract_html stores for the page's date, without the body extraction (the floor test:
    fast). The htmldate fallback, when the pipeline uses it, is the quick search trafilatura runs."""
    tree = parse_html(page.data)
    if tree is None:
        return None
    def quick() -> str | None:
        return find_date(tree, extensive_search=False, original_date=True, url=page.url)

    checks = (quick, htmldate_checks(tree, page.url, None)[1])   # the quick search only where needed
    dates = page_dates(tree, page.url, None, quick() if HTMLDATE_FALLBACK else None, checks=checks)
    return When(dates.published_at, dates.published_offset, dates.published_precision or "day") \
        if dates.published_at is not None else None


def measure(page: Page) -> Result:
    raw = extract_html(page.data, "bench", page.url, "", url=page.url)
    stored = None
    if not isinstance(raw, Failure) and raw.published_at is not None:
        stored = When(raw.published_at, raw.published_offset, raw.published_precision or "day")
    tree = parse_html(page.data)
    quick = find_date(tree, extensive_search=False, original_date=True, url=page.url) if tree is not None else None
    extensive = find_date(page.data, extensive_search=True, original_date=True, url=page.url)
    variants: dict[str, When | None] = {}
    for fallback, (time_elements, search, confirm) in FALLBACKS.items():
        guess = {"quick": quick, "extensive": extensive}.get(search or "")
        dates = page_dates(tree, page.url, None, guess, time_elements, confirm=False) if tree is not None else None
        when = (When(dates.published_at, dates.published_offset, dates.published_precision or "day")
                if dates is not None and dates.published_at is not None else None)
        if when is None and confirm is not None and tree is not None:
            found = confirmed_date(tree, page.url, (lambda: quick, lambda: extensive), *confirm)
            when = found.when if found else None
        variants[fallback] = when
    variants["pipeline"] = stored
    meta = trafilatura.extract_metadata(page.data, default_url=page.url)
    rules = rule_dates(tree, page.url, quick, extensive) if tree is not None and variants["time"] is None else {}
    return Result(variants, meta.date if meta else None, extensive, rules)


def folds(pages: list[Page]) -> dict[str, list[int]]:
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, page in enumerate(pages):
        by_group[page.group].append(i)
    out: dict[str, list[int]] = defaultdict(list)
    for group, idx in by_group.items():
        out[group if len(idx) >= MIN_FOLD else f"{group.split(':')[0]}:small"].extend(idx)
    return dict(out)


def tally(pages: list[Page], idx: list[int], pred: Callable[[int], When | str | None]) -> Tally:
    t = Tally()
    for i in idx:
        t.add(pages[i], pred(i))
    return t


def evaluate(which: str = "all", limit: int = 0) -> dict[str, object]:
    """Every system on every page; the fallback chosen for each fold on the other folds (both
    data sets pooled: one choice for all pages, as the pipeline makes it)."""
    pages = load_pages(which, limit)
    start = time.perf_counter()
    results = [measure(p) for p in pages]
    seconds = time.perf_counter() - start
    fold_idx = folds(pages)
    systems: dict[str, Callable[[int], When | str | None]] = {
        "trafilatura": lambda i: results[i].trafilatura,
        "htmldate": lambda i: results[i].htmldate,
        "newsflow": lambda i: results[i].newsflow["pipeline"],
    }
    systems.update({f"newsflow[{f}]": (lambda i, f=f: results[i].newsflow[f]) for f in FALLBACKS})
    chosen: dict[str, str] = {}
    held_out: dict[int, When | None] = {}
    order = list(FALLBACKS)
    for fold, idx in sorted(fold_idx.items()):
        rest = [i for f, ix in fold_idx.items() if f != fold for i in ix]
        best = max(order, key=lambda f: (tally(pages, rest, systems[f"newsflow[{f}]"]).score(), -order.index(f)))
        chosen[fold] = best
        held_out.update({i: results[i].newsflow[best] for i in idx})
    systems["newsflow[fold-chosen]"] = held_out.__getitem__
    every = list(range(len(pages)))
    overall = {cost: max(order, key=lambda f: (tally(pages, every, systems[f"newsflow[{f}]"]).score(cost),
                                               -order.index(f))) for cost in COSTS}
    return {"pages": pages, "results": results, "seconds": seconds, "folds": fold_idx, "systems": systems, "chosen": chosen,
            "overall": overall}


def report(result: dict[str, object], prefix: str, title: str) -> dict[str, Tally]:
    """Print one table (the pages whose group starts with `prefix`); the totals by system."""
    pages: list[Page] = result["pages"]   # type: ignore[assignment]
    systems: dict[str, Callable[[int], When | str | None]] = result["systems"]   # type: ignore[assignment]
    fold_idx = {f: [i for i in ix if pages[i].group.startswith(prefix)]
                for f, ix in result["folds"].items()}   # type: ignore[attr-defined]
    fold_idx = {f: ix for f, ix in fold_idx.items() if ix}
    every = [i for ix in fold_idx.values() for i in ix]
    print(f"\n== {title}: {len(every)} pages, {len(fold_idx)} folds")
    print(f"{'':26} {'day':>6} {'minute':>6} {'wrong':>5} {'NULL':>5} {'fold mean':>9} {'fold worst':>10} "
          f"{'wrong worst':>11}")
    totals = {}
    for name, fn in systems.items():
        t = tally(pages, every, fn)
        per_fold = [tally(pages, ix, fn) for ix in fold_idx.values()]
        mean = sum(f.day_ratio for f in per_fold) / max(1, len(per_fold))
        worst = min((f.day_ratio for f in per_fold), default=0.0)
        worst_wrong = max((f.wrong for f in per_fold), default=0)
        print(f"{name:26} {t.day_ratio:6.3f} {t.minute_ratio:6.3f} {t.wrong:5} {t.null:5} {mean:9.3f} "
              f"{worst:10.3f} {worst_wrong:11}")
        totals[name] = t
    base, ours = totals["htmldate"], totals["newsflow"]
    print(f"newsflow/htmldate: day {ours.day_ratio / max(base.day_ratio, 1e-9):.3f}, wrong days "
          f"{ours.wrong}/{base.wrong}; newsflow/trafilatura: day "
          f"{ours.day_ratio / max(totals['trafilatura'].day_ratio, 1e-9):.3f}, wrong days "
          f"{ours.wrong}/{totals['trafilatura'].wrong}")
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="all", choices=("all", "metadata", "extraction"))
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--wrong", action="store_true", help="list the pages newsflow dated wrong")
    parser.add_argument("--rules", action="store_true", help="each fallback rule's right and wrong days")
    args = parser.parse_args()
    if not (EVAL / "metadata" / "gold.json").exists() and not (EVAL / "extraction" / "evaldata.json").exists():
        print(f"skipped: {EVAL} is absent (put ../shared/eval beside the checkout)")
        return 0
    result = evaluate(args.set, args.limit)
    print(f"{len(result['pages'])} pages in {result['seconds']:.0f} s")   # type: ignore[arg-type]
    for prefix, title in (("", "all pages"), ("meta:", "metadata/ (news pages, gold to the second)"),
                          ("web:", "extraction/evaldata.json dates (day only)")):
        totals = report(result, prefix, title)
        if args.wrong:
            print("newsflow wrong:", ", ".join(totals["newsflow"].wrong_pages))
    if args.rules:
        pages: list[Page] = result["pages"]   # type: ignore[assignment]
        results: list[Result] = result["results"]   # type: ignore[assignment]
        left = [i for i, r in enumerate(results) if r.rules]
        print(f"\n== fallback rules on the {len(left)} pages the structured pass leaves undated "
              f"(right, wrong, right − {WRONG_COST} × wrong)")
        for rule in results[left[0]].rules if left else ():
            t = tally(pages, left, lambda i, rule=rule: results[i].rules[rule])
            print(f"{rule:36} {t.day:4} {t.wrong:4} {t.score():5}")
    print("\nfallback chosen per held-out fold:", dict(sorted(result["chosen"].items())))   # type: ignore[call-overload]
    print(f"fallback chosen on all folds, by the cost of a wrong day (pipeline: {WRONG_COST}):", result["overall"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
