"""Enrichment stage (outside the ingest hot path): quotes and entity mentions for the articles
not yet enriched, quotes linked across outlets. Run by the `enrich` flow, or `newsflow enrich`."""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from tasks.enrich.entities import Mention, entity_id, entity_key, extract_mentions, prefixed_by, speaker_entity, speaker_keys
from tasks.enrich.quotes import extract_quotes, same_quote
from tasks.isolation import InputError, stage
from tasks.sandbox import SandboxConfig, SandboxError, run_isolated
from warehouse.db import retry_conflicts, utcnow
from warehouse.load.known import stored_paragraphs
from warehouse.sql import insert_rows
from warehouse.sql import keys as key_relation


@dataclass
class EnrichReport:
    articles: int = 0
    quotes: int = 0
    linked: int = 0   # reports joined to a quote first reported elsewhere
    mentions: int = 0
    new_entities: int = 0   # entity rows this run inserted that are still in `entities` at its end
    failed: int = 0   # articles whose quotes or entities could not be extracted (an error, timeout, memory)
    # Ids inserted by this run: a later batch can merge one of them away ("Poutine" into "Vladimir
    # Poutine"), so the count is taken from the table, not summed per batch.
    inserted: set[str] = field(default_factory=set, repr=False)


_PENDING = "NOT EXISTS (SELECT 1 FROM internals.enriched e WHERE e.article_id = a.article_id)"


def count_pending(con: duckdb.DuckDBPyConnection) -> int:
    """Articles not enriched yet (the progress bar's total)."""
    return con.execute(f"SELECT count(*) FROM articles a WHERE {_PENDING}").fetchone()[0]


def enrich_pending(con: duckdb.DuckDBPyConnection, run_id: str, batch_size: int = 500,
                   sandbox: SandboxConfig | None = None,
                   on_batch: Callable[[int], None] | None = None) -> EnrichReport:
    """Quotes and entity mentions for every article without an internals.enriched row, in
    batches; the entity model runs in the sandbox's worker processes. `on_batch(n)` is told each
    batch's article count once it is written (a progress bar: ~17 articles/s, minutes for thousands)."""
    report = EnrichReport()
    while True:
        ids = [i for (i,) in con.execute(f"""
            SELECT a.article_id FROM articles a
            WHERE {_PENDING}
            ORDER BY coalesce(a.published_at, a.ingested_at), a.ingested_at, a.article_id LIMIT ?""",
            [batch_size]).fetchall()]
        if not ids:
            return report
        paragraphs = stored_paragraphs(con, ids)
        found = run_isolated(article_mentions, [paragraphs.get(i, []) for i in ids], sandbox or SandboxConfig(timeout=300))
        def write(ids=ids, paragraphs=paragraphs, found=found, before=report) -> EnrichReport:
            # Counted on a copy: an attempt that lost to a concurrent writer (DuckLake) is rolled
            # back and redone, and must not count twice.
            batch = copy.deepcopy(before)
            _enrich(con, run_id, ids, paragraphs, batch)
            _write_mentions(con, ids, found, batch)
            _link_speakers(con)
            batch.new_entities = con.execute(
                f"SELECT count(*) FROM entities WHERE entity_id IN {key_relation(con, sorted(batch.inserted))}"
            ).fetchone()[0] if batch.inserted else 0
            return batch

        report = retry_conflicts(con, write)
        if on_batch is not None:
            on_batch(len(ids))


def article_mentions(paragraphs: list[str]) -> list[Mention]:
    """Worker-side: the entity model on one article."""
    return extract_mentions(paragraphs)


