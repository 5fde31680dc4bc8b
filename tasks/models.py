"""Plain data passed between pipeline stages (no Prefect, no DuckDB)."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from protego import Protego


@dataclass(frozen=True)
class PageHints:
    """What the listing that led to a page said about it (a feed entry, a sitemap URL): evidence
    for extraction from outside the page.

    `published` is the listing's date as written (RFC 822 or ISO 8601, offset kept); `published_source` says
    which field gave it: "feed" (RSS pubDate / Atom published), "feed:updated" (Atom updated
    only), "sitemap" (Google News publication_date) or "sitemap:lastmod" (a modification date)."""

    title: str | None = None
    published: str | None = None
    published_source: str | None = None
    outlet: str | None = None   # the outlet's name in sources.toml (used when the page names none)


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo: how every time is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def article_id_for(source_uri: str) -> str:
    """Stable article id: the same source URI always gives the same id."""
    return hashlib.sha256(source_uri.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Line:
    """One non-blank line of a source text, with its 0-based line number."""

    position: int
    text: str


@dataclass(frozen=True)
class RemovedLine:
    """A source line that is not in the body, and the rule that took it out."""

    position: int
    text: str
    rule: str


@dataclass(frozen=True)
class Author:
    """One name of a byline: a person, or an outlet or agency named as author ("AFP")."""

    name: str
    kind: str     # person | organization
    source: str   # where it was found: json-ld, meta:author, rel=author, byline, text:author


@dataclass
class RawDocument:
    """What a reader produced: the lines of a text and the metadata found so far."""

    source_id: str
    source_uri: str
    raw_sha256: str
    lines: list[Line]
    title: str | None = None
    site_name: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    published_precision: str | None = None
    language: str | None = None
    image_url: str | None = None
    url: str | None = None
    section: str | None = None
    title_tag: str | None = None       # the page's <title> as written
    authors: list[Author] = field(default_factory=list)
    published_offset: int | None = None   # declared UTC offset, minutes east
    updated_at: datetime | None = None
    metadata_sources: dict[str, str] = field(default_factory=dict)   # field -> where its value came from
    removed: list[RemovedLine] = field(default_factory=list)
    format: str = "text"   # text (lines as written) or html (trafilatura already removed link blocks)


@dataclass
class Article:
    """A cleaned article: metadata, body paragraphs and the lines removed from it."""

    article_id: str
    source_id: str
    source_uri: str
    raw_sha256: str
    paragraphs: list[str]
    removed: list[RemovedLine]
    line_numbers: list[int] = field(default_factory=list)  # source line of each paragraph
    title: str | None = None
    site_name: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    published_precision: str | None = None
    language: str | None = None
    image_url: str | None = None
    url: str | None = None
    title_tag: str | None = None       # the page's <title> as written
    authors: list[Author] = field(default_factory=list)
    published_offset: int | None = None   # declared UTC offset, minutes east
    updated_at: datetime | None = None
    metadata_sources: dict[str, str] = field(default_factory=dict)   # field -> where its value came from
    section: str | None = None
    features: Features | None = field(default=None, repr=False, compare=False)  # tasks/features.py
    raw: RawPage | None = field(default=None, repr=False, compare=False)  # a file's bytes, for raw_pages (reextract)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def outlet(self) -> str | None:
        """The name used to tell outlets apart: site name, else the URL's host."""
        if self.site_name:
            return self.site_name
        if self.url and "://" in self.url:
            return self.url.split("://", 1)[1].split("/", 1)[0].lower() or None
        return None


@dataclass(frozen=True)
class Failure:
    """An input that could not become an article, with the reason."""

    source_id: str
    source_uri: str
    stage: str
    reason: str
    detail: str = ""
    error_type: str | None = None   # the exception's type, when an unexpected error made it a failure


@dataclass(frozen=True)
class WebPage:
    """What extraction needs of a fetched page (crosses into the sandbox: plain data)."""

    source_id: str
    url: str
    final_url: str
    body: bytes
    charset: str | None
    sha256: str
    hints: PageHints | None = None   # what the feed or sitemap entry said (title, date)
    content_type: str | None = None  # the media type, for a page whose raw bytes the worker keeps (WARC records)


