"""Discovery: the article URLs listed by RSS/Atom feeds, sitemaps and URL-list files.

Parsers take bytes (never a URL or path: feedparser would fetch or open those itself) and refuse
documents that declare XML entities (billion laughs, external entities: news feeds never need
them). Sitemaps are parsed by lxml with entity resolution, DTD loading and network access off.
"""

from __future__ import annotations

import email.utils
import gzip
import io
import re
from dataclasses import dataclass
from datetime import datetime

import feedparser
import lxml.etree

from tasks.dates import plausible
from tasks.web.urls import canonical_url, is_web_url, resolve

MAX_XML_BYTES = 50_000_000
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be read; `reason` is short, the message says more."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Link:
    """An article URL found by discovery, with what the listing said about it."""

    url: str                         # canonical
    title: str | None = None
    published_at: datetime | None = None   # UTC, naive
    date_text: str | None = None     # the listing's date as written (offset kept), when it parsed
    date_source: str | None = None   # feed, feed:updated, sitemap (news publication_date), sitemap:lastmod


@dataclass(frozen=True)
class Sitemap:
    links: list[Link]
    sitemaps: list[str]              # child sitemaps of a sitemap index


def _refuse_entities(data: bytes, what: str) -> None:
    if _ENTITY_DECL.search(data[:100_000]):
        raise DiscoveryError(f"malformed {what}", f"the {what} declares XML entities (refused: entity expansion)")