def _full_names(con, found: list) -> dict[str, str]:
    """One-word key → the most mentioned longer key it is the first or last word of
    (this batch and the warehouse): "Poutine" alone → "Vladimir Poutine"."""
    counts: Counter[str] = Counter()
    for mentions in found:
        if not isinstance(mentions, SandboxError):
            counts.update(m.key for m in mentions if " " in m.key)
    for key, n in con.execute("""SELECT e.key, count(*) FROM entities e JOIN mentions m USING (entity_id)
                                 WHERE e.key LIKE '% %' GROUP BY ALL""").fetchall():
        counts[key] += n
    best: dict[str, tuple[int, str]] = {}
    for key, n in counts.items():
        for word in {key.split()[0], key.split()[-1]}:
            if word not in best or best[word] < (n, key):
                best[word] = (n, key)
    return {word: key for word, (_, key) in best.items()}


def _display_name(surface: str) -> str:
    """A mention as an entity name: titles and leading common nouns dropped."""
    words = surface.split()
    while len(words) > 1 and (words[0][:1].islower() or words[0] in _TITLE_WORDS):
        words = words[1:]            # "cosmodrome de Vostotchny" → "Vostotchny", "M. Poutine" → "Poutine"
    name = " ".join(words)
    elided = re.match(r"[ldLD][’'](?=[A-ZÀ-Ý])", name)     # "l’Occident" → "Occident"
    return name[elided.end():] if elided else name


_TITLE_WORDS = {"M.", "MM.", "Mme", "Mr", "Mr.", "Mrs", "Ms", "Dr", "Dr.", "Me"}


def _write_mentions(con, ids: list[str], found: list, report: EnrichReport) -> None:
    rows = []
    keys: dict[str, str] = {}
    full = _full_names(con, found)
    for article_id, mentions in zip(ids, found, strict=True):
        if isinstance(mentions, SandboxError):
            report.failed += 1
            continue
        for m in mentions:
            key = m.key if " " in m.key else full.get(m.key, m.key)
            keys[entity_id(key)] = key
            rows.append((article_id, entity_id(key), m.surface, m.position, m.start, m.kind))
    if keys:
        known = {i for (i,) in con.execute(
            f"SELECT entity_id FROM entities WHERE entity_id IN {key_relation(con, sorted(keys))}").fetchall()}
        new = [(eid, "", "", keys[eid]) for eid in sorted(keys) if eid not in known]
        insert_rows(con, "entities", ["entity_id", "name", "kind", "key"], new)
        report.inserted.update(eid for eid, *_ in new)
    insert_rows(con, "mentions", ["article_id", "entity_id", "surface", "position", "start", "label"], rows)
    report.mentions += len(rows)
    _merge_one_word_people(con)
    targets = _merge_variants(con)
    _name_entities(con, sorted(set(keys) | targets))


def _merge_one_word_people(con) -> None:
    """A one-word person ("Poutine", from an article that never gives the full name) joins the
    most mentioned person whose first or last word it is ("Vladimir Poutine"), whatever order
    the articles came in."""
    people = con.execute("""SELECT e.entity_id, e.key, count(*) FROM entities e JOIN mentions m USING (entity_id)
                            GROUP BY ALL HAVING mode(m.label) = 'person'""").fetchall()
    best: dict[str, tuple[int, str, str]] = {}
    for eid, key, n in people:
        if " " in key:
            for word in {key.split()[0], key.split()[-1]}:
                best[word] = max(best.get(word, (0, "", "")), (n, key, eid))
    for eid, key, _ in people:
        if " " not in key and key in best:
            target = best[key][2]
            con.execute("UPDATE mentions SET entity_id = ? WHERE entity_id = ?", [target, eid])
            con.execute("UPDATE quotes SET speaker_entity_id = ? WHERE speaker_entity_id = ?", [target, eid])
            con.execute("DELETE FROM entities WHERE entity_id = ?", [eid])


