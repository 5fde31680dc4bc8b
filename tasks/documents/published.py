"""The publication date of a page, with its time, offset, precision and the source that gave it.

A wrong date is worse than none (it also decides which of two copies came first), so a date is
only stored from evidence that names it: structured data the publisher wrote for machines
(JSON-LD, meta tags, itemprop), a listing's entry (feed pubDate, Google News sitemap), the URL's
path, then `<time>` elements of the article header. htmldate's guesses are not stored alone: on
the 206 dev pages nothing of that dates, its quick search adds 132 right days for 34 wrong and its
extensive search 28 more right for 12 more wrong (bench/date_quality.py, a wrong day costing 5 right
ones; HTMLDATE_FALLBACK). What is stored there needs two independent pieces of evidence naming the
day (confirmed_date): the first date written near the headline (byline_dates) and htmldate's answer
or the URL's month, or htmldate's day inside the URL's month: 116 right days for 6 wrong on those
pages, 2 of the 6 labels with day and month swapped (CONFIRMED_FALLBACK, HTMLDATE_IN_URL_MONTH).

Conventions: `published_at` is naive UTC when the source declared an offset (`published_offset`
keeps it, minutes east of UTC, so the local day and hour can be rebuilt); a time given without an
offset is stored as the wall time written (offset None): converting it would invent an offset.
A date without a time has precision "day" (00:00). A modification date (article:modified_time,
JSON-LD dateModified, a sitemap's lastmod, a feed's <updated>) is `updated_at`, never the
publication date. Nothing here reads the clock: the crawl date is never a candidate.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import lxml.etree
from htmldate import find_date

from tasks.dates import plausible
from tasks.documents.declarations import meta_tags
from tasks.models import PageHints

PRECISIONS = ("year", "month", "day", "minute", "second")
# Whether htmldate's quick search (what trafilatura runs) may date a page nothing else dates.
# Measured (bench/date_quality.py, leave-one-country-out): see the module docstring.
HTMLDATE_FALLBACK = False
# Whether a date written near the headline is stored when the URL or htmldate names the same day
# (confirmed_date; measured: see the module docstring).
CONFIRMED_FALLBACK = True
# Whether htmldate's day inside the URL's year and month (/2024/04/title) confirms it as well (chosen
# by 17 of 18 held-out folds: it dates pages with no byline date, 12 right and 0 wrong alone).
HTMLDATE_IN_URL_MONTH = True


@dataclass(frozen=True)
class When:
    """A parsed date: `at` naive (UTC when `offset` is set, else the wall time as written)."""

    at: datetime
    offset: int | None
    precision: str

    @property
    def local(self) -> datetime:
        """The wall time the publisher meant (the day a reader of that edition saw)."""
        return self.at + timedelta(minutes=self.offset) if self.offset is not None else self.at

    @property
    def has_time(self) -> bool:
        return self.precision in ("minute", "second")


@dataclass(frozen=True)
class Evidence:
    """One date found for the page: what it claims (published or updated), where, and how sure."""

    kind: str      # "published" or "updated"
    source: str    # e.g. "json-ld:datePublished", "meta:article:published_time", "url", "feed"
    when: When
    tier: int      # 0 structured, 1 listing, 2 URL, 3 <time> element, 4 htmldate


@dataclass(frozen=True)
class PageDates:
    """The dates chosen for a page, and the label of the source of each."""

    published_at: datetime | None = None
    published_offset: int | None = None
    published_precision: str | None = None
    published_source: str | None = None
    updated_at: datetime | None = None
    updated_source: str | None = None

    def sources(self) -> dict[str, str]:
        """The `metadata_sources` entries of these dates."""
        out = {}
        if self.published_source and self.published_at is not None:
            out["published_at"] = self.published_source
        if self.updated_source and self.updated_at is not None:
            out["updated_at"] = self.updated_source
        return out


# --- parsing ---------------------------------------------------------------------------------

_ISO = re.compile(
    r"^\s*(\d{4})-?(\d{2})(?:-?(\d{2}))?"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*"
    r"(Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2}(?!\d))?)?\s*$", re.I)
_YEAR_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")
_DOTTED = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(?:Uhr)?\s*$")
_EPOCH = re.compile(r"^\s*(1[0-9]{9})(\d{3})?\s*$")   # seconds (or milliseconds) since 1970: 2001–2286


def _offset_minutes(text: str | None) -> int | None:
    if not text:
        return None
    if text.upper() in ("Z", "UTC", "GMT"):
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * (hours * 60 + minutes) if hours < 24 and minutes < 60 else None


def _make(year: int, month: int, day: int, hour: int | None, minute: int | None, second: int | None,
          offset_text: str | None, precision: str) -> When | None:
    try:
        local = datetime(year, month, day, hour or 0, minute or 0, second or 0)
    except ValueError:   # 2023-02-30, hour 25: not a date
        return None
    offset = _offset_minutes(offset_text) if hour is not None else None
    if offset_text and hour is not None and offset is None:
        return None
    at = local - timedelta(minutes=offset) if offset is not None else local
    if plausible(at) is None:
        return None
    return When(at, offset, precision)


def parse_when(value: str | None) -> When | None:
    """A date as pages write it for machines: ISO 8601 / W3C (time, seconds and offset optional),
    RFC 822 (feeds, some meta tags), DD.MM.YYYY [HH:MM], a Unix timestamp; None for anything else,
    an impossible date or one outside tasks.dates' window."""
    if not value or len(value) > 64:
        return None
    value = value.strip()
    if m := _ISO.match(value):
        year, month, day, hour, minute, second, offset = m.groups()
        if day is None:   # 202309 or 2023-09: a month, but only with a separator (6 digits are ambiguous)
            return _make(int(year), int(month), 1, None, None, None, None, "month") if "-" in value else None
        precision = "day" if hour is None else "second" if second is not None else "minute"
        return _make(int(year), int(month), int(day), _int(hour), _int(minute), _int(second), offset, precision)
    if m := _DOTTED.match(value):
        day, month, year, hour, minute, second = m.groups()
        precision = "day" if hour is None else "second" if second is not None else "minute"
        return _make(int(year), int(month), int(day), _int(hour), _int(minute), _int(second), None, precision)
    if m := _EPOCH.match(value):
        at = datetime.fromtimestamp(int(m.group(1)), UTC).replace(tzinfo=None)
        return When(at, 0, "second") if plausible(at) else None
    if re.fullmatch(r"\d{4}", value):
        return _make(int(value), 1, 1, None, None, None, None, "year")
    if "," in value or re.search(r"[A-Za-z]{3}", value):
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if parsed.tzinfo is None:   # RFC 822 "-0000": no offset known
            return When(parsed, None, "second") if plausible(parsed) else None
        offset = int(parsed.utcoffset().total_seconds() // 60)   # type: ignore[union-attr]
        at = plausible(parsed)
        return When(at, offset, "second") if at else None
    return None


def _int(text: str | None) -> int | None:
    return int(text) if text is not None else None


# --- evidence ----------------------------------------------------------------------------------

# meta names/properties (lowercase) → (kind, tier). Publication names first; modification names.
_META_PUBLISHED = (
    "article:published_time", "og:published_time", "og:article:published_time", "article:published",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "published_date",
    "publication_date", "article.published", "article_date_original", "dc.date.issued", "dcterms.issued",
    "dc.date.created", "dcterms.created", "sailthru.date", "parsely-pub-date", "cxenseparse:recs:publishtime",
    "og:pubdate", "iso-8601-publish-date", "citation_publication_date", "citation_date", "date", "dc.date",
    "dcterms.date", "datecreated", "originalpublicationdate", "release_date", "displaydate",
)
_META_UPDATED = (
    "article:modified_time", "og:updated_time", "og:modified_time", "article:modified", "datemodified",
    "dcterms.modified", "dc.date.modified", "last-modified", "lastmod", "revised", "modified_date",
    "article.updated", "updated_time",
)
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
                  "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "report",
                  "scholarlyarticle", "techarticle", "socialmediaposting", "advertisercontentarticle",
                  "satiricalarticle", "askpublicnewsarticle", "factcheck", "review", "medicalwebpage",
                  "claimreview"}
