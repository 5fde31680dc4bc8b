"""HTML bytes → RawDocument with trafilatura: charset, parse, main text and metadata.

The bytes are decoded here, not by the HTTP client, as browsers do (WHATWG Encoding Standard): a
byte-order mark, then the charset of the HTTP header, then the page's meta charset, then detection
(UTF-8 if it decodes, else charset detection); only WHATWG labels are honoured, Latin-1 labels mean
Windows-1252. Bytes that decode to no text (control characters, no run of real words) are refused. The page is parsed once by
lxml with `huge_tree` (the default parser silently drops everything under 255 levels of
nesting) and the tree goes to trafilatura.
"""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer
import lxml.etree
import lxml.html
import trafilatura
from trafilatura.utils import repair_faulty_html

from tasks.documents.dropped import audit_page
from tasks.documents.metadata import BODY_START_LINES, extract_metadata, with_listing
from tasks.documents.published import HTMLDATE_FALLBACK, htmldate_checks, page_dates
from tasks.documents.trafilatura_fields import trafilatura_fields
from tasks.isolation import InputError, stage
from tasks.models import Failure, Line, PageHints, RawDocument
from tasks.text import WORD_RUN, clean_line, has_word_run, not_text_reason

# trafilatura logs every page it finds nothing in; our Failure rows say it once, with the reason.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
MAX_DEPTH = 2000  # nesting lxml keeps with huge_tree; deeper pages are refused with that reason


def html_class_lookup() -> lxml.etree.ElementNamespaceClassLookup:
    """lxml.html's element classes (HtmlElement; FormElement for <form>, InputElement...),
    chosen by lxml in C. lxml.html.HTMLParser asks a Python method (HtmlElementClassLookup) for
    the class of every element object it creates, ~7,000 a page over trafilatura's passes and
    ours: a few ms per page (issue 17). The classes are the same (tags of the HTML parser are
    lower-case and without namespace, which is all that method looks at)."""
    lookup = lxml.etree.ElementNamespaceClassLookup(lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity))
    lookup.get_namespace(None).update(lxml.html.HtmlElementClassLookup._default_element_classes)
    return lookup


_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                               remove_comments=True, remove_pis=True, huge_tree=True)
_PARSER.set_element_class_lookup(html_class_lookup())