def _merge_variants(con) -> set[str]:
    """Across articles, as within one (entities.merge_variants): an entity joins the one other entity
    of its kind that an article already merged its name into ("RPDC" where another article spelt it
    out), else the one longer name of its kind it is the beginning of, if mentioned more often
    ("Kim Jong" → Kim Jong-un). Returns the entities that received mentions."""
    rows = con.execute("""SELECT e.entity_id, e.key, mode(m.label), count(*), list(DISTINCT m.surface)
                          FROM entities e JOIN mentions m USING (entity_id) GROUP BY ALL""").fetchall()
    kind_of = {eid: kind for eid, _, kind, _, _ in rows}
    id_of = {key: eid for eid, key, *_ in rows}
    counts = Counter({key: n for _, key, _, n, _ in rows})
    variant_of: dict[tuple[str, str], set[str]] = {}     # (kind, a surface's key) → entities written so
    for eid, key, kind, _, surfaces in rows:
        for surface in surfaces:
            k = entity_key(surface)
            if k and k != key:
                variant_of.setdefault((kind, k), set()).add(eid)
    by_kind: dict[str, list[str]] = {}
    for _, key, kind, _, _ in rows:
        by_kind.setdefault(kind, []).append(key)
    moves: dict[str, str] = {}
    for eid, key, kind, _, _ in rows:
        known = variant_of.get((kind, key), set()) - {eid}
        if len(known) == 1:
            moves[eid] = known.pop()
        elif " " in key and (longer := prefixed_by(key, by_kind[kind], counts)):
            moves[eid] = id_of[longer]
    for eid in list(moves):
        seen, target = {eid}, moves[eid]
        while target in moves and target not in seen:
            seen.add(target)
            target = moves[target]
        moves[eid] = target
    for eid, target in moves.items():
        if target == eid or kind_of.get(target) != kind_of[eid]:
            continue
        con.execute("UPDATE mentions SET entity_id = ? WHERE entity_id = ?", [target, eid])
        con.execute("UPDATE quotes SET speaker_entity_id = ? WHERE speaker_entity_id = ?", [target, eid])
        con.execute("DELETE FROM entities WHERE entity_id = ?", [eid])
    return {t for e, t in moves.items() if t != e}


def _name_entities(con, ids: list[str]) -> None:
    """Kind = the label most mentions got, but a place when a one-word person (never written with a
    first name: it would have joined that person) is a place in some article ("Washington");
    name = the fullest spelling of the entity's key (most words, then most frequent, then
    alphabetical): independent of the order articles were enriched in."""
    surfaces: dict[str, Counter[str]] = {}
    labels: dict[str, Counter[str]] = {}
    key_of: dict[str, str] = {}
    for eid, key, surface, label, n in con.execute(f"""
            SELECT m.entity_id, e.key, m.surface, m.label, count(*) FROM mentions m JOIN entities e USING (entity_id)
            WHERE m.entity_id IN {key_relation(con, ids)} GROUP BY ALL""").fetchall():
        surfaces.setdefault(eid, Counter())[_display_name(surface)] += n
        labels.setdefault(eid, Counter())[label] += n
        key_of[eid] = key
    updates = []
    for eid, names in surfaces.items():
        # A spelling of the entity's own key first: "Corée du Nord", not its alias "République
        # populaire démocratique de Corée" (entities.COUNTRY_ALIASES), though longer.
        own = [s for s in names if entity_key(s, alias=False) == key_of[eid]] or list(names)
        name = min(own, key=lambda s: (-len(s.split()), -names[s], s))
        kind = min(labels[eid], key=lambda k: (-labels[eid][k], k))
        if kind == "person" and labels[eid]["place"] and all(" " not in s for s in names):
            kind = "place"      # a one-word "person" never given a first name, that the model calls a place elsewhere
        updates.append((eid, name, kind))
    if updates:
        con.register("_names", pa.table(
            {"entity_id": [u[0] for u in updates], "name": [u[1] for u in updates], "kind": [u[2] for u in updates]}))
        try:
            con.execute("UPDATE entities e SET name = n.name, kind = n.kind FROM _names n WHERE e.entity_id = n.entity_id")
        finally:
            con.unregister("_names")


