"""HTML bytes → RawDocument with trafilatura: charset, parse, main text and metadata.

The bytes are decoded here, not by the HTTP client: the charset declared in the HTTP header
wins, then the page's meta charset, then detection (UTF-8 if it decodes, else charset
detection, with Windows-1252 for Latin-1 labels as browsers do). The page is parsed once by
lxml with `huge_tree` (the default parser silently drops everything under 255 levels of
nesting) and the tree goes to trafilatura.
"""

from __future__ import annotations

import codecs
import logging
import re
from datetime import datetime

import charset_normalizer
import lxml.etree
import lxml.html
import trafilatura
from htmldate import find_date
from trafilatura.settings import set_date_params
from trafilatura.utils import repair_faulty_html

from tasks.models import Failure, Line, RawDocument
from tasks.text import clean_line

# trafilatura logs every page it finds nothing in; our Failure rows say it once, with the reason.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

# Browsers treat these labels as windows-1252 (WHATWG Encoding Standard).
_WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819", "iso-ir-100"}
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
MAX_DEPTH = 2000  # nesting lxml keeps with huge_tree; deeper pages are refused with that reason

_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                               remove_comments=True, remove_pis=True, huge_tree=True)


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def meta_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (<meta charset> or http-equiv)."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """(text, how it was decoded): HTTP charset, then meta charset, then detection."""
    for origin, label in (("http", http_charset), ("meta", meta_charset(data))):
        codec = _codec(label)
        if codec:
            try:
                return data.decode(codec), f"{origin}:{codec}"
            except UnicodeDecodeError:
                if codec == "utf-8" and (text := _mostly_utf8(data)) is not None:
                    return text, f"{origin}:utf-8"
                continue  # a wrong declaration: fall through to the next source
    try:
        return data.decode("utf-8-sig"), "detected:utf-8"
    except UnicodeDecodeError:
        if (text := _mostly_utf8(data)) is not None:
            return text, "detected:utf-8"
    codec = _detect(data)
    return data.decode(codec, errors="replace"), f"detected:{codec}"


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken sequences (a truncated teaser, a bad copy-paste) is still UTF-8:
    decode with U+FFFD there, if valid multi-byte characters far outnumber the errors."""
    text = data.decode("utf-8-sig", errors="replace")
    errors = text.count("\ufffd")
    valid = sum(1 for c in text if ord(c) > 127) - errors
    return text if errors <= max(2, valid // 100) and valid > 4 * errors else None


def _detect(data: bytes) -> str:
    """Legacy single-byte pages: windows-1252 unless detection finds it clearly worse (ties are
    common between cp1250/1252/1257 on Western text, and 1252 is by far the web's usual one)."""
    results = list(charset_normalizer.from_bytes(data[:200_000]))
    if not results:
        return "cp1252"
    best = min(r.chaos for r in results)
    for r in results:
        if "cp1252" in r.could_be_from_charset and r.chaos <= best + 0.02:
            return "cp1252"
    codec = _codec(results[0].encoding)
    return "cp1252" if codec in (None, "ascii", "latin-1", "iso8859-1") else codec


def max_depth(tree: lxml.etree._Element) -> int:
    """Deepest element nesting of a parsed tree (one walk, start and end events)."""
    depth = deepest = 0
    for event, _ in lxml.etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def _parse_date(value: str | None) -> tuple[datetime | None, str | None]:
    if not value:
        return None, None
    for fmt, precision in (("%Y-%m-%d", "day"), ("%Y-%m", "month"), ("%Y", "year")):
        try:
            return datetime.strptime(value[: len(fmt) + 2], fmt), precision
        except ValueError:
            continue
    return None, None


def parse_html(data: bytes, http_charset: str | None = None) -> lxml.etree._Element | None:
    """Decode and parse once, as trafilatura's load_html does (same repairs, str first, then bytes)
    but with huge_tree; None when the bytes hold no HTML tree."""
    text, _ = decode_html(data, http_charset)
    text = repair_faulty_html(text, text[:50].lower())
    tree = None
    try:
        tree = lxml.html.fromstring(text, parser=_PARSER)
    except ValueError:   # a str with an XML encoding declaration
        pass
    except lxml.etree.ParserError:
        return None
    if tree is None or len(tree) < 1:
        try:
            tree = lxml.html.fromstring(text.encode("utf-8", "surrogatepass"), parser=_PARSER)
        except (lxml.etree.ParserError, ValueError):
            return None
    return tree


def extract_html(data: bytes, source_id: str, source_uri: str, raw_sha256: str,
                 url: str | None = None, charset: str | None = None) -> RawDocument | Failure:
    """Extract the main text and metadata of an HTML page."""
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Failure(source_id, source_uri, "extract", "not html", "binary data (NUL bytes), not an HTML page")
    tree = parse_html(data, charset)
    if tree is None:
        return Failure(source_id, source_uri, "extract", "no content", "the bytes hold no HTML document")
    try:
        doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False,
                                          include_tables=True, date_extraction_params=set_date_params(extensive=False))
        if doc is not None and not doc.date:
            # htmldate's extensive search (dateparser over the page's text) is a quarter of the
            # extraction time: run it only when the quick search found no date.
            doc.date = find_date(tree, **set_date_params(extensive=True), url=doc.url or url)
    except RecursionError:
        return Failure(source_id, source_uri, "extract", "nesting too deep", "the page nests elements too deep to walk")
    except Exception as exc:  # trafilatura raises many types on broken markup
        return Failure(source_id, source_uri, "extract", "extraction error", f"{type(exc).__name__}: {exc}")
    if doc is None or not (doc.text or "").strip():
        if data.count(b"<") > MAX_DEPTH and max_depth(tree) > MAX_DEPTH:
            return Failure(source_id, source_uri, "extract", "nesting too deep",
                           f"elements nested more than {MAX_DEPTH} levels deep")
        return Failure(source_id, source_uri, "extract", "no content", "no main text found in the page")
    published_at, precision = _parse_date(doc.date)
    lines = [Line(i, clean_line(t)) for i, t in enumerate(doc.text.split("\n")) if clean_line(t)]
    return RawDocument(
        format="html",
        source_id=source_id,
        source_uri=source_uri,
        raw_sha256=raw_sha256,
        lines=lines,
        title=clean_line(doc.title) if doc.title else None,
        site_name=clean_line(doc.sitename) if doc.sitename else None,
        author=clean_line(doc.author) if doc.author else None,
        published_at=published_at,
        published_precision=precision,
        language=doc.language or None,
        image_url=doc.image or None,
        url=doc.url or url,
    )