_PAGE_TYPES = {"webpage", "itempage", "collectionpage", "videoobject", "imageobject", "podcastepisode",
               "event", "creativework"}
_JSONLD_KEYS = (("datePublished", "published"), ("dateCreated", "published"), ("dateModified", "updated"),
                ("uploadDate", "published"))

_URL_DATE = (
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$|[-_])"),      # /2023/09/13/
    re.compile(r"[/_-]((?:19|20)\d{2})-(\d{2})-(\d{2})(?:[/_.-]|$)"),      # /2023-09-13-title
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})(?:[/_.-]|$)"),            # /20230913/
    re.compile(r"[a-z_-]((?:19|20)\d{2})(\d{2})(\d{2})[_-]"),              # /dmf20250202_96887132
)


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str)}


def _jsonld_objects(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Top-level objects of a JSON-LD block, through lists and @graph, and the mainEntity of a
    page; not the objects nested deeper (related articles in an ItemList carry their own dates)."""
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity"):
            if key in data:
                yield from _jsonld_objects(data[key], depth + 1)


def _jsonld(tree: lxml.etree._Element, page_url: str | None) -> tuple[list[Evidence], bool]:
    """Dates of the article objects of the JSON-LD blocks (web page objects when there is no
    article object), and whether they are an article's. Of several article objects, the one whose
    url is the page's, else the first: pages list related or earlier stories as articles too."""
    articles: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"), strict=False)
        except (ValueError, RecursionError):
            continue
        for obj in _jsonld_objects(data):
            types = _types(obj)
            if types & _ARTICLE_TYPES:
                articles.append(obj)
            elif types & _PAGE_TYPES:
                pages.append(obj)
    chosen = articles or pages
    if not chosen:
        return [], False
    if page_url and len(chosen) > 1:
        key = _url_key(page_url)
        same = [o for o in chosen if any(_url_key(u) == key for u in _urls_of(o))]
        chosen = same or chosen
    out = []
    for key, kind in _JSONLD_KEYS:
        value = chosen[0].get(key)
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, str) and (when := parse_when(value)):
            out.append(Evidence(kind, f"json-ld:{key}", when, 0))
    return out, bool(articles)