def _enrich(con, run_id: str, ids: list[str], paragraphs: dict[str, list[str]], report: EnrichReport) -> None:
    story_of = dict(con.execute(
        f"SELECT article_id, story_id FROM story_articles WHERE article_id IN {key_relation(con, ids)}").fetchall())
    # Quotes already known in the same stories: the candidates a new report may repeat.
    known: dict[str, list[tuple[str, str]]] = {}
    for story_id, quote_id, text in con.execute(f"""
            SELECT sa.story_id, q.quote_id, any_value(q.text) FROM quotes q JOIN story_articles sa USING (article_id)
            WHERE sa.story_id IN {key_relation(con, sorted(set(story_of.values())))} GROUP BY ALL""").fetchall():
        known.setdefault(story_id, []).append((quote_id, text))
    rows = []
    for article_id in ids:   # in publication order: the first report names the quote
        story = story_of.get(article_id, f"alone:{article_id}")
        try:
            with stage("quotes", article_id):
                quotes = extract_quotes(paragraphs.get(article_id, []))
        except InputError:   # one article's error costs its quotes, never the enrichment run
            report.failed += 1
            continue
        for quote in quotes:
            match = next((qid for qid, text in known.get(story, []) if same_quote(text, quote.text)), None)
            quote_id = match or f"q_{article_id}_{quote.position}_{quote.start}"
            report.linked += match is not None
            if match is None:
                known.setdefault(story, []).append((quote_id, quote.text))
            rows.append((quote_id, article_id, quote.position, quote.start, quote.text, quote.speaker, run_id))
    insert_rows(con, "quotes", ["quote_id", "article_id", "position", "start", "text", "speaker", "run_id"], rows)
    now = utcnow()
    insert_rows(con, "internals.enriched", ["article_id", "enriched_at"], [(i, now) for i in ids])
    report.articles += len(ids)
    report.quotes += len(rows)


def _link_speakers(con) -> None:
    """Quotes whose speaker is not linked yet get the entity their article mentions under that
    name ("Kim" → Kim Jong Un in that article), else the entity with that name in the warehouse."""
    quotes = con.execute("""SELECT article_id, position, start, speaker FROM quotes
                            WHERE speaker IS NOT NULL AND speaker_entity_id IS NULL""").fetchall()
    if not quotes:
        return
    local: dict[str, dict[str, tuple[str, int]]] = {}
    for article_id, surface, eid, key, n in con.execute(f"""
            SELECT m.article_id, m.surface, m.entity_id, e.key, count(*) FROM mentions m JOIN entities e USING (entity_id)
            WHERE m.article_id IN {key_relation(con, sorted({q[0] for q in quotes}))} GROUP BY ALL""").fetchall():
        known = local.setdefault(article_id, {})
        for k in {key, entity_key(surface)} - {""}:
            known[k] = max(known.get(k, (eid, 0)), (eid, n), key=lambda v: v[1])
    wanted = sorted({k for q in quotes for k in speaker_keys(q[3])})
    everywhere = {key: (eid, n) for key, eid, n in con.execute(f"""
        SELECT e.key, e.entity_id, count(*) FROM entities e JOIN mentions m USING (entity_id)
        WHERE e.key IN {key_relation(con, wanted)} GROUP BY ALL""").fetchall()}
    rows = []
    for article_id, position, start, speaker in quotes:
        eid = speaker_entity(speaker, local.get(article_id, {})) or speaker_entity(speaker, everywhere)
        if eid:
            rows.append((article_id, position, start, eid))
    if rows:
        con.register("_speakers", pa.table({name: [r[i] for r in rows] for i, name in
                                            enumerate(["article_id", "position", "start", "entity_id"])}))
        try:
            con.execute("""UPDATE quotes q SET speaker_entity_id = s.entity_id FROM _speakers s
                           WHERE q.article_id = s.article_id AND q.position = s.position AND q.start = s.start""")
        finally:
            con.unregister("_speakers")
