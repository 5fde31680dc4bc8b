"""What the line rules cut from texts with no boilerplate, and what they still cut from the seeds.

    .venv/bin/python bench/cleaning_quality.py

RPM2 (../shared/eval/clustering/rpm2, 200 French news texts) holds no boilerplate at all: every
line the cleaning removes there, other than the title moved to metadata (meta:*), is real text
lost. The seeds hold boilerplate, annotated line by line in bench/annotations/seeds_boilerplate.json
(what must go, with its rule): gold recall is the share of those lines removed, extra removals are
seed lines removed that are not in the gold. Each variant of the teaser rule runs in the same
process on the same documents: the length-only rule (before issue 15), each of its two new
conditions alone, and both (the rule as shipped).

HTML (--html-pages N, first N pages of ../shared/eval/extraction by name): removed lines per page
without and with the audit of what trafilatura left out (tasks/documents/dropped.py), by reason;
the annotated boilerplate ("without" segments of 4+ words not in the body) found among the dropped
blocks; body lines of 4+ words found inside a dropped block (must be 0); the audit's time against
the whole extraction's, in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tasks.documents.extract as extract  # noqa: E402
from tasks.documents.clean import Rule, clean_document, load_rules  # noqa: E402
from tasks.documents.dropped import PREFIX, match_key  # noqa: E402
from tasks.documents.read import InputFile, read_input  # noqa: E402
from tasks.models import Article, RawDocument  # noqa: E402

RPM2 = ROOT.parent / "shared" / "eval" / "clustering" / "rpm2" / "documents"
SEEDS = ROOT / "seeds"
EXTRACTION = ROOT.parent / "shared" / "eval" / "extraction"
GOLD = Path(__file__).parent / "annotations" / "seeds_boilerplate.json"


def variants() -> dict[str, tuple[Rule, ...]]:
    """The teaser rule before issue 15 (length only), with each new condition alone, and as shipped."""
    rules = load_rules()

    def teaser(**flags: bool) -> tuple[Rule, ...]:
        return tuple(replace(r, **flags) if r.name == "teaser_headline" else r for r in rules)

    return {
        "length only (before)": teaser(headline=False, beside_boilerplate=False),
        "+ headline shape only": teaser(headline=True, beside_boilerplate=False),
        "+ beside boilerplate only": teaser(headline=False, beside_boilerplate=True),
        "shipped (both)": rules,
    }


def real_lines_removed(article: Article) -> list[tuple[int, str, str]]:
    """(position, rule, text) of the lines removed from a text without boilerplate: all but the
    metadata lines (the title moved to articles.title is not lost)."""
    return [(r.position, r.rule, r.text) for r in article.removed if not r.rule.startswith("meta:")]


def rpm2_removals(rules: tuple[Rule, ...]) -> dict[str, list[tuple[int, str, str]]]:
    """File name → the real lines removed from it."""
    found = {}
    for path in sorted(RPM2.glob("*.txt")):
        raw = read_input(InputFile("files:rpm2", str(path)))
        if isinstance(raw, RawDocument):
            found[path.name] = real_lines_removed(clean_document(raw, rules))
    return found


def seed_scores(rules: tuple[Rule, ...], gold: dict[str, list[list[str]]]) -> tuple[int, int, int, list[str]]:
    """(gold lines removed with their rule, gold lines, extra removed lines, what was missed)."""
    hit = total = extra = 0
    missed = []
    for path in sorted(SEEDS.glob("*.txt")):
        expected = Counter((rule, text) for rule, text in gold.get(path.name[:3], []))
        raw = read_input(InputFile("files:seeds", str(path.resolve())))
        article = clean_document(raw, rules)
        got = Counter((r.rule, r.text) for r in article.removed if not r.rule.startswith("meta:"))
        total += expected.total()
        hit += (expected & got).total()
        extra += (got - expected).total()
        missed += [f"{path.name[:3]} {rule}: {text[:70]}" for rule, text in expected - got]
    return hit, total, extra, missed


def html_audit(n_pages: int) -> None:
    """What the HTML audit records on the first n pages of the extraction corpus."""
    evaldata = sorted(json.loads((EXTRACTION / "evaldata.json").read_text(encoding="utf-8")).items())[:n_pages]
    audit = extract.audit_page
    spent = [0.0]

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return audit(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    extract.audit_page = timed
    pages = no_content = before = after = found = annotated = body_in_dropped = 0
    reasons: Counter[str] = Counter()
    started = time.perf_counter()
    try:
        for url, entry in evaldata:
            raw = extract.extract_html((EXTRACTION / "html" / entry["file"]).read_bytes(), "web:bench", url, "x")
            if not isinstance(raw, RawDocument):
                continue
            article = clean_document(raw)
            if not article.paragraphs:
                no_content += 1
                continue
            pages += 1
            dropped = [r for r in article.removed if r.rule.startswith(PREFIX)]
            before += len(article.removed) - len(dropped)
            after += len(article.removed)
            reasons.update(r.rule.removeprefix(PREFIX) for r in dropped)
            keys = [match_key(r.text) for r in dropped]
            body = " ".join(match_key(p) for p in article.paragraphs)
            body_in_dropped += sum(1 for p in article.paragraphs   # 4+ words, not "| Säure | |"
                                   if len(match_key(p).split()) >= 4 and any(match_key(p) in k for k in keys))
            for segment in entry.get("without", []):
                k = match_key(segment)
                if len(segment.split()) >= 4 and k not in body:
                    annotated += 1
                    found += any(k in d for d in keys)
    finally:
        extract.audit_page = audit
    total = time.perf_counter() - started
    print(f"\nHTML: {pages} articles from the first {len(evaldata)} extraction pages ({no_content} no content)")
    print(f"  removed lines: {before} without the audit ({before / max(pages, 1):.1f}/page), "
          f"{after} with it ({after / max(pages, 1):.1f}/page)")
    print(f"  dropped blocks by reason: {dict(reasons.most_common())}")
    print(f"  annotated boilerplate segments not in the body, found among dropped blocks: {found}/{annotated}")
    print(f"  body paragraphs (4+ words) inside a dropped block: {body_in_dropped}")
    print(f"  audit time: {spent[0] * 1000 / max(len(evaldata), 1):.1f} ms/page, "
          f"{spent[0] / total:.0%} of extract + clean ({total * 1000 / max(len(evaldata), 1):.1f} ms/page)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--html-pages", type=int, default=0, help="extraction pages to audit (0: none)")
    args = parser.parse_args()
    if not RPM2.is_dir():
        print(f"RPM2 not found at {RPM2}", file=sys.stderr)
        return 1
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    print(f"RPM2: {len(list(RPM2.glob('*.txt')))} texts; seeds: {sum(len(v) for v in gold.values())} gold lines")
    print(f"{'teaser rule':28} {'RPM2 lines removed':>18} {'>= 8 words':>10} {'by rule':40} {'seed recall':>12} {'extra':>5}")
    shipped: dict[str, list[tuple[int, str, str]]] = {}
    for name, rules in variants().items():
        removed = rpm2_removals(rules)
        lines = [r for rs in removed.values() for r in rs]
        by_rule = Counter(rule for _, rule, _ in lines)
        hit, total, extra, missed = seed_scores(rules, gold)
        long_lines = sum(1 for _, _, text in lines if len(text.split()) >= 8)
        print(f"{name:28} {len(lines):>18} {long_lines:>10} {dict(by_rule)!s:40} "
              f"{hit:>4}/{total:<3} {hit / total:.2f} {extra:>5}")
        for m in missed:
            print(f"    missed {m}")
        shipped = removed
    print("\nRPM2 lines the shipped rules still remove:")
    for name, lines in shipped.items():
        for position, rule, text in lines:
            print(f"  {name}:{position} {rule}: {text[:100]}")
    if args.html_pages:
        html_audit(args.html_pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