# The labels of the WHATWG Encoding Standard (what browsers accept in a charset), with the Python
# codec that decodes each. Only these are honoured: Python's codec registry also knows
# bytes-to-bytes codecs ('hex', 'base64', 'zlib', 'rot13'), 'undefined', 'punycode', 'utf-7'...,
# which no browser applies to a page and which raise or decode garbage. Latin-1 and ASCII labels
# mean windows-1252, as in browsers. ('replacement' labels such as iso-2022-kr are left out: the
# bytes are then detected.)
_WHATWG_LABELS: dict[str, tuple[str, ...]] = {
    "utf-8": ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"),
    "cp866": ("866", "cp866", "csibm866", "ibm866"),
    "iso8859-2": ("csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2",
                  "iso_8859-2:1987", "l2", "latin2"),
    "iso8859-3": ("csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3",
                  "iso_8859-3:1988", "l3", "latin3"),
    "iso8859-4": ("csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4",
                  "iso_8859-4:1988", "l4", "latin4"),
    "iso8859-5": ("csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595",
                  "iso_8859-5", "iso_8859-5:1988"),
    "iso8859-6": ("arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114", "iso-8859-6",
                  "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596", "iso_8859-6",
                  "iso_8859-6:1987"),
    "iso8859-7": ("csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7", "iso-ir-126",
                  "iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek"),
    "iso8859-8": ("csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138",
                  "iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual", "csiso88598i",
                  "iso-8859-8-i", "logical"),
    "iso8859-10": ("csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6"),
    "iso8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"),
    "iso8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "mac-roman": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "cp874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "cp1250": ("cp1250", "windows-1250", "x-cp1250"),
    "cp1251": ("cp1251", "windows-1251", "x-cp1251"),
    "cp1252": ("ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
               "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii",
               "windows-1252", "x-cp1252", "latin-1", "x-user-defined"),
    "cp1253": ("cp1253", "windows-1253", "x-cp1253"),
    "cp1254": ("cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
               "iso_8859-9:1989", "l5", "latin5", "windows-1254", "x-cp1254"),
    "cp1255": ("cp1255", "windows-1255", "x-cp1255"),
    "cp1256": ("cp1256", "windows-1256", "x-cp1256"),
    "cp1257": ("cp1257", "windows-1257", "x-cp1257"),
    "cp1258": ("cp1258", "windows-1258", "x-cp1258"),
    "mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gb18030": ("chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk", "iso-ir-58",
                "x-gbk", "gb18030"),
    "big5hkscs": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "euc_jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso2022_jp": ("csiso2022jp", "iso-2022-jp"),
    "cp932": ("csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j", "x-sjis"),
    "cp949": ("cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987", "ks_c_5601-1989",
              "ksc5601", "ksc_5601", "windows-949"),
    "utf-16-be": ("unicodefffe", "utf-16be"),
    "utf-16-le": ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"),
}
_CODEC_OF_LABEL = {label: codec for codec, labels in _WHATWG_LABELS.items() for label in labels}
_UTF16 = ("utf-16-be", "utf-16-le")
# What detection may choose: the WHATWG decoders (UTF-16 aside: its pages declare it or carry a BOM)
# and the narrower Python codecs of the same families.
_DETECTABLE = (set(_WHATWG_LABELS) - set(_UTF16) - {"cp1252"}) | {"shift_jis", "euc_kr", "gbk", "gb2312", "big5"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _codec(label: str | None) -> str | None:
    """The Python codec of a WHATWG charset label; None for any other label."""
    return _CODEC_OF_LABEL.get(label.strip().lower()) if label else None


def meta_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (<meta charset> or http-equiv)."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """(text, how it was decoded), as browsers do: a byte-order mark, then the HTTP charset, then
    the meta charset (where a UTF-16 label means UTF-8: bytes that could carry an ASCII <meta> are
    not UTF-16), then detection. A declaration the bytes contradict falls through to the next."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), f"bom:{codec.removesuffix('-sig')}"
            except UnicodeError:
                break
    for origin, label in (("http", http_charset), ("meta", meta_charset(data))):
        codec = _codec(label)
        if codec in _UTF16 and (origin == "meta" or data[:4096].count(0) < len(data[:4096]) // 5):
            codec = "utf-8"   # ASCII-compatible bytes (a meta tag, or too few NULs for UTF-16 markup)
        if codec:
            try:
                return data.decode(codec), f"{origin}:{codec}"
            except UnicodeError:
                if codec == "utf-8" and (text := _mostly_utf8(data)) is not None:
                    return text, f"{origin}:utf-8"
                continue  # a wrong declaration: fall through to the next source
    try:
        return data.decode("utf-8"), "detected:utf-8"
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
    try:
        codec = codecs.lookup(results[0].encoding).name
    except LookupError:
        return "cp1252"
    return codec if codec in _DETECTABLE else "cp1252"


def max_depth(tree: lxml.etree._Element) -> int:
    """Deepest element nesting of a parsed tree (one walk, start and end events)."""
    depth = deepest = 0
    for event, _ in lxml.etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_html(data: bytes, http_charset: str | None = None) -> lxml.etree._Element | None:
    """Decode and parse once (see parse_text); None when the bytes hold no HTML tree."""
    return parse_text(decode_html(data, http_charset)[0])


def parse_text(text: str) -> lxml.etree._Element | None:
    """Parse a decoded page as trafilatura's load_html does (same repairs, str first, then bytes)
    but with huge_tree; None when the text holds no HTML tree."""
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
                 url: str | None = None, charset: str | None = None, hints: PageHints | None = None
                 ) -> RawDocument | Failure:
    """Extract the main text and metadata of an HTML page, or the Failure saying why not (an
    unexpected exception is the failure of the step that raised it: decode, parse, extract, date).
    `hints`: what the feed or sitemap entry said of the page (its date is evidence too)."""
    try:
        return _extract_html(data, source_id, source_uri, raw_sha256, url, charset, hints)
    except InputError as err:
        if isinstance(err.cause, RecursionError):
            return Failure(source_id, source_uri, "extract", "nesting too deep", "the page nests elements too deep to walk")
        return err.failure(source_id, source_uri)


def _extract_html(data: bytes, source_id: str, source_uri: str, raw_sha256: str,
                  url: str | None, charset: str | None, hints: PageHints | None = None) -> RawDocument | Failure:
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Failure(source_id, source_uri, "extract", "not html", "binary data (NUL bytes), not an HTML page")
    with stage("decode", source_uri):
        text, how = decode_html(data, charset)
        not_text = not_text_reason(text, need_words=False)   # words: in the main text, below
    if not_text:
        return Failure(source_id, source_uri, "decode", "not text", f"{not_text} (decoded as {how})")
    with stage("parse", source_uri):
        tree = parse_text(text)
    if tree is None:
        return Failure(source_id, source_uri, "extract", "no content", "the bytes hold no HTML document")
    with stage("extract", source_uri):   # trafilatura raises many types on broken markup
        # The text only: the few fields of trafilatura's metadata step read here come from
        # trafilatura_fields (the rest of that step cost a fifth of a worker's time).
        doc = trafilatura.bare_extraction(tree, url=url, with_metadata=False, include_comments=False,
                                          include_tables=True)
    if doc is None or not (doc.text or "").strip():
        if data.count(b"<") > MAX_DEPTH and max_depth(tree) > MAX_DEPTH:
            return Failure(source_id, source_uri, "extract", "nesting too deep",
                           f"elements nested more than {MAX_DEPTH} levels deep")
        return Failure(source_id, source_uri, "extract", "no content", "no main text found in the page")
    if len(doc.text.split()) >= 3 * WORD_RUN and not has_word_run(doc.text):   # a few words: cleaning judges
        return Failure(source_id, source_uri, "extract", "not text", f"no run of {WORD_RUN} real words in the main text")
    with stage("extract", source_uri):
        fields = trafilatura_fields(tree, url)
    page_url = fields.url or url
    with stage("date", source_uri):   # tasks/documents/published.py; fields.date: htmldate's quick search
        dates = page_dates(tree, page_url, hints, fields.date if HTMLDATE_FALLBACK else None,
                           checks=htmldate_checks(tree, page_url, fields.date))
    lines = [Line(i, clean_line(t)) for i, t in enumerate(doc.text.split("\n")) if clean_line(t)]
    with stage("metadata", source_uri):
        body_start = [line.text for line in lines[:BODY_START_LINES]]   # where the page prints its headline
        meta = with_listing(extract_metadata(tree, page_url, fields, body_start), hints)
    with stage("extract", source_uri):   # what trafilatura left out, as removed lines (dropped.py)
        lines, dropped = audit_page(tree, lines, fields.title)
    return RawDocument(
        format="html",
        source_id=source_id,
        source_uri=source_uri,
        raw_sha256=raw_sha256,
        lines=lines,
        title=meta.title,
        title_tag=meta.title_tag,
        site_name=meta.site_name,
        author=meta.author,
        authors=meta.authors,
        published_at=dates.published_at,
        published_precision=dates.published_precision,
        published_offset=dates.published_offset,
        updated_at=dates.updated_at,
        language=None,   # trafilatura sets one only with target_language; language.py detects it
        image_url=fields.image or None,
        url=page_url,
        metadata_sources={**meta.sources, **dates.sources()},   # title/authors/site_name, then the dates
        removed=dropped,
    )