def _urls_of(obj: dict[str, Any]) -> list[str]:
    urls = []
    for key in ("url", "@id", "mainEntityOfPage"):
        value = obj.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str):
            urls.append(value)
    return urls


def _url_key(url: str) -> str:
    return re.sub(r"^https?://(www\.)?|[?#].*$|/$", "", url.strip().lower())


def _meta(tree: lxml.etree._Element) -> list[Evidence]:
    """Dates of <meta> tags (property, name, itemprop or http-equiv) and itemprop elements."""
    found: dict[str, Evidence] = {}
    for tag in meta_tags(tree):
        if not tag.content or not tag.names:
            continue
        attr, name = tag.names[0]   # the first naming attribute decides
        kind = _DATE_KIND.get(_name_key(name))
        if kind and name not in found and (when := parse_when(tag.content)):
            label = "itemprop" if attr == "itemprop" else "meta"
            found[name] = Evidence(kind, f"{label}:{name}", when, 0)
    for el in tree.xpath('//*[@itemprop="datePublished" or @itemprop="dateModified"][not(self::meta)]'):
        value = el.get("datetime") or el.get("content") or (el.text or "")
        name = el.get("itemprop")
        if name.lower() not in found and (when := parse_when(value)):
            found[name.lower()] = Evidence("published" if name == "datePublished" else "updated",
                                           f"itemprop:{name}", when, 0)
    order = _META_ORDER
    return sorted(found.values(), key=lambda e: order.get(_name_key(e.source.split(":", 1)[1]), len(order)))


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=4096)
def _name_key(name: str) -> str:
    """A meta name without case and separators: article:published:time, article_published_time
    and article:published_time are one name. (Cached: pages use the same few hundred names.)"""
    return _NOT_ALNUM.sub("", name.lower())


# The kind of date a meta name declares, by its _name_key (a publication name wins a clash), and
# the order of the names (_META_PUBLISHED then _META_UPDATED) that sorts the meta tags' dates.
_DATE_KIND = {**{_name_key(n): "updated" for n in _META_UPDATED}, **{_name_key(n): "published" for n in _META_PUBLISHED}}
_META_ORDER = {_name_key(name): i for i, name in enumerate(_META_PUBLISHED + _META_UPDATED)}


