"""Boilerplate removal: data-driven line rules, plus lines a site repeats across its articles."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import xxhash

from tasks.language import detect_language
from tasks.models import Article, RawDocument, RemovedLine, article_id_for
from tasks.text import fold_for_match, is_terminated

RULES_FILE = Path(__file__).parent / "rules" / "boilerplate.toml"


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

    def applies_to(self, language: str | None) -> bool:
        return self.everywhere or "*" in self.langs or language is None or language in self.langs

    def matches(self, text: str) -> bool:
        n_words = len(text.split())
        if not self.min_words <= n_words <= self.max_words:
            return False
        if self.unterminated and is_terminated(text):
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
        )
        for r in spec["rule"]
    )


def matching_rule(text: str, rules: Iterable[Rule], language: str | None) -> Rule | None:
    for rule in rules:
        if rule.applies_to(language) and rule.matches(text):
            return rule
    return None


def clean_document(raw: RawDocument, rules: tuple[Rule, ...] | None = None) -> Article:
    """Apply the line rules to a RawDocument; every line ends in the body or in `removed`."""
    rules = tuple(r for r in (load_rules() if rules is None else rules) if raw.format in r.formats)
    language = raw.language or detect_language(" ".join(line.text for line in raw.lines))
    removed = list(raw.removed)
    paragraphs: list[str] = []
    line_numbers: list[int] = []
    caption_next = False
    for line in raw.lines:
        if caption_next:
            caption_next = False
            if len(line.text.split()) <= 60:
                removed.append(RemovedLine(line.position, line.text, "image_caption"))
                continue
        rule = matching_rule(line.text, rules, language)
        if rule is None:
            paragraphs.append(line.text)
            line_numbers.append(line.position)
            continue
        removed.append(RemovedLine(line.position, line.text, rule.name))
        caption_next = rule.then == "caption"
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
    )


# --- per-site learned boilerplate -------------------------------------------------------------

SITE_LINE_MAX_WORDS = 25
SITE_LINE_MIN_ARTICLES = 5   # a short line in this many articles of one site is its boilerplate


def line_key(text: str) -> int:
    """Signed 64-bit hash of a line in match form (fits a DuckDB BIGINT)."""
    return xxhash.xxh64_intdigest(fold_for_match(text).encode()) - (1 << 63)


def site_line_keys(article: Article) -> set[int]:
    """Keys of the short lines of an article: the candidates for per-site boilerplate."""
    return {line_key(p) for p in article.paragraphs if len(p.split()) <= SITE_LINE_MAX_WORDS}


def site_line_counts(articles: Iterable[Article]) -> Counter[tuple[str, int]]:
    """How many of these articles hold each (site, short line key)."""
    counts: Counter[tuple[str, int]] = Counter()
    for article in articles:
        if article.outlet:
            counts.update((article.outlet, key) for key in site_line_keys(article))
    return counts


def site_boilerplate(batch_counts: Counter[tuple[str, int]], prior_counts: dict[tuple[str, int], int],
                     min_articles: int = SITE_LINE_MIN_ARTICLES) -> set[tuple[str, int]]:
    """The (site, line key) lines of a batch seen in at least `min_articles` articles of their
    site, the batch's and the warehouse's (`prior_counts`) together."""
    return {key for key, n in batch_counts.items() if n + prior_counts.get(key, 0) >= min_articles}


def learn_site_boilerplate(
    articles: Iterable[Article],
    prior_counts: dict[tuple[str, int], int],
    min_articles: int = SITE_LINE_MIN_ARTICLES,
) -> tuple[set[tuple[str, int]], Counter[tuple[str, int]]]:
    """Lines seen in at least `min_articles` articles of one site (warehouse + this batch).

    Returns the boilerplate (site, line key) set and this batch's counts to add to the warehouse.
    """
    batch_counts = site_line_counts(articles)
    return site_boilerplate(batch_counts, prior_counts, min_articles), batch_counts


def remove_site_boilerplate(article: Article, boilerplate: set[tuple[str, int]]) -> int:
    """Move the article's lines that are learned boilerplate of its site to `removed`."""
    if not article.outlet or not boilerplate:
        return 0
    kept: list[tuple[int, str]] = []
    moved: list[RemovedLine] = []
    for line_no, paragraph in zip(article.line_numbers, article.paragraphs, strict=True):
        key = (article.outlet, line_key(paragraph))
        if len(paragraph.split()) <= SITE_LINE_MAX_WORDS and key in boilerplate:
            moved.append(RemovedLine(line_no, paragraph, "site_repeated"))
        else:
            kept.append((line_no, paragraph))
    if moved:
        article.line_numbers = [n for n, _ in kept]
        article.paragraphs = [p for _, p in kept]
        article.removed = sorted(article.removed + moved, key=lambda r: r.position)
    return len(moved)