@dataclass
class PageRecord:
    """One fetched URL, for the pages table. `outcome` is set by fetch for 304s and fetch
    failures; for pages that reached extraction the load decides (loaded, updated, unchanged, failed)."""

    url: str
    kind: str
    source_id: str
    fetched_at: datetime
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    raw_sha256: str | None = None
    article_id: str | None = None
    outcome: str | None = None


# zlib level of raw_pages.content: level 3 compresses HTML ~2.4x faster than the default 6 for
# 11% more bytes (0.44 vs 1.05 CPU-s, 22.2% vs 20.0% of the size, on 300 corpus pages); any
# level reads back with zlib.decompress.
RAW_ZLIB_LEVEL = 3


def compress_raw(body: bytes) -> bytes:
    """A body as raw_pages.content stores it."""
    return zlib.compress(body, RAW_ZLIB_LEVEL)


@dataclass
class RawPage:
    """A fetched body kept for re-extraction (content is compress_raw's zlib stream)."""

    sha256: str
    content: bytes
    size: int
    content_type: str | None
    charset: str | None
    url: str


@dataclass
class RobotsEntry:
    """robots.txt of one origin as fetched: `body` parsed, or a blanket rule (4xx allow; deny when it
    could not be fetched: 5xx, network error, blocked address, TLS error, timeout — RFC 9309).

    A deny for an unreachable robots.txt holds for the fetcher that met it (this run's batch) and
    is not handed back for the warehouse: the next batch or run asks again. Its `detail` starts with
    UNREACHABLE and names the cause, which becomes the reason of the pages it stopped."""

    origin: str
    fetched_at: datetime
    status: int | None
    body: str | None
    rule: str           # parse, allow or deny
    detail: str = ""

    def parser(self) -> Protego | None:
        from protego import Protego  # only the fetcher parses: the other stages need not import it

        return Protego.parse(self.body) if self.rule == "parse" and self.body is not None else None

    @property
    def unreachable_reason(self) -> str | None:
        """The cause (a FetchError reason) when this is a deny for an unreachable robots.txt."""
        m = _UNREACHABLE.match(self.detail or "") if self.rule == "deny" else None
        return m.group(1) if m else None


UNREACHABLE = "robots.txt unreachable"
_UNREACHABLE = re.compile(re.escape(UNREACHABLE) + r" \(([^)]+)\)")


@dataclass
class ArticleCheck:
    """A re-check of a stored article's page (flows/recheck.py): written with its batch, so that
    the checkpoint it was due at is not checked again."""

    article_id: str
    url: str
    checked_at: datetime
    checkpoint_hours: float


@dataclass
class WebBatch:
    """What a web batch writes besides articles: page states, raw pages, robots.txt entries, and
    the re-checks it made."""

    pages: list[PageRecord] = field(default_factory=list)
    raw: list[RawPage] = field(default_factory=list)
    robots: list[RobotsEntry] = field(default_factory=list)
    checks: list[ArticleCheck] = field(default_factory=list)


@dataclass
class Fingerprint:
    """What dedup needs of one article."""

    article_id: str
    content_hash: int
    winnowed: np.ndarray  # int64, unique, sorted
    paragraph_hashes: list[np.ndarray]  # uint64 word 3-gram hashes of each paragraph (compact to send and keep)
    paragraph_words: list[int]
    _sets: list[frozenset[int]] | None = field(default=None, repr=False, compare=False)

    @property
    def word_count(self) -> int:
        return sum(self.paragraph_words)

    @property
    def paragraph_shingles(self) -> list[frozenset[int]]:
        """Each paragraph's 3-gram hashes as a set, built when a comparison first needs them."""
        if self._sets is None:
            self._sets = [frozenset(h.tolist()) for h in self.paragraph_hashes]
        return self._sets


@dataclass
class Features:
    fingerprint: Fingerprint
    terms: Counter[str]
    paragraph_count: int   # of the article they were computed from (load only ever removes paragraphs)