def _time_elements(tree: lxml.etree._Element) -> list[Evidence]:
    """<time datetime> marked pubdate, or the first one in a <header> (the article's byline).
    Not any <time> inside <article>: those also date comments, teasers and related stories
    (measured: right 11 times in 16 where nothing else dated the page, against 13 in 14 for a
    header's)."""
    out = []
    for xpath, label in (("//time[@pubdate][@datetime]", "time:pubdate"),
                         ("//article//header//time[@datetime] | //header//time[@datetime]", "time:header")):
        for el in tree.xpath(xpath)[:1]:
            when = parse_when(el.get("datetime"))
            if when:
                out.append(Evidence("published", label, when, 3))
    return out


def url_date(url: str | None) -> When | None:
    """The date in an article URL's path (/2023/09/13/, /2023-09-13-, /20230913/); day precision."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url.split("?", 1)[0].split("#", 1)[0], flags=re.I)
    for pattern in _URL_DATE:
        if m := pattern.search(path):
            when = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), None, None, None, None, "day")
            if when:
                return when
    return None


def _hint(hints: PageHints | None) -> list[Evidence]:
    if hints is None or not hints.published:
        return []
    when = parse_when(hints.published)
    source = hints.published_source or "feed"
    if when is None:
        return []
    kind = "updated" if source.endswith((":lastmod", ":updated")) else "published"
    return [Evidence(kind, source, when, 1)]


def collect(tree: lxml.etree._Element, url: str | None = None, hints: PageHints | None = None,
            time_elements: bool = True) -> list[Evidence]:
    """Every date the page and its listing give, strongest source first (htmldate aside)."""
    # A web page or video object's dates come after the meta tags (ties go to the first): an
    # embedded video's uploadDate is not the article's date.
    jsonld, of_article = _jsonld(tree, url)
    evidence = (jsonld + _meta(tree) if of_article else _meta(tree) + jsonld) + _hint(hints)
    if when := url_date(url):
        evidence.append(Evidence("published", "url", when, 2))
    return evidence + (_time_elements(tree) if time_elements else [])


# --- resolution --------------------------------------------------------------------------------

def _same_day(a: When, b: When) -> bool:
    """Two dates name the same day: the same local day or the same UTC day (a date stored in UTC
    and the same date written in local time agree)."""
    return a.local.date() == b.local.date() or a.at.date() == b.at.date()


def resolve(evidence: list[Evidence]) -> PageDates:
    """Choose the publication and modification dates.

    Rules (each measured on the dev pages, bench/date_quality.py):
    - the strongest tier that has a publication date decides; within it, the day most of its
      sources agree on (ties: the first in source order: JSON-LD, then meta tags);
    - weaker sources only add a time: a day-precision choice takes the time of an agreeing source
      that has one (a URL date of the same day keeps a meta tag's time);
    - a modification date is only `updated_at` (the first of the strongest tier that has one),
      whatever its tier; a published date later than the modified one is still the publication
      date (scheduled posts: the gold day on 40 of 43 such dev pages);
    - structured and URL dates days apart: structured (2 dev pages, one right each way).
    """
    published = [e for e in evidence if e.kind == "published"]
    updated = [e for e in evidence if e.kind == "updated"]
    out_updated = max(updated, key=lambda e: (-e.tier, PRECISIONS.index(e.when.precision)), default=None)
    if out_updated is not None:
        out_updated = min((e for e in updated if e.tier == out_updated.tier), key=lambda e: updated.index(e))
    if not published:
        return PageDates(updated_at=out_updated.when.at if out_updated else None,
                         updated_source=out_updated.source if out_updated else None)
    best_tier = min(e.tier for e in published)
    tier = [e for e in published if e.tier == best_tier]

    def votes(e: Evidence) -> int:
        return sum(1 for other in published if _same_day(e.when, other.when))

    chosen = max(tier, key=lambda e: (votes(e), -tier.index(e)))
    if not chosen.when.has_time:
        richer = [e for e in published if e.when.has_time and _same_day(e.when, chosen.when)]
        if richer:
            chosen = min(richer, key=lambda e: (e.tier, published.index(e)))
    return PageDates(chosen.when.at, chosen.when.offset, chosen.when.precision, chosen.source,
                     out_updated.when.at if out_updated else None, out_updated.source if out_updated else None)


def page_dates(tree: lxml.etree._Element, url: str | None = None, hints: PageHints | None = None,
               htmldate: str | None = None, time_elements: bool = True,
               checks: Sequence[Callable[[], str | None]] = (), confirm: bool = CONFIRMED_FALLBACK) -> PageDates:
    """The page's dates from its evidence. When the page, its URL and its listing name no
    publication date: a byline date confirmed by the URL or by htmldate (`checks`, see
    confirmed_date; none given, no such date), else `htmldate` (a guess stored alone: the
    pipeline passes none, HTMLDATE_FALLBACK)."""
    evidence = collect(tree, url, hints, time_elements)
    if not any(e.kind == "published" for e in evidence):
        if confirm and (confirmed := confirmed_date(tree, url, checks, htmldate_in_url_month=HTMLDATE_IN_URL_MONTH)):
            evidence.append(confirmed)
        elif htmldate and (when := parse_when(htmldate)):
            evidence.append(Evidence("published", "htmldate", when, 4))
    return resolve(evidence)


# --- dates written for readers: the byline area and the title ---------------------------------

# Month names (and their usual abbreviations) of the languages of the dev pages and their
# neighbours; genitive forms where a language writes the day's month so (pl, cs, ru, fi).
_MONTH_NAMES = (
    "jan january januar jänner janvier janv enero ene gennaio gen janeiro januari januári "
    "stycznia ledna января tammikuuta ocak ιανουαρίου",
    "feb february februar feber février févr fév febrero febbraio fevereiro fev februari "
    "lutego února февраля helmikuuta şubat φεβρουαρίου",
    "mar march märz mär mars marzo março mrt maart marca března марта maaliskuuta mart μαρτίου",
    "apr april avril abril abr aprile aprilie kwietnia dubna апреля huhtikuuta nisan απριλίου",
    "may mai mayo maggio maio mei maja května мая toukokuuta mayıs μαΐου",
    "jun june juni juin junio giugno giu junho czerwca června июня kesäkuuta haziran ιουνίου",
    "jul july juli juillet juil julio luglio lug julho lipca července июля heinäkuuta temmuz ιουλίου",
    "aug august août aout agosto ago augustus sierpnia srpna августа elokuuta ağustos αυγούστου",
    "sep sept september septembre septiembre settembre set setembro wrzesnia września září "
    "сентября syyskuuta eylül σεπτεμβρίου",
    "oct october oktober okt octobre octubre ottobre ott outubro out października října октября "
    "lokakuuta ekim οκτωβρίου",
    "nov november novembre noviembre novembro listopada listopadu ноября marraskuuta kasım νοεμβρίου",
    "dec december dezember dez décembre déc diciembre dic dicembre dezembro desember grudnia prosince "
    "декабря joulukuuta aralık δεκεμβρίου",
)
_MONTH = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
_MONTH_RE = "|".join(sorted(map(re.escape, _MONTH), key=len, reverse=True))
_YEAR = r"((?:19|20)\d{2})"
_TEXT_DATES = (   # (pattern, order of the groups: d = day, m = month, y = year; M = a month name)
    (re.compile(rf"(?<!\d)(\d{{1,2}})(?:\.|º|er|st|nd|rd|th)?\s*(?:de\s+|of\s+)?({_MONTH_RE})\.?,?\s*(?:de\s+)?"
                rf"{_YEAR}(?!\d)", re.I), "dMy"),
    (re.compile(rf"(?<![^\W\d_])({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}(?!\d)", re.I), "Mdy"),
    (re.compile(rf"(?<![\d.])(\d{{1,2}})\.\s?(\d{{1,2}})\.\s?{_YEAR}(?!\d)"), "dmy"),
    (re.compile(rf"(?<!\d){_YEAR}([-/.])(\d{{1,2}})\2(\d{{1,2}})(?![\d])"), "y-md"),
    (re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{2})(?![\d.])"), "dmyy"),
    (re.compile(rf"(?<!\d){_YEAR}\s*[年년]\s*(\d{{1,2}})\s*[月월]\s*(\d{{1,2}})\s*[日일]?"), "ymd"),
    (re.compile(rf"(?<![\d/])(\d{{1,2}})/(\d{{1,2}})/{_YEAR}(?![\d/])"), "a/b/y"),
)
# A date after one of these words is a modification date; one after © a copyright year.
_UPDATED_WORDS = re.compile(
    r"updated|update:|last modified|modified|aktualisiert|geändert|stand:|mis à jour|màj|actualizado|"
    r"actualización|aggiornat|atualizad|bijgewerkt|gewijzigd|zaktualizowano|päivitetty|обновлено|"
    r"güncelleme|更新|수정|©|copyright", re.I)
_SKIP_TAGS = {"script", "style", "noscript", "template", "nav", "footer", "aside", "form", "select",
              "button", "figcaption", "svg", "iframe", "option"}
# Characters of visible text before and after the headline searched for the byline date (after:
# 800 or 1500 measured, 1500 chosen on the other folds by 18 of 18 held-out folds).
_BYLINE_BEFORE, _BYLINE_AFTER = 200, 1500


def text_dates(text: str) -> list[When]:
    """The day-month-year dates written in `text` for readers, in reading order: month names of
    many languages, DD.MM.YYYY, YYYY-MM-DD, 2023年3月12日; a/b/YYYY only when one of a, b is over 12
    (03/04/2023 is March or April depending on the country). The part of `text` after an update
    or copyright word is ignored: that date is not the publication's."""
    if m := _UPDATED_WORDS.search(text):
        text = text[:m.start()]
    found: list[tuple[int, When]] = []
    for pattern, order in _TEXT_DATES:
        for m in pattern.finditer(text):
            g = m.groups()
            if order == "dMy":
                day, month, year = int(g[0]), _MONTH[g[1].lower()], int(g[2])
            elif order == "Mdy":
                day, month, year = int(g[1]), _MONTH[g[0].lower()], int(g[2])
            elif order == "dmy":
                day, month, year = int(g[0]), int(g[1]), int(g[2])
            elif order == "y-md":
                day, month, year = int(g[3]), int(g[2]), int(g[0])
            elif order == "dmyy":   # 28.01.22: this century's year (the window ends in 2100)
                day, month, year = int(g[0]), int(g[1]), 2000 + int(g[2])
            elif order == "ymd":
                day, month, year = int(g[2]), int(g[1]), int(g[0])
            else:
                a, b, year = int(g[0]), int(g[1]), int(g[2])
                if (a > 12) == (b > 12):
                    continue
                day, month = (a, b) if a > 12 else (b, a)
            if when := _make(year, month, day, None, None, None, None, "day"):
                found.append((m.start(), when))
    return [when for _, when in sorted(found, key=lambda item: item[0])]


def _visible_chunks(root: lxml.etree._Element, stop_after: int | None = None) -> tuple[list[str], int | None]:
    """The visible text pieces of the page in reading order (no scripts, menus, asides, footers,
    captions; lists and tables stay: bylines are often a <ul class="meta">), and the index of
    the headline's first piece: the first <h1>, else <h2>. The walk stops `stop_after`
    characters past the <h1> (the rest of a long page is not read)."""
    chunks: list[str] = []
    h1_at: int | None = None
    h2_at: int | None = None
    skip = after = 0

    def add(text: str) -> None:
        nonlocal after
        chunks.append(" ".join(text.split()))
        if h1_at is not None:
            after += len(chunks[-1]) + 1

    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        if stop_after is not None and after > stop_after:
            break
        tag = el.tag if isinstance(el.tag, str) else None
        if event == "start":
            if tag is None:
                continue
            if tag in _SKIP_TAGS:
                skip += 1
                continue
            if skip == 0:
                if tag == "h1" and h1_at is None:
                    h1_at = len(chunks)
                elif tag == "h2" and h2_at is None:
                    h2_at = len(chunks)
                if el.text and el.text.strip():
                    add(el.text)
        else:
            if tag in _SKIP_TAGS:
                skip -= 1
            if skip == 0 and el.tail and el.tail.strip():
                add(el.tail)
    return chunks, h1_at if h1_at is not None else h2_at


def byline_dates(tree: lxml.etree._Element, before_chars: int = _BYLINE_BEFORE,
                 after_chars: int = _BYLINE_AFTER) -> list[When]:
    """Dates written near the headline: the visible text just before and after the first <h1>
    (where bylines say "Publié le 12 mars 2023", "Published: ..."), after-headline ones first."""
    body = tree.find(".//body")
    chunks, h1_at = _visible_chunks(body if body is not None else tree, stop_after=after_chars + 1)
    if h1_at is None:
        return []
    after, before, size = [], [], 0
    for chunk in chunks[h1_at:]:
        if size > after_chars:
            break
        after.append(chunk)
        size += len(chunk) + 1
    size = 0
    for chunk in reversed(chunks[:h1_at]):
        if size > before_chars:
            break
        before.insert(0, chunk)
        size += len(chunk) + 1
    return [w for chunk in after for w in text_dates(chunk)] + [w for chunk in before for w in text_dates(chunk)]


def title_dates(tree: lxml.etree._Element) -> list[When]:
    """Dates in the page's <title> (a bulletin's "Sitzung vom 12.03.2023")."""
    title = tree.find(".//title")
    return text_dates(title.text_content()) if title is not None else []


def url_month(url: str | None) -> tuple[int, int] | None:
    """The year and month of a URL path that names no day (/2023/09/title)."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url.split("?", 1)[0].split("#", 1)[0], flags=re.I)
    if m := re.search(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/", path):
        return int(m.group(1)), int(m.group(2))
    return None


def confirmed_date(tree: lxml.etree._Element, url: str | None, checks: Sequence[Callable[[], str | None]],
                   after_chars: int = _BYLINE_AFTER, htmldate_in_url_month: bool = False) -> Evidence | None:
    """A date for a page nothing machine-readable dates, only where two independent pieces of
    evidence name it: the first date written near the headline and either the URL's year and
    month or one of htmldate's answers (`checks`, called in order and only while needed: the
    quick search is run for every page, by trafilatura_fields; the extensive one is not). A date in the <title>
    that is not that day vetoes it (the headline says which day the page is about). With
    `htmldate_in_url_month`, htmldate's day inside the URL's month counts too.
    Each rule's right and wrong days are in bench/RESULTS.md."""
    answers: list[When | None] = []

    def guesses() -> Iterator[When]:
        for k, check in enumerate(checks):
            if k == len(answers):
                answers.append(parse_when(check()))
            if answers[k] is not None:
                yield answers[k]   # type: ignore[misc]

    byline = byline_dates(tree, after_chars=after_chars)
    first = byline[0] if byline else None
    title = title_dates(tree)
    month = url_month(url)
    if first is not None and not (title and not any(_same_day(first, t) for t in title)):
        if month == (first.at.year, first.at.month):
            return Evidence("published", "text:byline+url", first, 4)
        for guess in guesses():
            if _same_day(guess, first):
                return Evidence("published", "text:byline+htmldate", first, 4)
    if htmldate_in_url_month and month is not None:
        for guess in guesses():
            if (guess.local.year, guess.local.month) == month and not (
                    title and not any(_same_day(guess, t) for t in title)):
                return Evidence("published", "htmldate+url", When(guess.at, guess.offset, guess.precision), 4)
    return None


def htmldate_checks(tree: lxml.etree._Element, url: str | None,
                    quick: str | None) -> tuple[Callable[[], str | None], ...]:
    """The htmldate answers confirmed_date may ask for: the quick search trafilatura_fields already ran
    (`quick`, free), then the extensive search, run only when a byline date is still unconfirmed
    (it costs a quarter of an extraction)."""
    def extensive() -> str | None:
        try:
            return find_date(tree, extensive_search=True, original_date=True, url=url)
        except Exception:   # a fallback that breaks leaves the page undated; it must not fail the page
            return None
    return (lambda: quick), extensive
