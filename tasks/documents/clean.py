"""Boilerplate removal: data-driven line rules, plus lines a site repeats across its articles."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import xxhash

from tasks.documents.language import detect_language
from tasks.isolation import stage
from tasks.models import Article, RawDocument, RemovedLine, article_id_for
from tasks.text import fold_for_match, is_terminated

RULES_FILE = Path(__file__).parents[1] / "rules" / "boilerplate.toml"


@dataclass(frozen=True)
class Rule:
    """One line rule from rules/boilerplate.toml."""

    name: str
    langs: frozenset[str]
    pattern: re.Pattern[str]
    min_words: int = 0
    max_words: int = 10_000
    unterminated: bool = False
    then: str | None = None
    everywhere: bool = False
    formats: frozenset[str] = frozenset({"text", "html"})
    headline: bool = False
    beside_boilerplate: bool = False

    def applies_to(self, language: str | None) -> bool:
        return self.everywhere or "*" in self.langs or language is None or language in self.langs

    def matches(self, text: str, n_words: int | None = None) -> bool:
        """Does the rule remove this line? `n_words`: its word count, when the caller has it."""
        if n_words is None:
            n_words = len(text.split())
        if not self.min_words <= n_words <= self.max_words:
            return False
        if self.unterminated and is_terminated(text):
            return False
        if self.headline and not is_headline_shaped(text):
            return False
        return bool(self.pattern.search(text))


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    with open(path, "rb") as fh:
        spec = tomllib.load(fh)
    return tuple(
        Rule(
            name=r["name"],
            langs=frozenset(r.get("langs", ["*"])),
            pattern=re.compile(r["pattern"], re.IGNORECASE),
            min_words=r.get("min_words", 0),
            max_words=r.get("max_words", 10_000),
            unterminated=r.get("unterminated", False),
            then=r.get("then"),
            everywhere=r.get("everywhere", False),
            formats=frozenset(r.get("formats", ["text", "html"])),
            headline=r.get("headline", False),
            beside_boilerplate=r.get("beside_boilerplate", False),
        )
        for r in spec["rule"]
    )


# A headline is one clause: no sentence ends inside it ("... l'ambiance. Ce n'était pas ..."), and
# it does not end like a line that goes on on the next one (a comma, a colon introducing a list,
# "de", "the": text wrapped at a fixed width, as in the RPM2 files).
_INNER_SENTENCE_END = re.compile(r"\w{2,}[.!?…][\"'»”’)]*\s+[«\"“]?[A-ZÀ-ÖØ-Þ]")
_CONTINUES = re.compile(
    r"([,;:–—-]|\b(de|du|des|d'|d’|la|le|les|l'|l’|un|une|et|ou|à|au|aux|en|que|qui|dont|sur|par|pour|"
    r"dans|avec|the|a|an|of|to|and|or|in|on|for|with|by|that|der|die|das|und|el|los|las|y))\s*$",
    re.IGNORECASE)


def is_headline_shaped(text: str) -> bool:
    """Whether a line reads as one headline: no sentence ends inside it and it does not end on a
    word or mark that carries on to the next line (real text wrapped or introducing a list)."""
    return not _INNER_SENTENCE_END.search(text) and not _CONTINUES.search(text)


def matching_rule(text: str, rules: Iterable[Rule], language: str | None) -> Rule | None:
    """The first rule that applies to the language and removes the line (its words counted once)."""
    n_words = len(text.split())
    for rule in rules:
        if rule.applies_to(language) and rule.matches(text, n_words):
            return rule
    return None


def _beside_boilerplate(decided: list[str | None], candidate: list[bool], i: int) -> bool:
    """Whether line i sits where links to other articles sit: just before a line that another rule
    removed (an image marker, a source label, a comment widget, another teaser), just after a
    "read also" label, or in a run of at least two such lines that no body line follows."""
    if i + 1 < len(decided) and decided[i + 1] is not None:
        return True
    if i > 0 and decided[i - 1] == "read_also":
        return True
    start = i
    while start > 0 and candidate[start - 1]:
        start -= 1
    tail = i
    while tail < len(decided) and (candidate[tail] or decided[tail] is not None):
        tail += 1
    return tail == len(decided) and sum(candidate[start:]) >= 2


def clean_document(raw: RawDocument, rules: tuple[Rule, ...] | None = None) -> Article:
    """Apply the line rules to a RawDocument; every line ends in the body or in `removed`.

    A rule marked `beside_boilerplate` (teasers) is judged after the others, from the last line
    up, because what removes a teaser is what stands next to it, not its length alone."""
    rules = tuple(r for r in (load_rules() if rules is None else rules) if raw.format in r.formats)
    plain = tuple(r for r in rules if not r.beside_boilerplate)
    contextual = tuple(r for r in rules if r.beside_boilerplate)
    language = raw.language or detect_language(" ".join(line.text for line in raw.lines))
    decided: list[str | None] = []
    caption_next = False
    for line in raw.lines:
        if caption_next:
            caption_next = False
            if len(line.text.split()) <= 60:
                decided.append("image_caption")
                continue
        rule = matching_rule(line.text, plain, language)
        decided.append(rule.name if rule else None)
        caption_next = rule is not None and rule.then == "caption"
    candidates = [None if d is not None else matching_rule(line.text, contextual, language)
                  for line, d in zip(raw.lines, decided, strict=True)]
    is_candidate = [c is not None for c in candidates]
    for i in range(len(raw.lines) - 1, -1, -1):
        if candidates[i] is not None and _beside_boilerplate(decided, is_candidate, i):
            decided[i] = candidates[i].name
    removed = list(raw.removed)
    paragraphs: list[str] = []
    line_numbers: list[int] = []
    for line, rule_name in zip(raw.lines, decided, strict=True):
        if rule_name is None:
            paragraphs.append(line.text)
            line_numbers.append(line.position)
        else:
            removed.append(RemovedLine(line.position, line.text, rule_name))
    return Article(
        article_id=article_id_for(raw.source_uri),
        source_id=raw.source_id,
        source_uri=raw.source_uri,
        raw_sha256=raw.raw_sha256,
        paragraphs=paragraphs,
        removed=sorted(removed, key=lambda r: r.position),
        line_numbers=line_numbers,
        title=raw.title,
        site_name=raw.site_name,
        author=raw.author,
        published_at=raw.published_at,
        published_precision=raw.published_precision,
        language=language,
        image_url=raw.image_url,
        url=raw.url,
        section=raw.section,
        title_tag=raw.title_tag,
        authors=list(raw.authors),
        published_offset=raw.published_offset,
        updated_at=raw.updated_at,
        metadata_sources=dict(raw.metadata_sources),
    )


# --- per-site learned boilerplate -------------------------------------------------------------
#
# A line a site repeats is learned as its boilerplate only when it is shaped like chrome and has
# been seen in varied contexts, because any source can claim a site's name: learning from
# repetition alone let 300 articles sharing one factual sentence erase it from all of them.
# - Shape: at most CHROME_MAX_WORDS words, and not a sentence (a line ending like a sentence with
#   SENTENCE_MIN_WORDS words or more is content, whatever the count). Chrome is "Partager",
#   "Publicité", "Abonnez-vous pour 1 € le premier mois", nav labels; facts are sentences.
# - Contexts: the context of a line in an article is its neighbours, the nearest content line
#   (not chrome-shaped) above and below it. Chrome sits next to each article's own text, so its
#   contexts vary; a line that only recurs because the same text recurs (copies of one dispatch,
#   a sequence of stock sentences) keeps the same neighbours. A line must have been seen in
#   SITE_LINE_MIN_CONTEXTS distinct contexts as well as in SITE_LINE_MIN_ARTICLES articles.

SITE_LINE_MAX_WORDS = 25      # no line longer than this was ever learned (kept: older warehouses)
CHROME_MAX_WORDS = 16         # chrome is short
SENTENCE_MIN_WORDS = 7        # a terminated line this long is a sentence, not chrome
SITE_LINE_MIN_ARTICLES = 5    # a chrome line in this many articles of one site ...
SITE_LINE_MIN_CONTEXTS = 3    # ... next to this many different neighbours is its boilerplate

SiteLine = tuple[str, int]    # (site, line key)


class SiteLineStats(NamedTuple):
    """What the warehouse knows of a site's line: the articles holding it, and the distinct
    contexts it was seen in (at most SITE_LINE_MIN_CONTEXTS are kept)."""

    articles: int
    contexts: frozenset[int] = frozenset()


class SiteLineCounts(Counter):
    """Articles per (site, line key) in a batch, with the contexts each line was seen in."""

    def __init__(self) -> None:
        super().__init__()
        self.contexts: dict[SiteLine, set[int]] = {}

    def as_prior(self) -> dict[SiteLine, SiteLineStats]:
        """These counts as the warehouse would return them once written (for tests and tools)."""
        return {k: SiteLineStats(n, frozenset(sorted(self.contexts.get(k, ()))[:SITE_LINE_MIN_CONTEXTS]))
                for k, n in self.items()}


def is_chrome_line(text: str) -> bool:
    """Whether a line is shaped like site chrome (short, not a sentence): only those can be learned."""
    n_words = len(text.split())
    if not 0 < n_words <= CHROME_MAX_WORDS:
        return False
    return not (n_words >= SENTENCE_MIN_WORDS and is_terminated(text))


def line_key(text: str) -> int:
    """Signed 64-bit hash of a line in match form (fits a DuckDB BIGINT)."""
    return xxhash.xxh64_intdigest(fold_for_match(text).encode()) - (1 << 63)


def _context_key(before: int, after: int) -> int:
    return xxhash.xxh64_intdigest(f"{before}|{after}".encode()) - (1 << 63)


def site_line_contexts(article: Article) -> dict[int, set[int]]:
    """Key of each chrome-shaped line of an article → the contexts it occurs in (the keys of the
    nearest content lines before and after it; 0 at the article's start or end)."""
    chrome = [is_chrome_line(p) for p in article.paragraphs]
    keys = [line_key(p) for p in article.paragraphs]
    before, last = [], 0
    for key, is_chrome in zip(keys, chrome, strict=True):
        before.append(last)
        if not is_chrome:
            last = key
    after, nxt = [0] * len(keys), 0
    for i in range(len(keys) - 1, -1, -1):
        after[i] = nxt
        if not chrome[i]:
            nxt = keys[i]
    found: dict[int, set[int]] = {}
    for i, key in enumerate(keys):
        if chrome[i]:
            found.setdefault(key, set()).add(_context_key(before[i], after[i]))
    return found


def site_line_keys(article: Article) -> set[int]:
    """Keys of the chrome-shaped lines of an article: the candidates for per-site boilerplate."""
    return set(site_line_contexts(article))


def site_line_counts(articles: Iterable[Article]) -> SiteLineCounts:
    """How many of these articles hold each (site, chrome-shaped line key), and in which contexts."""
    counts = SiteLineCounts()
    for article in articles:
        if article.outlet:
            with stage("clean", article.article_id):   # one article's error is its own (tasks/isolation.py)
                lines = site_line_contexts(article)
            for key, contexts in lines.items():
                counts[(article.outlet, key)] += 1
                counts.contexts.setdefault((article.outlet, key), set()).update(contexts)
    return counts


def site_boilerplate(batch_counts: Counter[SiteLine], prior_counts: Mapping[SiteLine, SiteLineStats | int],
                     min_articles: int = SITE_LINE_MIN_ARTICLES,
                     min_contexts: int = SITE_LINE_MIN_CONTEXTS) -> set[SiteLine]:
    """The (site, line key) lines of a batch seen in at least `min_articles` articles of their site
    and in at least `min_contexts` distinct contexts, the batch's and the warehouse's
    (`prior_counts`) together. A bare int prior counts articles with no known context."""
    contexts = getattr(batch_counts, "contexts", {})
    found = set()
    for key, n in batch_counts.items():
        prior = prior_counts.get(key, SiteLineStats(0))
        if isinstance(prior, int):
            prior = SiteLineStats(prior)
        if (n + prior.articles >= min_articles
                and len(contexts.get(key, set()) | prior.contexts) >= min_contexts):
            found.add(key)
    return found


def learn_site_boilerplate(
    articles: Iterable[Article],
    prior_counts: Mapping[SiteLine, SiteLineStats | int],
    min_articles: int = SITE_LINE_MIN_ARTICLES,
) -> tuple[set[SiteLine], SiteLineCounts]:
    """Chrome lines seen in at least `min_articles` articles of one site, in varied contexts
    (warehouse + this batch). Returns the boilerplate (site, line key) set and this batch's
    counts to add to the warehouse."""
    batch_counts = site_line_counts(articles)
    return site_boilerplate(batch_counts, prior_counts, min_articles), batch_counts


def remove_site_boilerplate(article: Article, boilerplate: set[SiteLine]) -> int:
    """Move the article's lines that are learned boilerplate of its site to `removed`."""
    if not article.outlet or not boilerplate:
        return 0
    kept: list[tuple[int, str]] = []
    moved: list[RemovedLine] = []
    for line_no, paragraph in zip(article.line_numbers, article.paragraphs, strict=True):
        if is_chrome_line(paragraph) and (article.outlet, line_key(paragraph)) in boilerplate:
            moved.append(RemovedLine(line_no, paragraph, "site_repeated"))
        else:
            kept.append((line_no, paragraph))
    if moved:
        article.line_numbers = [n for n, _ in kept]
        article.paragraphs = [p for _, p in kept]
        article.removed = sorted(article.removed + moved, key=lambda r: r.position)
    return len(moved)
