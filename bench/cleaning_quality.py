"""What the line rules cut from texts with no boilerplate, and what they still cut from the seeds.

    .venv/bin/python bench/cleaning_quality.py

RPM2 (../shared/eval/clustering/rpm2, 200 French news texts) holds no boilerplate at all: every
line the cleaning removes there, other than the title moved to metadata (meta:*), is real text
lost. The seeds hold boilerplate, annotated line by line in bench/annotations/seeds_boilerplate.json
(what must go, with its rule): gold recall is the share of those lines removed, extra removals are
seed lines removed that are not in the gold. Each variant of the teaser rule runs in the same
process on the same documents: the length-only rule (before issue 15), each of its two new
conditions alone, and both (the rule as shipped).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.documents.clean import Rule, clean_document, load_rules  # noqa: E402
from tasks.documents.read import InputFile, read_input  # noqa: E402
from tasks.models import Article, RawDocument  # noqa: E402

RPM2 = ROOT.parent / "shared" / "eval" / "clustering" / "rpm2" / "documents"
SEEDS = ROOT / "seeds"
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


def main() -> int:
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
