"""Quote speakers on 20 and people on 10 hand-annotated RPM2 articles (bench/annotations/).

    .venv/bin/python bench/enrichment_quality.py

For every quotation tasks/quotes.py finds, the annotation gives the speaker (or null when the
article names none). A predicted speaker is right when it shares a name word with the annotated
one ("Poutine" for "Vladimir Poutine"). Precision: right / quotes given a speaker; recall:
right / quotes whose speaker the article names.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.quotes import extract_quotes  # noqa: E402
from tasks.read import InputFile, article_from_file  # noqa: E402
from tasks.text import strip_accents  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "clustering" / "rpm2" / "documents"
ANNOTATIONS = ROOT / "bench" / "annotations" / "rpm2_quote_speakers.json"
PERSONS = ROOT / "bench" / "annotations" / "rpm2_persons.json"
_SMALL = {"de", "la", "le", "du", "des", "banque", "societe"}


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[\s\-’']+", strip_accents(name.casefold())) if len(w) >= 3 and w not in _SMALL}


def evaluate(corpus: Path = CORPUS) -> dict[str, float | int]:
    gold = json.loads(ANNOTATIONS.read_text(encoding="utf-8"))["articles"]
    found = right = given = named = unmatched = 0
    for doc_id, speakers in sorted(gold.items()):
        article = article_from_file(InputFile("files:rpm2", str((corpus / f"{doc_id}.txt").resolve())))
        for quote in extract_quotes(article.paragraphs):
            key = f"{quote.position}:{quote.start}"
            if key not in speakers:
                unmatched += 1     # a quote found today that was not there when annotated
                continue
            found += 1
            truth = speakers[key]
            named += truth is not None
            if quote.speaker:
                given += 1
                right += bool(truth) and bool(_words(quote.speaker) & _words(truth))
    return {"quotes": found, "named": named, "given": given, "right": right, "unmatched": unmatched,
            "precision": right / max(1, given), "recall": right / max(1, named)}


def evaluate_persons(corpus: Path = CORPUS) -> dict[str, float | int]:
    """Distinct people per article: predicted person entities (after merging) against the annotation.
    A prediction is right when its key is the key of one of a person's names, or shares its surname."""
    from tasks.entities import entity_key, extract_mentions

    gold = json.loads(PERSONS.read_text(encoding="utf-8"))["articles"]
    predicted = right_pred = gold_total = found = 0
    for doc_id, people in sorted(gold.items()):
        article = article_from_file(InputFile("files:rpm2", str((corpus / f"{doc_id}.txt").resolve())))
        keys = {m.key for m in extract_mentions(article.paragraphs) if m.kind == "person"}
        names = [{entity_key(n) for n in alternatives} - {""} for alternatives in people]

        def matches(key: str, person: set[str]) -> bool:
            return key in person or any(key.split()[-1] == k.split()[-1] for k in person)

        predicted += len(keys)
        right_pred += sum(any(matches(k, p) for p in names) for k in keys)
        gold_total += len(names)
        found += sum(any(matches(k, p) for k in keys) for p in names)
    return {"people": gold_total, "predicted": predicted, "precision": right_pred / max(1, predicted),
            "recall": found / max(1, gold_total), "right": right_pred, "found": found}


def main() -> int:
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent (put ../shared/eval beside the checkout)")
        return 0
    r = evaluate()
    print(f"quotes: {r['quotes']} ({r['named']} with a named speaker; {r['unmatched']} not in the annotation)")
    print(f"speaker attribution: precision {r['precision']:.3f} ({r['right']}/{r['given']}), "
          f"recall {r['recall']:.3f} ({r['right']}/{r['named']})")
    p = evaluate_persons()
    print(f"people per article (10 articles, {p['people']} people): precision {p['precision']:.3f} "
          f"({p['right']}/{p['predicted']}), recall {p['recall']:.3f} ({p['found']}/{p['people']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