def _maybe_gunzip(data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        out = gzip.GzipFile(fileobj=io.BytesIO(data)).read(MAX_XML_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise DiscoveryError("bad gzip", str(exc)) from exc
    if len(out) > MAX_XML_BYTES:
        raise DiscoveryError("too large", f"decompresses to over {MAX_XML_BYTES} bytes")
    return out


LISTING_ROOTS = {"feed": ("rss", "feed", "RDF"), "sitemap": ("urlset", "sitemapindex")}
_PROLOG = re.compile(rb"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*", re.S | re.I)
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
SNIFF_BYTES = 64_000


def root_element(data: bytes) -> str | None:
    """The local name of the document's first element (prolog, comments and doctype skipped), or
    None when the bytes do not start with markup (a text sitemap, say)."""
    head = _maybe_gunzip(data)[:SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf")
    prolog = _PROLOG.match(head)
    match = _ROOT.match(head, prolog.end() if prolog else 0)
    return match.group(1).decode("ascii") if match else None


def check_served_as_html(data: bytes, kind: str, media: str) -> None:
    """A feed or sitemap served as text/html (common: misconfigured servers) is read when its body
    is one (an RSS, Atom or RDF root; urlset or sitemapindex; a sitemap's plain-text URL list); a
    real HTML page listed as a feed is refused with the reason."""
    root = root_element(data)
    if root in LISTING_ROOTS[kind] or (root is None and kind == "sitemap"):
        return
    what = "an RSS or Atom feed" if kind == "feed" else "a sitemap"
    found = f"its root element is <{root}>" if root else "it holds no XML"
    raise DiscoveryError("wrong content type", f"Content-Type {media} and {found}: an HTML page, not {what}")


def _link(base: str, href: str | None, title: str | None = None, when: datetime | None = None,
          date_text: str | None = None, date_source: str | None = None) -> Link | None:
    if not href:
        return None
    try:
        url = canonical_url(resolve(base, href))
    except ValueError:   # not http(s), bad port, broken IPv6 literal: not a link to follow
        return None
    if when is None:
        date_text = date_source = None
    return Link(url, (title or "").strip() or None, when, date_text and date_text.strip(), date_source)


def parse_feed(data: bytes, base_url: str) -> list[Link]:
    """Article links of an RSS or Atom feed (bytes as served)."""
    if not isinstance(data, bytes):
        raise TypeError("parse_feed takes bytes: feedparser fetches URLs and opens paths given as str")
    data = _maybe_gunzip(data)
    _refuse_entities(data, "feed")
    parsed = feedparser.parse(data, response_headers={"content-location": base_url},
                              resolve_relative_uris=False, sanitize_html=False)
    if not parsed.entries:
        if parsed.bozo:
            raise DiscoveryError("malformed feed", f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}")
        if not parsed.version:
            raise DiscoveryError("malformed feed", "not an RSS or Atom document")
    links = []
    for entry in parsed.entries:
        href = entry.get("link") or next((ln.get("href") for ln in entry.get("links", [])
                                          if ln.get("rel", "alternate") == "alternate"), None)
        # An entry's <updated> alone is a modification date: extraction keeps it apart (PageHints).
        text, source = ((entry.get("published"), "feed") if entry.get("published")
                        else (entry.get("updated"), "feed:updated"))
        link = _link(base_url, href, entry.get("title"), _strict_date(text), text, source)
        if link:
            links.append(link)
    if parsed.bozo and not links:
        raise DiscoveryError("malformed feed", f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}")
    return links


def parse_sitemap(data: bytes, base_url: str) -> Sitemap:
    """URLs of a sitemap (urlset, Google News sitemap), child sitemaps of an index, or a text sitemap."""
    data = _maybe_gunzip(data)
    if not data.lstrip().startswith(b"<"):
        text = data.decode("utf-8", "replace")
        return Sitemap([link for line in text.splitlines() if (link := _link(base_url, line.strip()))], [])
    _refuse_entities(data, "sitemap")
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                  huge_tree=False, recover=True)
    try:
        root = lxml.etree.fromstring(data, parser=parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise DiscoveryError("malformed sitemap", str(exc)) from exc
    if root is None:
        raise DiscoveryError("malformed sitemap", "no XML document")
    tag = lxml.etree.QName(root).localname
    if tag == "sitemapindex":
        children = [resolve(base_url, loc.text) for loc in root.iter(f"{_SITEMAP_NS}loc", "loc") if loc.text]
        return Sitemap([], list(dict.fromkeys(canonical_url(u) for u in children if is_web_url(u))))
    if tag != "urlset":
        raise DiscoveryError("malformed sitemap", f"root element <{tag}> is not urlset or sitemapindex")
    links = []
    for url in root.iter(f"{_SITEMAP_NS}url", "url"):
        loc = url.findtext(f"{_SITEMAP_NS}loc") or url.findtext("loc")
        title = url.findtext(f"{_NEWS_NS}news/{_NEWS_NS}title")
        news_date = url.findtext(f"{_NEWS_NS}news/{_NEWS_NS}publication_date")
        # lastmod says when the URL last changed, not when it was published: labelled apart.
        text, source = (news_date, "sitemap") if news_date else (url.findtext(f"{_SITEMAP_NS}lastmod"), "sitemap:lastmod")
        link = _link(base_url, loc, title, _w3c_date(text), text, source)
        if link:
            links.append(link)
    return Sitemap(links, [])


def _strict_date(value: str | None) -> datetime | None:
    """A feed date (RFC 822 or ISO 8601) in UTC, or None when absent, impossible or implausible
    (outside tasks.dates' window: year 9999 would overflow the UTC shift). feedparser's own parsed
    dates wrap impossible ones (month 13 becomes January of the next year), so the raw string is
    parsed here, strictly."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return _w3c_date(value)
    return plausible(when)


def _w3c_date(value: str | None) -> datetime | None:
    """A W3C datetime (sitemaps) in UTC; None when absent, impossible (month 13 is not wrapped) or
    implausible (0001-01-01T00:00:00+01:00 would overflow the UTC shift)."""
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        return None
    return plausible(when)


def parse_url_list(text: str, base_url: str = "") -> tuple[list[str], list[str]]:
    """(canonical URLs, rejected lines) of a list file: one URL per line, # comments, blanks ignored."""
    urls, rejected = [], []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("http") else raw.strip()
        if not line:
            continue
        url = resolve(base_url, line) if base_url else line
        try:
            urls.append(canonical_url(url))
        except ValueError:   # not http(s), bad port, broken IPv6 literal
            rejected.append(line)
    return urls, rejected
