"""Quote speakers on 20, and people, places and organisations on 10 hand-annotated RPM2 articles
(bench/annotations/).

    .venv/bin/python bench/enrichment_quality.py
    .venv/bin/python bench/enrichment_quality.py --place-probabilities   # the one-word people's place odds

For every quotation tasks/enrich/quotes.py finds, the annotation gives the speaker (or null when the
article names none). A predicted speaker is right when it shares a name word with the annotated
one ("Poutine" for "Vladimir Poutine"). Precision: right / quotes given a speaker; recall:
right / quotes whose speaker the article names.

People, places, organisations: the distinct entities of each kind an article names, against the
entities extract_mentions finds there (merged by key; an entity's kind is the label most of its
mentions got). A predicted place or organisation is right when its key is the key of one of the
annotated names of one of that kind (rpm2_places_orgs.json gives the variants the article uses).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.documents.article import article_from_file  # noqa: E402
from tasks.documents.read import InputFile  # noqa: E402
from tasks.enrich.quotes import extract_quotes  # noqa: E402
from tasks.text import strip_accents  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "clustering" / "rpm2" / "documents"
ANNOTATIONS = ROOT / "bench" / "annotations" / "rpm2_quote_speakers.json"
PERSONS = ROOT / "bench" / "annotations" / "rpm2_persons.json"
PLACES_ORGS = ROOT / "bench" / "annotations" / "rpm2_places_orgs.json"
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
    from tasks.enrich.entities import entity_key, extract_mentions

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


def evaluate_places_orgs(corpus: Path = CORPUS) -> dict[str, dict[str, float | int]]:
    """Per kind (place, organisation): distinct entities per article against the annotation."""
    from collections import Counter

    from tasks.enrich.entities import entity_key, extract_mentions

    gold = json.loads(PLACES_ORGS.read_text(encoding="utf-8"))["articles"]
    totals = {kind: Counter() for kind in ("place", "organisation")}
    for doc_id, kinds in sorted(gold.items()):
        article = article_from_file(InputFile("files:rpm2", str((corpus / f"{doc_id}.txt").resolve())))
        labels: dict[str, Counter[str]] = {}
        for m in extract_mentions(article.paragraphs):
            labels.setdefault(m.key, Counter())[m.kind] += 1
        kind_of = {key: min(c, key=lambda k: (-c[k], k)) for key, c in labels.items()}
        for kind, t in totals.items():
            keys = {key for key, k in kind_of.items() if k == kind}
            names = [{entity_key(n) for n in alternatives} - {""} for alternatives in kinds[kind]]
            t["predicted"] += len(keys)
            t["right"] += sum(any(key in n for n in names) for key in keys)
            t["gold"] += len(names)
            t["found"] += sum(bool(n & keys) for n in names)
    return {kind: {**t, "precision": t["right"] / max(1, t["predicted"]), "recall": t["found"] / max(1, t["gold"])}
            for kind, t in totals.items()}


def place_probabilities(corpus: Path = CORPUS) -> list[tuple[float, str, str]]:
    """Every one-word person without a first name or title in its article, over the 200 RPM2 articles:
    the model's beam probability of the place label (tasks/enrich/entities.PLACE_PROBABILITY is the
    cut), the article and the context, to judge by hand which are places."""
    from tasks.enrich import entities

    seen: list[tuple[float, str, str]] = []
    measure = entities._place_probability

    def spy(doc, start: int, end: int) -> float:
        p = measure(doc, start, end)
        seen.append((p, current, doc.text[max(0, start - 40):end + 25].replace("\n", " ")))
        return p

    entities._place_probability = spy
    try:
        for path in sorted(corpus.glob("*.txt")):
            current = path.stem
            entities.extract_mentions(article_from_file(InputFile("files:rpm2", str(path.resolve()))).paragraphs)
    finally:
        entities._place_probability = measure
    return sorted(seen, reverse=True)


def main() -> int:
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent (put ../shared/eval beside the checkout)")
        return 0
    if "--place-probabilities" in sys.argv:
        for p, doc_id, context in place_probabilities():
            print(f"{p:.3f} {doc_id} {context}")
        return 0
    r = evaluate()
    print(f"quotes: {r['quotes']} ({r['named']} with a named speaker; {r['unmatched']} not in the annotation)")
    print(f"speaker attribution: precision {r['precision']:.3f} ({r['right']}/{r['given']}), "
          f"recall {r['recall']:.3f} ({r['right']}/{r['named']})")
    p = evaluate_persons()
    print(f"people per article (10 articles, {p['people']} people): precision {p['precision']:.3f} "
          f"({p['right']}/{p['predicted']}), recall {p['recall']:.3f} ({p['found']}/{p['people']})")
    for kind, r in evaluate_places_orgs().items():
        print(f"{kind}s per article (10 articles, {r['gold']} {kind}s): precision {r['precision']:.3f} "
              f"({r['right']}/{r['predicted']}), recall {r['recall']:.3f} ({r['found']}/{r['gold']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
