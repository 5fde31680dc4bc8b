"""Title, authors and outlet name of an HTML page, from the parsed tree (pure: no I/O).

trafilatura takes one value per field from the first source it finds, so titles keep the site
name ("… | The Japan Times"), bylines keep labels ("View all posts by …") and the site name may be
a title-cased host. Here every field gathers its candidates from the page's own declarations
(JSON-LD, Open Graph, Twitter, meta tags, microdata, visible headline and byline) and picks the
value they agree on:

- title: the candidates (JSON-LD headline, og:title, the visible <h1> — not hidden, not in the
  navigation, footer or sidebar — else the article header's <h2>, twitter:title, <title>) lose a
  prefix or suffix, cut at a separator, that names the outlet (its declared name, its host, a
  site-title <h1>, a header <h1> that is a short affix of the <title>), a date, a byline or
  "Blog Archive", and what follows an outlet's name in the middle ("Headline | Site | Slogan");
  title tags lose a section suffix that another candidate lacks ("Headline - National") or one
  glued on without spaces ("Headline-정치"); an <h1> loses a kicker in its own element when the
  declarations carry the headline without it, and (pages without a JSON-LD headline) a meta
  title loses a short label before the <h1>'s text ("Pressemitteilung: …"); a headline cut short
  ("…", a JSON-LD headline of 100+ characters, a meta tag cut at an unescaped quote) counts as
  the longer candidate it starts; a title tag whose one side (cut at a separator) opens the
  extracted text loses the other, short side, the page printing that one as its headline. A
  declared outlet name that is itself a title candidate ("Headline | Outlet" as og:site_name) is
  no outlet name, and a headline that only contains the outlet's name stays when every candidate
  does. Candidates equal but for typography (curly or straight quotes, dashes, NBSP, "…") agree;
  the text most sources agree on wins (the <title> has half a vote), else the first in
  _TITLE_ORDER (an <h1> inside the article before one outside it), stored in the visible
  headline's spelling, with a separator a declaration of the same words adds where the <h1>
  joined a kicker's element without one. Measured (bench/RESULTS.md): no fixed preference order
  beats the vote on held-out countries; the page's declarations disagree by publisher, not by
  kind.
- authors: names from the first source, in order of explicitness, that yields any (JSON-LD,
  meta tags, microdata, rel=author, byline-classed elements, "By X" lines, a label in its own
  element then the name ("<strong>Autor</strong> Name"), a bold name paragraph, trafilatura), split
  ("X, Y and Z", "X und Y"), cleaned of labels, roles and dates, junk rejected; an outlet or a wire
  service named as author is kept with kind "organization". When a source credits only the
  outlet itself (its name, its host name, or a house account such as /author/admin), a later
  source that names people or a declared wire service wins; a desk's signature ("Redaktion X")
  stands. Bylines of teasers (an <article> without the page's <h1>, a link holding a headline)
  are not the page's; a declared list is completed by the co-authors its byline markup links.
- site_name: og:site_name, JSON-LD publisher, application-name; None rather than a made-up name.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import lxml.etree

from tasks.documents.declarations import meta_tags
from tasks.models import Author, PageHints
from tasks.text import clean_line

AUTHOR_JOIN = "; "   # names may hold commas ("Smith, John" in some feeds): a semicolon never does

# --- helpers ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A clean single line of a JSON or attribute value ('' for anything not a string)."""
    if isinstance(value, str):
        return clean_line(_unescape(value))
    return ""


def _unescape(value: str) -> str:
    """Entities left encoded inside JSON-LD or meta content ('&amp;', '&#8211;')."""
    return html.unescape(value) if "&" in value else value


_NOT_ALNUM = re.compile(r"[\W_]+")   # \w is str.isalnum() or "_": this drops what isalnum() rejects


@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    """Comparison key: case, accents, punctuation and spaces folded away. (Cached: the same
    candidates and names are keyed again and again for one page.)"""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKD", text.casefold()))


_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'",
                             "“": '"', "”": '"', "„": '"', "‟": '"',
                             "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
                             "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None,
                             "\u2060": None, "\ufeff": None})


def _norm(text: str) -> str:
    """How two candidates are judged equal: case, whitespace and typography folded (curly and
    straight quotes, dashes, NBSP, "…" and "...", one trailing period, soft hyphens), as one CMS
    field typed once is often served curly in the visible headline and straight in og:title."""
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).casefold()
    text = " ".join(text.split())
    return text[:-1].rstrip() if text.endswith(".") and not text.endswith("..") else text


_NOT_TEXT = ("script", "style", "noscript", "template", "rt", "rp")   # rt/rp: ruby readings ("体罰<rt>たいばつ</rt>")


def _element_text(el: lxml.etree._Element) -> str:
    """The visible text of an element (scripts and styles left out, and ruby annotations: the
    reading aid <rt> printed above a Japanese word is no part of the text)."""
    parts = []
    hidden = _NOT_TEXT
    for node in el.iter():
        if isinstance(node.tag, str) and node.text and node.tag not in hidden:
            parts.append(node.text)   # comments and processing instructions: their tail only
        if node is not el and node.tail:
            parts.append(node.tail)
    return clean_line(" ".join(parts))


_CLOSING_MARK = re.compile(r"^\s*[:;,.!?)\]»“”’]")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")   # kana and Han: Japanese and Chinese words run on without spaces


def _heading_text(el: lxml.etree._Element) -> str:
    """A heading's visible text, its parts joined with a space except before a closing mark: a
    kicker in its own element then ": " in the next ("<span>LTE-Patent</span><span>: </span>…")
    reads "LTE-Patent: …", as on the page, not "LTE-Patent : …"."""
    parts: list[str] = []
    hidden = _NOT_TEXT
    for node in el.iter():
        if isinstance(node.tag, str) and node.text and node.tag not in hidden:
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    text = ""
    for part in parts:
        glued = _CLOSING_MARK.match(part) or (_UNSPACED.match(text[-1:]) and _UNSPACED.match(part[:1]))
        text += part if glued else f" {part}"
    return clean_line(text)


# --- JSON-LD ---------------------------------------------------------------------------------

_ARTICLE_TYPE = re.compile(r"(Article|BlogPosting|Posting|Report|NewsArticle)$", re.I)
_ORG_TYPE = re.compile(r"Organi[sz]ation$|Corporation$|NewsMedia|^Brand$", re.I)


def _types(node: dict[str, Any]) -> list[str]:
    t = node.get("@type", [])
    return [x.rsplit("/", 1)[-1] for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)]


def _jsonld_nodes(tree: lxml.etree._Element) -> list[dict[str, Any]]:
    """Every object of the page's JSON-LD blocks, @graph and lists flattened (nested values kept)."""
    nodes: list[dict[str, Any]] = []
    for script in tree.iterfind(".//script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        raw = script.text.strip().removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = json.loads(raw)
        except ValueError:
            try:
                data = json.loads(re.sub(r"[\x00-\x1f]", " ", raw))
            except ValueError:
                continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                nodes.append(item)
                if isinstance(item.get("@graph"), list | dict):
                    stack.append(item["@graph"])
                if isinstance(item.get("mainEntity"), list | dict):
                    stack.append(item["mainEntity"])
    return nodes


@dataclass
class _JsonLd:
    article: dict[str, Any] | None = None
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    website_name: str = ""

    def resolve(self, value: Any) -> Any:
        """A {"@id": ...} reference replaced by the node it names, when the page holds it."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.by_id:
            return self.by_id[value["@id"]]
        return value


def _read_jsonld(tree: lxml.etree._Element) -> _JsonLd:
    nodes = _jsonld_nodes(tree)
    ld = _JsonLd(by_id={n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 2})
    articles = [n for n in nodes if any(_ARTICLE_TYPE.search(t) for t in _types(n))]
    # the article with a headline or author: pages also list related articles without them
    articles.sort(key=lambda n: (not n.get("author"), not n.get("headline")))
    ld.article = articles[0] if articles else None
    for n in nodes:
        if "WebSite" in _types(n) and _text(n.get("name")):
            ld.website_name = _text(n.get("name"))
            break
    return ld


# --- title -----------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"\s+[|–—·:«»›‹~/•*-]+(?:\s+[|–—·:«»›‹~/•*-]+)*\s+"   # " | ", " - ", " // » "
                         r"|\s*[|·•｜ㅣ：]\s*|\s+[-–—]{1,2}(?=\s)|\s*::\s*")
MAX_AFFIX_WORDS = 8   # a site name is short; a longer affix is a kicker or a subtitle
_DATE_AFFIX = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")               # "… | DW | 28.04.2023"
_BYLINE_AFFIX = re.compile(r"^(?:by|von|par|por)\s+\S+(?:\s+\S+){0,3}$", re.I)   # "… | by Cristina Laila"
_ARCHIVE_AFFIX = re.compile(r"^blog[- ]?archiv(?:e)?$", re.I)   # WordPress's default "Blog Archive » Post"
_LOOSE_SEPARATOR = re.compile(r"\s+[|–—·:~/•*-]+$")   # "Headline -": an affix cut off
MAX_SITE_TAIL_WORDS = 20   # "Headline | Site | Slogan | Country": what follows the outlet's name


def _meta(tree: lxml.etree._Element, *names: str) -> list[tuple[str, str]]:
    """(name, content) of <meta name|property|itemprop=...> in document order, for these names."""
    wanted = {n.lower() for n in names}
    out = []
    for tag in meta_tags(tree) if tree.tag != "meta" else ():   # a <meta> root is not its own descendant
        name = next((name for attr, name in tag.names if attr != "http-equiv" and name in wanted), None)
        if name is not None and (content := _text(tag.content)):
            out.append((name, content))
    return out


def _host_keys(url: str | None) -> set[str]:
    """The host's distinctive labels ('japantimes' of www.japantimes.co.jp), for affix matching."""
    host = (urlsplit(url).hostname or "") if url and "://" in url else ""
    labels = [lab for lab in host.lower().split(".") if lab not in ("www", "m", "amp", "edition", "")]
    keys = set()
    if len(labels) > 1:
        if len(labels[-1]) >= 4:   # a brand TLD is part of the name: aoc.media is "AOC media"
            keys.add(_key("".join(labels)))
        labels = labels[:-1]   # the TLD
    keys |= {_key(lab) for lab in labels if lab not in ("com", "co", "org", "net", "gov")}
    if labels:
        keys.add(_key("".join(labels)))
    return {k for k in keys if len(k) >= 2}


def _title_host_keys(url: str | None) -> set[str]:
    """_host_keys and the whole host written out ("… | MDR.DE" on www.mdr.de: "mdr" alone is too
    short to match loosely). For title affixes only: as an outlet's name, the declared one
    ("Neue Zürcher Zeitung") is better than its domain ("NZZ.ch")."""
    host = (urlsplit(url).hostname or "") if url and "://" in url else ""
    labels = [lab for lab in host.lower().split(".") if lab not in ("www", "m", "amp", "edition", "")]
    return _host_keys(url) | ({_key("".join(labels))} if len(labels) > 1 else set())


def _is_site(part: str, site_keys: set[str], host_keys: set[str]) -> bool:
    """Does this title affix name the outlet (its declared name or its host)?"""
    k = _key(part)
    if not k or len(part.split()) > MAX_AFFIX_WORDS:
        return False
    if any(k == s or (len(s) >= 4 and (s in k or k in s) and min(len(k), len(s)) * 2 >= max(len(k), len(s)))
           for s in site_keys):
        return True
    return any(h == k or (len(h) >= 4 and h in k) or (len(k) >= 4 and k in h) for h in host_keys)


def _splits(title: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SEPARATORS.finditer(title)]


def strip_site(title: str, site_keys: set[str], host_keys: set[str], extra: frozenset[str] = frozenset()) -> str:
    """The title without leading or trailing parts, cut at a separator, that name the outlet, a
    date or a byline, or (trailing only) that `extra` holds: see _section_suffixes."""
    def chrome(part: str) -> bool:
        return (not _key(part) or _is_site(part, site_keys, host_keys) or bool(_DATE_AFFIX.match(part))
                or bool(_BYLINE_AFFIX.match(part)) or bool(_ARCHIVE_AFFIX.match(part)))

    changed = True
    while changed:
        changed = False
        cuts = _splits(title)
        if not cuts:
            break
        start, end = cuts[-1]
        head, tail = title[:start].strip(), title[end:].strip()
        if head and tail and (chrome(tail) or _key(tail) in extra):
            title, changed = head, True
            continue
        start, end = cuts[0]
        head, tail = title[:start].strip(), title[end:].strip()
        if head and tail and chrome(head):
            title, changed = tail, True
    return _LOOSE_SEPARATOR.sub("", _cut_at_site(title, site_keys, host_keys))


def _cut_at_site(title: str, site_keys: set[str], host_keys: set[str]) -> str:
    """The title up to a middle part that names the outlet ("Headline | la diaria | Uruguay"):
    what follows the outlet's name is its slogan or place, not the headline."""
    cuts = _splits(title)
    for i, (start, end) in enumerate(cuts):
        part = title[end: cuts[i + 1][0] if i + 1 < len(cuts) else len(title)].strip()
        head = title[:start].strip()
        if len(_key(head)) >= 3 and _is_site(part, site_keys, host_keys) and len(title[end:].split()) <= MAX_SITE_TAIL_WORDS:
            return head
    return title


_TITLE_ORDER = ("json-ld:headline", "og:title", "h1", "h1:out", "twitter:title", "json-ld:name", "title", "trafilatura")
_SECTIONED = ("title", "og:title", "twitter:title", "trafilatura")   # where sites append a section
# One declaration, one vote: twitter:title is most often a copy of og:title made by the same CMS
# field, and JSON-LD's name of its headline.
_FAMILY = {"json-ld:name": "json-ld:headline", "twitter:title": "og:title", "h1:out": "h1"}
_NO_VOTE = ("trafilatura",)   # its title is one of the page's own (og:title first): no vote of its own


def _title_candidates(tree: lxml.etree._Element, ld: _JsonLd, doc_title: str | None) -> list[tuple[str, str]]:
    cands: list[tuple[str, str]] = []
    if ld.article:
        for key in ("headline", "name"):
            if t := _text(ld.article.get(key)):
                cands.append((f"json-ld:{key}", t))
    for name, content in _meta(tree, "og:title", "twitter:title"):
        cands.append((name, content))
    for el, t in visible_headlines(tree)[:3]:
        cands.append(("h1" if _in_article(el) else "h1:out", t))
        if rest := _without_kicker_element(el, t):
            cands.append(("h1:rest", rest))   # no vote: see _drop_kickers
    title_el = tree.find(".//title")
    if title_el is not None and (t := _element_text(title_el)):
        cands.append(("title", t))
    if doc_title:
        cands.append(("trafilatura", clean_line(doc_title)))
    return [(s, t) for s, t in cands if t and len(t) <= 400]


_HIDDEN_CLASSES = frozenset("sr-only sr-only-focusable screen-reader-text screen-reader-only visually-hidden "
                            "visuallyhidden vh a11y-hidden is-hidden u-hidden hidden hide d-none invisible "
                            "element-invisible offscreen off-screen".split())
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# A class or id that names the element itself as navigation ("main-nav", "breadcrumbs",
# "site-footer"), not one that says the page has such a part ("has-sidebar", "with-navigation").
_CHROME_TOKEN = re.compile(r"^(?!(?:has|with|no|above|below|before|after)[-_])(?:[a-z]+[-_]{1,2})?"
                           r"(?:nav|navbar|navigation|menu|breadcrumbs?|footer|sidebar)"
                           r"(?:[-_]{1,2}(?:wrapper|container|inner|bar|list|menu|items?|links?))?$", re.I)
_CHROME_TAGS = ("nav", "footer", "aside")
_CHROME_ROLES = ("navigation", "contentinfo", "complementary", "menu", "menubar")


def _hidden(el: lxml.etree._Element) -> bool:
    """Is this element hidden from readers (hidden attribute, aria-hidden, display:none, a class
    such as sr-only or visually-hidden)? Such headings are for screen readers or templates
    ("Navigation und Service"), not the headline a reader sees. A "hidden" class beside a
    responsive display class ("hidden md:block") shows on wide screens."""
    for e in (el, *el.iterancestors()):
        if e.get("hidden") is not None or (e.get("aria-hidden") or "").strip().lower() == "true":
            return True
        if _HIDDEN_STYLE.search(e.get("style") or ""):
            return True
        tokens = (e.get("class") or "").lower().split()
        if any(t in _HIDDEN_CLASSES for t in tokens) and not any(":" in t for t in tokens):
            return True
    return False


def _in_chrome(el: lxml.etree._Element) -> bool:
    """Is this element inside the page's navigation, breadcrumb, menu, footer or sidebar? A
    heading there names a section or a teaser, not the article."""
    for a in el.iterancestors():
        if a.tag in _CHROME_TAGS or (a.get("role") or "").lower() in _CHROME_ROLES:
            return True
        if a.tag in ("body", "html", "main", "article"):
            continue   # their classes describe the whole page ("single-post has-sidebar")
        if any(_CHROME_TOKEN.search(t) for t in f"{a.get('class') or ''} {a.get('id') or ''}".split()):
            return True
    return False


def visible_headlines(tree: lxml.etree._Element) -> list[tuple[lxml.etree._Element, str]]:
    """(element, text) of the headings a reader sees as the headline: the <h1>s that are not
    hidden, not in the navigation, footer or sidebar and not the site's name; else the <h2> of
    the article's header (blog themes keep <h1> for the site name)."""
    def usable(els: Iterable[lxml.etree._Element]) -> list[tuple[lxml.etree._Element, str]]:
        return [(el, t) for el in els if (t := _heading_text(el)) and len(t) <= 400
                and not _is_site_heading(el) and not _hidden(el) and not _in_chrome(el)]
    return usable(tree.iterfind(".//h1")) or usable(tree.xpath(
        ".//article//header//h2 | .//header[contains(@class, 'entry') or contains(@class, 'article')"
        " or contains(@class, 'post')]//h2"))[:1]


_ARTICLE_REGION = re.compile(r"\b(?:article|story|post|entry|content|headline|main)", re.I)


def _in_article(el: lxml.etree._Element) -> bool:
    """Is this <h1> inside the article's region (<article>, <main>, itemprop headline, an element
    classed as the article or story)? A heading outside it is more often a logo or a section name."""
    if el.get("itemprop") == "headline":
        return True
    for a in el.iterancestors():
        if a.tag in ("article", "main") or a.get("role") == "main" or a.get("itemprop") == "articleBody":
            return True
        if a.tag in ("header", "nav", "footer", "aside") and _SITE_HEADING.search(f"{a.get('class') or ''} {a.get('id') or ''}"):
            return False
        if _ARTICLE_REGION.search(f"{a.get('class') or ''} {a.get('id') or ''}"):
            return True
    return False


_SITE_HEADING = re.compile(r"site-?(?:title|name|logo|branding)|logo|brand|blog-?(?:title|name)|masthead", re.I)


def _is_site_heading(el: lxml.etree._Element) -> bool:
    """An <h1> that holds the outlet's name, not the headline (blog themes): it links to the
    home page, or it or its parent is classed as the site title or logo."""
    for a in el.iter("a"):
        href = (a.get("href") or "").strip()
        if href in ("/", "./") or (href.count("/") == 3 and href.endswith("/") and "://" in href) or (
                "://" in href and href.count("/") == 2):
            return True
    parent = el.getparent()
    return any(_SITE_HEADING.search(f"{e.get('class') or ''} {e.get('id') or ''}")
               for e in (el, parent) if e is not None)


def site_headings(tree: lxml.etree._Element) -> list[str]:
    """The text of site-name headings (see _is_site_heading): names of the outlet."""
    return [t for el in tree.iterfind(".//h1") if _is_site_heading(el) and (t := _element_text(el))
            and len(t) <= 80]


def _title_affix_headings(cands: list[tuple[str, str]], site_names: list[str], url: str | None) -> list[str]:
    """<h1>s outside the article whose text is the first or last part of the <title> (cut at a
    separator) and at most half as long as the rest, which no meta tag or JSON-LD declares as the
    headline: the outlet's name in a theme's header ("DimidoBlog" beside "Was ist Virales
    Marketing? | DimidoBlog"), used as one of the outlet's names."""
    titles = [t for s, t in cands if s == "title"]
    cuts = _splits(titles[0]) if titles else []
    if not cuts:
        return []
    title = titles[0]
    # the affix, and the rest of the title: a name is the shorter side (a headline may open it)
    first, last = title[: cuts[0][0]], title[cuts[-1][1]:]
    site_keys, host_keys = {_key(n) for n in site_names} - {""}, _host_keys(url)
    # (affix, rest of the title, the other end): an end that already names the outlet leaves
    # the headline at this end ("D.O.Ca. Rioja, Spanien - … - Vinos Y Tapas")
    sides = [(first, title[cuts[0][1]:], last), (last, title[: cuts[-1][0]], first)]
    affixes = {_key(a) for a, rest, other in sides if 2 * len(a) <= len(rest) and len(a.split()) <= MAX_AFFIX_WORDS
               and not _is_site(other, site_keys, host_keys)} - {""}
    declared = {_key(t) for s, t in cands if s not in ("title", "h1", "h1:out", "h1:rest", "trafilatura")}
    return [t for s, t in cands if s == "h1:out" and _key(t) in affixes - declared]


def _section_suffixes(titles: list[str]) -> frozenset[str]:
    """Keys of suffixes a candidate adds to another candidate's whole text ("Headline" and
    "Headline - National"): a section or outlet label the page appends to its title tags."""
    norm = {_norm(t) for t in titles}
    extra: set[str] = set()
    for t in set(titles):
        for s, e in _splits(t):
            head, tail = _norm(t[:s]), t[e:]
            if head in norm and tail.strip() and len(tail.split()) <= MAX_AFFIX_WORDS:
                extra.add(_key(tail))
    return frozenset(k for k in extra if k)


_GLUED = re.compile(r"^\s*[-–—|:·/]\s*\S")
_ELLIPSIS = re.compile(r"\s*(?:…|\.{3})\s*$")
TRUNCATED_LD = 100   # JSON-LD headlines cut at 110 characters (a search engine's limit) lose their end


def _drop_glued_suffix(cands: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A title tag that is another candidate plus a short label glued on without spaces
    ("Headline-정치"): the label is a section, as the bare headline shows; the spaced case is
    cut by strip_site already."""
    out = []
    for s, t in cands:
        if s in _SECTIONED:
            for _, u in cands:
                rest = t[len(u):]
                if (len(u) < len(t) and t.casefold().startswith(u.casefold()) and _GLUED.match(rest)
                        and len(rest) <= 30 and len(rest.split()) <= 3):
                    t = u
                    break
        out.append((s, t))
    return out


_ATTRIBUTE_CUT = ("og:title", "twitter:title", "trafilatura")   # meta content: HTML attributes (trafilatura: og:title first)


def _quote_cut(source: str, text: str, cands: list[tuple[str, str]]) -> str | None:
    """The longer candidate a meta tag's content was cut from at an unescaped quote
    (content="Senador califica a Biden de "incapacitado"" ends the attribute before the quote):
    another candidate starts with the text and goes on with a quote mark."""
    if source not in _ATTRIBUTE_CUT or len(text.split()) < 3:
        return None
    head = _norm(text)
    longer = [u for _, u in cands if _norm(u).startswith(head) and _norm(u)[len(head):].lstrip().startswith('"')]
    return max(longer, key=len) if longer else None


def _untruncate(cands: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A candidate cut short ("…" at its end, a JSON-LD headline of 100+ characters, or a meta
    tag cut at an unescaped quote) that another candidate continues counts as that longer text:
    it is the same headline."""
    out = []
    for s, t in cands:
        if full := _quote_cut(s, t, cands):
            out.append((s, full))
            continue
        cut = _ELLIPSIS.search(t)
        if cut or (s.startswith("json-ld") and len(t) >= TRUNCATED_LD):
            head = _norm(t[: cut.start()] if cut else t)
            longer = [u for _, u in cands if len(_norm(u)) > len(head) and _norm(u).startswith(head)]
            if head and len(head.split()) >= 4 and longer:
                t = max(longer, key=len)
        out.append((s, t))
    return out


MAX_KICKER_WORDS = 6   # a kicker (overline) is a short label: "Premier League", "Nationale Demo"


def _without_kicker_element(el: lxml.etree._Element, text: str) -> str | None:
    """The heading's text without a short label in its own leading element
    ("<h1><span class=topline>Premier League</span> <span>Liverpool verliert …</span></h1>")."""
    while len(el) == 1 and not (el.text or "").strip() and isinstance(el[0].tag, str):
        el = el[0]   # a link or a wrapper around the parts
    parts = [c for c in el if isinstance(c.tag, str) and c.tag != "br"]
    if len(parts) < 2 or (el.text or "").strip():
        return None
    first = _element_text(parts[0])
    if not first or len(first.split()) > MAX_KICKER_WORDS or not text.startswith(first):
        return None
    rest = text[len(first):].strip(" :：|-–—/•·")
    return rest if len(rest.split()) >= 2 else None


def _drop_kickers(cands: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """An <h1> whose text is a kicker in its own element then another declaration's whole
    headline ("Premier League" + "Rückschlag im Titelkampf - Liverpool verliert" beside og:title
    "Rückschlag im Titelkampf - Liverpool verliert") counts as the headline without it: the declarations show where the
    headline starts, when at least as many declarations lack the kicker as carry it. h1:rest
    (the <h1> without its first element) has no vote of its own.
    Measured: cutting a kicker before ":" or " - " the same way, where another declaration lacks
    it, lost more pages of the metadata set than it won (its gold keeps the kicker when only the
    <h1> drops it), so a separator alone does not cut."""
    rests = [t for s, t in cands if s == "h1:rest"]
    cands = [(s, t) for s, t in cands if s != "h1:rest"]
    if not rests:
        return cands
    def backing(text: str) -> int:
        """Declarations other than the <h1> with this text (punctuation aside: "Kicker : Headline")."""
        return len({_FAMILY.get(v, v) for v, u in cands
                    if _key(u) == _key(text) and _FAMILY.get(v, v) != "h1" and v not in _NO_VOTE})

    out = []
    for s, t in cands:
        if s in ("h1", "h1:out"):
            for r in rests:
                k = _norm(r)
                if _norm(t).endswith(k) and len(k) < len(_norm(t)) and backing(r) >= max(1, backing(t)):
                    t = r
                    break
        out.append((s, t))
    return out


_KICKER_END = re.compile(r"(?::|\s[-–—|/])\s*$")   # "Pressemitteilung: ", "Chronik - "
_META_TITLES = ("og:title", "twitter:title", "title", "trafilatura")


def _drop_meta_kickers(cands: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """On a page without a JSON-LD headline, a meta title that is the visible <h1> behind a short
    label and ":" or " - " ("Pressemitteilung: Endlich mehr Beschleunigung wagen!" over the <h1>
    "Endlich mehr Beschleunigung wagen!") counts as the <h1>: the label is the SEO title's section
    or topic. Where a JSON-LD headline exists it is the CMS's headline field and decides (it
    carries the kicker on news sites whose labels keep it: ORF, Welt), so nothing is cut there.
    Measured (bench/RESULTS.md, 2026-12-03): evaldata +5 pages, none lost; no metadata page
    changes."""
    h1 = next((t for s, t in cands if s == "h1"), None)
    if not h1 or len(h1.split()) < 2 or any(s.startswith("json-ld") for s, _ in cands):
        return cands
    out = []
    for s, t in cands:
        head = t[: len(t) - len(h1)]
        label = _KICKER_END.sub("", head)
        if (s in _META_TITLES and len(t) > len(h1) and t.endswith(h1) and label != head
                and len(label.split()) <= MAX_KICKER_WORDS):
            t = h1
        out.append((s, t))
    return out


def stripped_titles(cands: list[tuple[str, str]], site_names: list[str], url: str | None,
                    body_start: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(source, text) of the candidates without outlet, date, byline and section affixes, glued
    suffixes dropped, cut-short headlines completed and affixes the body's first lines show
    (_cut_at_body_start): what pick_title votes on."""
    site_keys = {_key(s) for s in site_names if _key(s)}
    host_keys = _title_host_keys(url)
    stripped = [(s, strip_site(t, site_keys, host_keys)) for s, t in cands]
    extra = _section_suffixes([t for _, t in stripped])
    stripped = [(s, strip_site(t, site_keys, host_keys, extra) if s in _SECTIONED else t) for s, t in stripped]
    stripped = _untruncate(_drop_meta_kickers(_drop_kickers(_drop_glued_suffix(_without_outlet_names(stripped, site_keys)))))
    return _cut_at_body_start(stripped, body_start)


BODY_START_LINES = 2   # the extracted text's first lines: the headline printed above the article, if any


def _cut_at_body_start(stripped: list[tuple[str, str]], body_start: Sequence[str]) -> list[tuple[str, str]]:
    """A title tag cut at a separator where one side is one of the extracted text's first lines
    and the other a short affix ("Alles Neue mach der Mai… | Bibliothek 2.0 und mehr" over a body
    that opens "Alles Neue mach der Mai…"): the page prints that side as its headline, so the
    other is the outlet's or a section's name, which no declared name matched. Only for a line
    no candidate already holds: where a declaration has that text, the vote decides as before.
    Measured (bench/RESULTS.md, 2026-12-04): evaldata +3, none lost; no metadata page changes."""
    have = {_norm(t) for _, t in stripped}
    lines = {n for line in body_start if len(line.split()) >= 2 and (n := _norm(line)) not in have}
    if not lines:
        return stripped
    out = []
    for s, t in stripped:
        if s in _SECTIONED:
            for start, end in _splits(t):
                head, tail = t[:start].strip(), t[end:].strip()
                if _norm(head) in lines and len(tail.split()) <= MAX_AFFIX_WORDS:
                    t = head
                    break
                if _norm(tail) in lines and len(head.split()) <= MAX_AFFIX_WORDS:
                    t = tail
                    break
        out.append((s, t))
    return out


def _without_outlet_names(cands: list[tuple[str, str]], site_keys: set[str]) -> list[tuple[str, str]]:
    """The candidates that are not the outlet's name (og:title "IBU" on an article page). A name
    only contained in a candidate ("15 Jahre rete-mirabile.net", "Gitarre & Bass 02/2022") drops
    it only when another candidate stays: where every declaration says so, it is the headline."""
    kept = [(s, t) for s, t in cands if _key(t) and not _is_site(t, site_keys, set())]
    return kept or [(s, t) for s, t in cands if _key(t) and _key(t) not in site_keys]


def pick_title(cands: list[tuple[str, str]], site_names: list[str], url: str | None) -> tuple[str | None, str | None]:
    """(title, source): the stripped candidate most sources agree with; ties go by _TITLE_ORDER."""
    return choose_title(stripped_titles(cands, site_names, url))


# The <title> tag is the page's search-engine title: most often another field with the outlet
# appended, or a shorter SEO rewording; it seconds a text two declarations share but does not make
# an agreement with one other. Measured on the metadata set (bench/metadata_quality.py): title
# exact 0.810 with a full vote, 0.837 with half a vote; evaldata 0.812 and 0.815.
_VOTE_WEIGHT = {"title": 0.5}


def choose_title(stripped: list[tuple[str, str]], order: tuple[str, ...] = _TITLE_ORDER,
                 min_votes: int = 2) -> tuple[str | None, str | None]:
    """The text declarations of at least `min_votes` weight share (most weight first; the
    <title> has half a vote, see _VOTE_WEIGHT), else the first candidate in `order` that the
    <title> does not copy (_seo_copy), in the spelling of the best source (_best_form);
    bench/metadata_quality.py --title-rules compares orders and thresholds."""
    if not stripped:
        return None, None
    support: dict[str, set[str]] = {}
    for s, t in stripped:
        if s not in _NO_VOTE:
            support.setdefault(_norm(t), set()).add(_FAMILY.get(s, s))
    rank = {s: i for i, s in enumerate(order)}
    seo = _seo_copy(stripped)

    def score(item: tuple[str, str]) -> tuple[float, bool, float, float]:
        agree = sum(_VOTE_WEIGHT.get(f, 1.0) for f in support.get(_norm(item[1]), ()))
        fam = _FAMILY.get(item[0], item[0])   # a kind not in `order` right after its family's
        r = rank[item[0]] if item[0] in rank else rank.get(fam, len(rank)) + 0.5
        # without an agreement, the headline the <title> does not copy (_seo_copy); among
        # candidates of one kind (several <h1>s), the one the <title> seconds
        passed = agree >= min_votes
        return (-(agree if passed else 0), not passed and _norm(item[1]) == seo, r, -agree)

    source, title = min(stripped, key=score)
    return _with_separators(stripped, *_best_form(stripped, title, source))


# How many different headlines the declarations (the <title> aside) may hold for _seo_copy to
# speak: chosen by leave-one-country-out among 1 (never), 2 and 3 (bench/RESULTS.md, 2026-12-03,
# "the headline the <title> does not copy"): 2 on every fold. With three, the <title>'s copy was
# the labelled headline as often as not.
SEO_SPLIT = 2


def _seo_copy(stripped: list[tuple[str, str]]) -> str | None:
    """The folded text of the <title> where the page's headline declarations (the first of each
    family: JSON-LD, og:title, <h1>) split between two wordings and the <title> repeats one:
    that one is the search-engine headline the CMS copies into the title tag, the other the one
    written for the page (editors' headline fields: og:title on n-tv or Stern, the <h1> on
    many smaller sites). None where the two differ only in punctuation or the other is the
    <title>'s text behind a kicker ("Tunesien Große Aufgaben…"): then it is one headline."""
    titles = [_norm(t) for s, t in stripped if s == "title"]
    first: dict[str, str] = {}
    for s, t in stripped:
        if s not in _NO_VOTE and s != "title":
            first.setdefault(_FAMILY.get(s, s), _norm(t))
    texts = set(first.values())
    if not titles or not 2 <= len(texts) <= SEO_SPLIT or titles[0] not in texts:
        return None
    if len({_key(t) for t in texts}) < 2:   # the same words, punctuation aside: no split
        return None
    if any(t != titles[0] and t.endswith(titles[0]) for t in texts):   # a kicker before the <title>'s text
        return None
    return titles[0]


# Which candidate's spelling to store once the vote chose a text: the visible headline is what
# readers saw, typed in the CMS's headline field (curly quotes, real dashes); meta copies of it
# are often flattened to straight quotes and hyphens.
_FORM_ORDER = ("h1", "h1:out", "json-ld:headline", "json-ld:name", "title", "og:title", "twitter:title", "trafilatura")


def _best_form(stripped: list[tuple[str, str]], title: str, source: str) -> tuple[str, str]:
    """(title, source) in the spelling of the best source among the candidates equal to `title`
    but for typography (_norm)."""
    rank = {s: i for i, s in enumerate(_FORM_ORDER)}
    same = [(s, t) for s, t in stripped if _norm(t) == _norm(title)]
    best_source, best = min(same, key=lambda c: rank.get(c[0], len(rank)), default=(source, title))
    return best, best_source


_MARKS = re.compile(r"[^\w\s]+")
_SEPARATOR_MARKS = frozenset(":/|-·•")   # after _norm: every dash is "-"


def _words(text: str) -> str:
    """The folded text with its punctuation read as spaces: "Kicker / Headline" = "Kicker Headline"."""
    return " ".join(_MARKS.sub(" ", _norm(text)).split())


def _with_separators(stripped: list[tuple[str, str]], title: str, source: str) -> tuple[str, str]:
    """(title, source) in the spelling of a declaration with the same words and a separator more
    between two of them: a visible headline joined from a kicker's element and the headline's
    ("<span>Nationale Demo</span> <span>Der 9. Juli naht …</span>") reads "Nationale Demo Der 9.
    Juli naht", where og:title, typed in the CMS, has "Nationale Demo / Der 9. Juli naht": the
    words are the page's, only the separator that the layout shows is restored. Only marks added
    (a declaration that swaps " - " for ":" is another spelling, not a restored one), only
    separators (not quotes or other marks) and only between words. Measured (bench/RESULTS.md,
    2026-12-04): metadata +1 (Tageblatt), none lost; no evaldata page changes."""
    have = Counter(_MARKS.findall(_norm(title)))
    for s, t in stripped:
        n = _norm(t)
        if s in _NO_VOTE or n == _norm(title) or _words(t) != _words(title):
            continue
        marks = Counter(_MARKS.findall(n))
        more = marks - have
        if (more and not have - marks and set(more) <= _SEPARATOR_MARKS
                and not n.startswith(tuple(more)) and not n.endswith(tuple(more))):
            return t, s
    return title, source


# --- site name -------------------------------------------------------------------------------


def _publisher_name(ld: _JsonLd) -> str:
    pub = ld.resolve(ld.article.get("publisher")) if ld.article else None
    if isinstance(pub, list) and pub:
        pub = ld.resolve(pub[0])
    if isinstance(pub, dict):
        return _text(pub.get("name"))
    return _text(pub)


def _site_shaped(name: str, limit: int = 80) -> bool:
    """A name, not a URL or a sentence."""
    return 0 < len(name) <= limit and "://" not in name and not name.lower().startswith("www.")


def pick_site_name(tree: lxml.etree._Element, ld: _JsonLd, url: str | None = None) -> tuple[str | None, str | None]:
    """(outlet, source) as the page declares it: og:site_name, JSON-LD publisher or WebSite,
    application-name, in that order, but a declaration that matches the host wins over one that
    does not (og:site_name "U.S." on reuters.com, a section); failing all, a title-tag affix or a
    site-title <h1> that matches the host. None when nothing does: no name made up from the host."""
    declared = [(n, c) for n, c in _meta(tree, "og:site_name") if _site_shaped(c)]
    declared += [(s, n) for s, n in (("json-ld:publisher", _publisher_name(ld)), ("json-ld:website", ld.website_name))
                 if _site_shaped(n)]
    declared += [(n, c) for n, c in _meta(tree, "application-name", "apple-mobile-web-app-title") if _site_shaped(c, 60)]
    host_keys = _host_keys(url)
    for source, name in declared:
        if _is_site(name, set(), host_keys):
            return name, source
    if declared:
        return declared[0][1], declared[0][0]
    title_el = tree.find(".//title")
    title = _element_text(title_el) if title_el is not None else ""
    cuts = _splits(title)
    affixes = [title[cuts[-1][1]:].strip(), title[: cuts[0][0]].strip()] if cuts else []
    for source, name in [("title", a) for a in affixes] + [("h1:site", h) for h in site_headings(tree)]:
        if _site_shaped(name, 60) and len(name.split()) <= MAX_AFFIX_WORDS and _is_site(name, set(), host_keys):
            return name, source
    return None, None


# --- authors ---------------------------------------------------------------------------------

# "By", "Von", "Par", "Por", "Di", "Door", "Av", "Af", "Przez", "Autor", "Text", "Written by",
# "Reporting by", "От"... at the start of a byline; matched case-insensitively, then stripped.
_BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|published|reported|reporting|compiled|edited|words|text|story|"
    r"photos?|interview|eingestellt|erstellt|gepostet|veröffentlicht|artikel|beitrag|publié|"
    r"publicado|pubblicato|geplaatst|skrevet|escrito|scritto)\s+(?:by|von|par|por|da|door|av|af)\b|"
    r"by|von|vom|par|por|di|door|av|af|przez|interview|"
    r"autor(?:in|es|a|en)?|auteur|author(?:s)?|verfasst von|geschrieben von|"
    r"text|texte|testo|tekst|texto|(?:redaktion|redacción|redazione|rédaction|redaction)(?=\s*[:：|-])|reporter|"
    r"от|автор|από|od|yazan|kirjoittaja|skrevet af|skrivet av|escrito por|scritto da|"
    r"ditulis oleh|oleh|bởi|文|記者)\b\s*[:：|-]?\s*",
    re.I)
_NAME_SPLIT = re.compile(
    r"\s*(?:;|,|/|\||&|\+|\band\b|\bund\b|\bet\b|\by\b|\be\b(?!\.)|\ben\b|\bog\b|\boch\b|\bja\b|"
    r"\bi\b|\bund\b|\bsowie\b|\bwith\b|\bmit\b|\bavec\b|\bcon\b|\bve\b|\bи\b|\bκαι\b|、|・|と)\s*",
    re.I)
_DATE_TAIL = re.compile(
    r"\s*(?:[|,·•–—-]\s*)?(?:\b(?:updated|update|aktualisiert|actualizado|mis à jour|publié|"
    r"published|posted|veröffentlicht)\b.*|\b(?:stand|am|le|el|on|il|du|vom|de)\s*[:：]?\s+\d.*|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}.*|"
    r"\d{1,2}:\d{2}.*|\d{1,2}\.?\s+\w+\s+\d{4}.*|\w+\s+\d{1,2},\s+\d{4}.*|"
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|"
    r"donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"lunes|martes|miércoles|jueves|viernes|sábado|domingo)\b.*|(?<=\s)\d.*)$", re.I)
_ROLE = re.compile(
    r"\b(?:correspondent|reporter|editor|editora?|writer|columnist|contributor|journalist|"
    r"journaliste|redakteur(?:in)?|korrespondent(?:in)?|redaktor|redattore|redactor|redactora|"
    r"corresponsal|envoyée? spéciale?|chief|senior|staff writer|staff reporter|photographer|"
    r"fotograf|bureau|desk|analyst|professor|director|head of|deputy|managing|political|"
    r"politics|business|sports?|science|opinion|news|for|in|at|aus|en|à)\b", re.I)
_JUNK = re.compile(
    r"^(?:view (?:all|more) (?:posts|articles|stories)|more (?:posts|articles|stories)|"
    r"about(?: the)? authors?|no authors?|unknown|anonymous|anonym|admin|administrator|"
    r"staff|editor|editors|editorial|author|authors|autor|autoren|guest|gast|user|webmaster|"
    r"redaktion|redacción|rédaction|redazione|newsroom|team|contributor|contributors|"
    r"posted by|written by|by|von|par|por|read more|mehr|plus|follow|folgen|share|teilen|"
    r"subscribe|abonnieren|profile|profil|home|null|none|undefined|n/?a|name|human|"
    r"(?:mehr|weitere|more|other|plus de|más) (?:themen|artikel|beiträge|topics|stories|articles|sujets|temas)|"
    r"news|nachrichten|noticias|nouvelles|notizie|nieuws|haberler|nyheter|aktuell|actualités?|\W*)$", re.I)
_POSTS_BY = re.compile(r"^(?:view |see |read )?(?:all |more )?(?:posts|articles|stories|beiträge|artikel)"
                       r" (?:by|from|von|de|di)\s+", re.I)
_ROLE_SUFFIX = re.compile(r"\s*(?:기자|記者|特派員|編集委員|论说委员|記者)$")
_SLUG = re.compile(r"^[a-z0-9]+(?:[._][a-z0-9]+)+$")   # a login (edilson.la.rosa), not a display name
# A host name ("nieuwsblad.be", "mbl.is"): the outlet credited by its domain when it is the page's own
# (pick_authors keeps it only then), else as much a login as any other slug.
_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,6}$", re.I)
# An as-of label left at the end once its date is cut ("MDR THÜRINGEN Stand"): no part of a name.
_LABEL_TAIL = re.compile(r"\s+(?:stand|updated|aktualisiert|actualizado|published|veröffentlicht)\s*[:：]?$", re.I)
_URL_OR_EMAIL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
_JUNK_PART = re.compile(r"\b(?:view (?:all|more) posts|all posts by|more from|see all|articles by|"
                        r"image:|photo:|foto:|bild:|getty|istock|shutterstock|picture.alliance|imago|"
                        r"publiziert am|please enter|your name|profil|wordpress|powered by|"
                        r"unterstützt von|bereitgestellt von|gesponsert|sponsored|"
                        r"posts by|follow on|email|e-mail|twitter|facebook|instagram|linkedin|cookies?)\b|"
                        r"\[at\]|@|https?:|www\.|\.html|\{|\}|<|>|=", re.I)
# Wire services name themselves as authors on every outlet that runs their copy; they are not
# people. (A short generic vocabulary of news agencies, not a list of the outlets measured.)
_AGENCIES = re.compile(
    r"^(?:afp|ap|associated press|reuters|dpa|apa|ansa|efe|epd|kna|sda|keystone-sda|ats|anp|"
    r"belga|ntb|tt|ritzau|pap|čtk|ctk|mti|tass|ria novosti|xinhua|kyodo|jiji|yonhap|pti|ians|"
    r"aap|upi|bloomberg|lusa|europa press|agencia efe|sid|dts|kyodo news|agence france-presse|"
    r"thomson reuters|ani|cp|the canadian press|canadian press|press association|pa|aa|"
    r"anadolu|anadolu ajansı|anadolu agency|sputnik|agenzia nova|adnkronos|agi|dapd|ddp|afp/dpa|agencias|agences|agenturen|"
    r"agencies|wires|wire|agentur|nachrichtenagentur)$", re.I)
_ORG_WORD = re.compile(
    r"\b(?:news|press|presse|media|médias|agency|agentur|agence|agencia|agenzia|group|"
    r"gruppe|zeitung|times|post|journal|tribune|herald|gazette|daily|magazin|magazine|radio|tv|"
    r"television|newsroom|online|staff|desk|team|redaktion|rédaction|redacción|redazione|"
    r"services?|network|foundation|institut|institute|university|universität|ministry|"
    r"office|inc|ltd|gmbh|ag|sa|llc|co)\b|\.(?:com|de|at|ch|fr|it|es|uk|net|org|in|jp)$", re.I)
MAX_NAME_WORDS = 6
MAX_NAME_CHARS = 60


def _is_agency(name: str) -> bool:
    return bool(_AGENCIES.match(name.strip(" ./")))


def clean_names(text: str) -> list[str]:
    """The names in a byline: prefix labels, dates and roles stripped, split, junk rejected."""
    text = clean_line(text).strip(" \u00a0·•|:;,-–—")
    text = _POSTS_BY.sub("", text)   # "View all posts by Daniel Lemire": the name after the label
    text = _URL_OR_EMAIL.sub(",", text).strip(" ,")
    if not text or len(text) > 300:
        return []
    for _ in range(2):
        text = _BYLINE_PREFIX.sub("", text, count=1).strip(" :|-–—")
    text = _DATE_TAIL.sub("", text).strip(" ,|-–—·")
    text = _LABEL_TAIL.sub("", text).strip(" ,|-–—·")
    text = re.sub(r"\s*\([^)]{0,40}\)", "", text)   # "Elena Oberholzer (obe)": initials, a place
    names: list[str] = []
    for part in _NAME_SPLIT.split(text):
        part = _ROLE_SUFFIX.sub("", part.strip(" :,;|-–—()[]\"'“”«»")).lstrip(". ")
        part = _BYLINE_PREFIX.sub("", part, count=1).strip(" :,;|-–—")
        if part.endswith(".") and len(part.split()[-1]) > 3 and part.split()[-1].rstrip(".").isalpha():
            part = part.rstrip(".")   # a sentence's period, not an initial's ("Joe S.", "Jr.")
        if not part or (_SLUG.match(part) and not _DOMAIN.match(part)):
            continue
        if _is_agency(part):
            names.append(part)
            continue
        if (_JUNK.match(part) or _JUNK_PART.search(part) or len(part) > MAX_NAME_CHARS
                or len(part.split()) > MAX_NAME_WORDS or sum(c.isdigit() for c in part) > 2):
            continue
        if _ROLE.search(part) and not _ORG_WORD.search(part) and (not names or len(part.split()) > 1):
            continue   # "Senior Political Correspondent", "London bureau": a role or a place, not a name
        if not any(c.isalpha() for c in part):
            continue
        names.append(part)
    return names


def _kind(name: str, declared: str | None, site_keys: set[str], host_keys: set[str]) -> str:
    """person or organization: as declared by JSON-LD, else an agency, the outlet, or a name
    shaped like an organisation ('Salzburger Nachrichten', 'ORF.at')."""
    if _is_agency(name) or _is_site(name, site_keys, host_keys):
        return "organization"
    if declared:
        return declared
    if _ORG_WORD.search(name) or (name.isupper() and len(name.replace(".", "")) <= 5):
        return "organization"
    return "person"


def _flat(value: Any) -> list[Any]:
    """A JSON-LD value as a flat list: CMSs nest author lists ([{...}, [{...}]])."""
    if not isinstance(value, list):
        return [value]
    return [x for v in value for x in _flat(v)]


def _ld_author_items(ld: _JsonLd) -> list[Any]:
    """The article node's author (or creator) values, references resolved, nested lists flattened."""
    if not ld.article:
        return []
    return [ld.resolve(x) for x in _flat(ld.article.get("author") or ld.article.get("creator"))]


def _is_affiliation(name: str, site_keys: set[str], host_keys: set[str]) -> bool:
    """A part after a person's name in one Person node that names the outlet or an institution
    ("Povilas A., ... universiteto profesorius, Lrt.lt"): where the person works, not a second
    author. An agency is kept: it co-credits the copy ("Karin Bauer, dpa")."""
    return not _is_agency(name) and (_is_site(name, site_keys, host_keys) or bool(_ORG_WORD.search(name))
                                     or bool(_DOMAIN.match(name)))


def _jsonld_authors(ld: _JsonLd, site_keys: set[str] = frozenset(), host_keys: set[str] = frozenset()
                    ) -> list[tuple[str, str | None]]:
    """(name, declared kind) of the article node's author (Person/Organization, lists, strings)."""
    out: list[tuple[str, str | None]] = []
    for item in _ld_author_items(ld):
        if isinstance(item, str):
            out.extend((n, None) for n in clean_names(item))
        elif isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = ", ".join(x for x in name if isinstance(x, str))
            if not _text(name) and (item.get("givenName") or item.get("familyName")):
                name = f"{_text(item.get('givenName'))} {_text(item.get('familyName'))}"
            declared = "organization" if any(_ORG_TYPE.search(t) for t in _types(item)) else (
                "person" if "Person" in _types(item) else None)
            names = clean_names(_text(name))
            if declared == "person" and names and not _is_site(names[0], site_keys, host_keys):
                names = names[:1] + [n for n in names[1:] if not _is_affiliation(n, site_keys, host_keys)]
            out.extend((n, declared) for n in names)
    return out


_HOUSE_SLUG = re.compile(r"^(?:admin|administrator|redaktion|redaction|redaccion|redazione|editor|editors|"
                         r"staff|webmaster|newsroom|team|wpadmin|root|user)\d*$", re.I)


def house_names(ld: _JsonLd) -> list[str]:
    """Names of JSON-LD authors whose profile is the site's house account (@id or url ending in
    /author/admin/): the CMS's default login, named after the outlet ("Ilanga D"), so a credit
    to the outlet, not to a person."""
    out = []
    for item in _ld_author_items(ld):
        if isinstance(item, dict) and isinstance(name := item.get("name"), str):
            for ref in (item.get("@id"), item.get("url")):
                path = urlsplit(ref).path if isinstance(ref, str) and "://" in ref else ""
                if path and _HOUSE_SLUG.match(path.rstrip("/").rsplit("/", 1)[-1]):
                    out.append(_text(name))
                    break
    return out


_BYLINE_ATTR = re.compile(r"byline|author|autor|auteur|writer|reporter|journalist", re.I)
_NOT_BYLINE_ATTR = re.compile(r"bio|about|profile|avatar|image|img|photo|pic|box|description|comment|"
                              r"social|share|follow|more|related|list|widget|footer|nav|menu", re.I)


_AUTHOR_LIST = re.compile(r"author-?list", re.I)   # the list of the article's authors, not a related list
_COMMENTS = re.compile(r"comment|respond|discussion|disqus|reply|related|teaser|recommend", re.I)


PAGE, NESTED, TEASER = 0, 1, 2   # where a byline element sits (see _scope_of)


def _scope_of(tree: lxml.etree._Element) -> Callable[[lxml.etree._Element], int]:
    """Where an element sits, once the headline (<h1>) is in an <article>: PAGE (in the headline's
    article, or outside every article), NESTED (in an <article> nested in the headline's: a video
    module, or the related-post cards at its foot) or TEASER (in an <article> outside the
    headline's: a related story's card, whose byline markup names that story's authors)."""
    if not any(a.tag == "article" for h in tree.iter("h1") for a in h.iterancestors()):
        return lambda el: PAGE

    def scope(el: lxml.etree._Element) -> int:
        arts = [a.find(".//h1") is not None for a in el.iterancestors("article")]
        return PAGE if not arts or arts[0] else (NESTED if any(arts) else TEASER)
    return scope


def _in_scope(found: list[tuple[int, list[str]]]) -> list[str]:
    """The names of the page's own bylines: those in the headline's article when there are any,
    else those of nested articles; a teaser's never."""
    for wanted in (PAGE, NESTED):
        if names := [n for s, ns in found if s == wanted for n in ns]:
            return names
    return []


def _in_teaser_link(el: lxml.etree._Element, text: str) -> bool:
    """Is this byline inside a link that says more than the byline (a related story's card:
    its headline and "Von X")? The article's own byline does not link elsewhere with a headline."""
    link = el if el.tag == "a" else next(el.iterancestors("a"), None)
    return link is not None and len(_element_text(link)) > len(text) + 20


def _markup_authors(tree: lxml.etree._Element) -> Iterator[tuple[str, list[str]]]:
    """(source, names) from meta tags, microdata, rel=author links and byline-classed elements,
    most explicit first."""
    metas = [c for _, c in _meta(tree, "author", "article:author", "dc.creator", "dcterms.creator",
                                  "sailthru.author", "parsely-author", "byl", "articleauthor")
             if "://" not in c and not c.startswith("www.")]
    names = [n for c in metas for n in clean_names(c)]
    yield "meta:author", names
    scope = _scope_of(tree)
    items = []
    for el in tree.xpath('.//*[@itemprop="author" or @itemprop="creator"]'):
        inner = el.xpath('.//*[@itemprop="name"]')
        value = (inner[0].get("content") or _element_text(inner[0])) if inner else (
            el.get("content") or _element_text(el))
        if value and len(value) <= 200:
            items.append((scope(el), clean_names(value)))
    yield "itemprop:author", _in_scope(items)
    links = []
    for el in tree.xpath('.//a[contains(concat(" ", normalize-space(@rel), " "), " author ")]'):
        value = _element_text(el)
        if value and len(value) <= 100:
            links.append((scope(el), clean_names(value)))
    yield "rel:author", _in_scope(links)
    bylines: list[str] = []
    for el in tree.xpath(".//body//*[@class or @id]"):
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _BYLINE_ATTR.search(attrs) or (_NOT_BYLINE_ATTR.search(attrs) and not _AUTHOR_LIST.search(attrs)):
            continue
        if el.tag in ("script", "style", "img", "meta", "link", "body", "html", "article", "main"):
            continue
        if any(_COMMENTS.search(f"{a.get('class') or ''} {a.get('id') or ''}") for a in el.iterancestors()):
            continue
        value = _element_text(el)
        if value and len(value) <= 150 and (bylines := clean_names(value)):
            break   # the first byline: later ones are teasers, related articles, comments
    yield "byline:class", bylines


_BY_WORD = re.compile(r"^\s*(?:by|von|par|por|di|door|av|af|przez|от|de)\b", re.I)
_BY_TEXT = re.compile(r"^\s*(?:by|von|par|por|di|door|av|af|przez|от|de)(?:\s*[:：]\s*|\s+)(\S.{2,120})$", re.I)


def _text_bylines(tree: lxml.etree._Element) -> list[str]:
    """Names from a short text node that starts with a byline word ("By X and Y"), near the top;
    not a teaser's (in a link that also holds its headline, or in a teaser <article>); one in a
    nested <article> only when the headline's article has none (see _scope_of)."""
    out: list[str] = []
    nested: list[str] = []
    scope = _scope_of(tree)
    for i, el in enumerate(tree.xpath(".//body//*[self::p or self::span or self::div or self::a "
                                      "or self::address or self::strong or self::em or self::li]")):
        if i > 3000 or out:
            break
        first = el.text if (el.text or "").strip() or not len(el) else el[0].text
        if not _BY_WORD.match(first or ""):
            continue   # the byline word opens the element or its first child: a cheap test first
        text = _element_text(el)
        if 4 < len(text) <= 120 and (m := _BY_TEXT.match(text)) and not _in_teaser_link(el, text):
            body = m.group(1)
            where = scope(el)
            if len(body.split()) <= 12 and body[:1].isupper() and where != TEASER:
                if where == PAGE:
                    out.extend(clean_names(body))
                elif not nested:
                    nested = clean_names(body)   # the first nested one: if the page's own has none
    return out or nested


_LABEL = re.compile(r"^\s*(?:autor(?:in|en|es|a)?|author(?:s)?|auteur(?:e|s)?|autore|por|von|door|by|"
                    r"text|texte|reporter|yazar|muhabir)(?:\s*/\s*autor(?:in)?)?\s*[:：]?\s*$", re.I)


def _label_bylines(tree: lxml.etree._Element) -> list[str]:
    """Names after a byline label that stands in its own element ("<strong>Autor:</strong> Name",
    "<dt>Author</dt><dd>Name</dd>"): the label's tail, else the next element's text. The label
    alone is no name, so the "By X" scan, which reads whole elements, misses these."""
    for i, el in enumerate(tree.xpath(".//body//*[self::strong or self::b or self::span or self::dt "
                                      "or self::div or self::p or self::label or self::em or self::th]")):
        if i > 5000:
            break
        if len(el) or not _LABEL.match(el.text or ""):
            continue
        value = clean_line(el.tail or "")
        if not value.strip(" :|-"):
            nxt = el.getnext()
            value = _element_text(nxt) if nxt is not None else ""
        if 2 < len(value) <= 100 and value[:1].isupper() and (names := clean_names(value)):
            return names
    return []


def _italic_only(p: lxml.etree._Element) -> bool:
    """A paragraph set wholly in italics: a standfirst or kicker above the byline, not the text."""
    return len(p) > 0 and not (p.text or "").strip() and all(
        c.tag in ("em", "i") and not (c.tail or "").strip() for c in p)


def _bold_bylines(tree: lxml.etree._Element) -> list[str]:
    """A paragraph that is only a bold name, among the first two (after italic standfirst
    paragraphs) or the last of the article's paragraphs
    ("<p><strong>Mohloai Mpesi</strong></p>"): outlets that credit only themselves in markup
    print the reporter so. Only full names (two to four capitalised words), as a bold line is
    more often a subheading."""
    paragraphs = tree.xpath(".//body//p")
    if not paragraphs:
        return []
    parents: dict[Any, int] = {}
    for p in paragraphs:
        parents[p.getparent()] = parents.get(p.getparent(), 0) + 1
    body = max(parents, key=parents.get)
    own = [p for p in paragraphs if p.getparent() is body and _element_text(p)]
    start = next((i for i, p in enumerate(own) if not _italic_only(p)), len(own))
    for p in own[start:start + 2] + own[-1:]:   # the first may be a standfirst above the byline
        if len(p) != 1 or p[0].tag not in ("strong", "b") or (p.text or "").strip() or (p[0].tail or "").strip():
            continue
        if p is own[-1] and any(_element_text(s) for s in p.itersiblings()):
            continue   # a bold line the article goes on after ("Weitere Informationen" over a list)
        text = _element_text(p)
        names = clean_names(text)
        if names and len(text) <= 80 and all(2 <= len(n.split()) <= 4 and _name_shaped(n) for n in names):
            return names
    return []


def pick_authors(tree: lxml.etree._Element, ld: _JsonLd, doc_author: Callable[[], str | None], site_names: list[str],
                 url: str | None) -> tuple[list[Author], str | None]:
    """(authors, source): the first source in order of explicitness that yields a name.
    `doc_author` gives trafilatura's author, asked for only when every other source failed (its
    search copies the whole page)."""
    site_keys = {_key(s) for s in [*site_names, *house_names(ld)] if _key(s)}
    host_keys = _host_keys(url)
    def sources() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
        """Lazily, most explicit first: the page-text searches run only when needed."""
        yield "json-ld", _jsonld_authors(ld, site_keys, host_keys)
        for source, names in _markup_authors(tree):
            yield source, [(n, None) for n in names]
        yield "byline:text", [(n, None) for n in _text_bylines(tree)]
        yield "byline:label", [(n, None) for n in _label_bylines(tree)]
        yield "byline:bold", [(n, None) for n in _bold_bylines(tree)]
        if last := doc_author():
            yield "trafilatura", [(n, None) for n in clean_names(last.replace(";", ","))]

    first: tuple[list[Author], str | None] = ([], None)
    for source, found in sources():
        found = _host_credit(found, site_keys, host_keys)
        if source in _PAGE_TEXT:
            found = [(n, k) for n, k in found if _name_shaped(n)]
            if any(len(n.split()) > 1 for n, _ in found):
                # "Ines Zöttl, Washington": a one-word part beside full names is a place
                found = [(n, k) for n, k in found if len(n.split()) > 1 or _is_agency(n)]
        authors = _dedupe(Author(n, _kind(n, k, site_keys, host_keys), source) for n, k in found)
        authors = _without_address(authors, site_keys, host_keys)
        if not authors:
            continue
        if not first[0]:
            if not _is_outlet_only(authors, site_keys, host_keys):
                if source in ("json-ld", "meta:author"):
                    authors = _completed(authors, _markup_authors(tree), site_keys, host_keys)
                return authors, source
            first = (authors, source)
        elif _overrides_outlet(authors, source):
            return authors, source
    return first


def _host_credit(found: list[tuple[str, str | None]], site_keys: set[str], host_keys: set[str]
                 ) -> list[tuple[str, str | None]]:
    """Lower-case host names of a source: the outlet credited by its domain ("nieuwsblad.be")
    when it is the page's own and the source gives no full name; beside a person's name it is the
    publisher a CMS appends ("Ernst Lohoff, jungle.world"), and another host is a login."""
    hosts = {n for n, _ in found if _SLUG.match(n) and _DOMAIN.match(n)}
    alone = not any(_full_name(n) for n, _ in found if n not in hosts)
    return [(n, k) for n, k in found if n not in hosts or (alone and _is_site(n, site_keys, host_keys))]


MAX_BYLINE_NAMES = 3   # a byline names one to three people; a longer list of author links is a teaser list


def _completed(authors: list[Author], markup: Iterable[tuple[str, list[str]]], site_keys: set[str],
               host_keys: set[str]) -> list[Author]:
    """The declared list with the co-authors the article's byline markup adds: a CMS's JSON-LD or
    meta tag may carry only the first author while rel=author / itemprop=author (teasers left
    out) links every one. Taken only when the markup names all the declared people and more, and
    few links (more, or the same names again and again, are teasers outside any <article>)."""
    have = {_key(a.name) for a in authors}
    for source, names in markup:
        if source == "byline:class":
            break   # the markup sources come first; the byline scan is not needed
        if source in ("itemprop:author", "rel:author"):
            keys = {_key(n) for n in names}
            extra = [n for n in names if _key(n) not in have]
            people = all(_full_name(n) and _kind(n, None, site_keys, host_keys) == "person" for n in extra)
            if have < keys and len(names) <= MAX_BYLINE_NAMES and people:
                return _dedupe([*authors, *(Author(n, "person", source) for n in extra)])
        if source == "rel:author":
            break   # the last one: asking _markup_authors for more would run its byline scan
    return authors


def _overrides_outlet(authors: list[Author], source: str) -> bool:
    """Does a later source beat the outlet's credit to itself (meta author = site name)? One
    that names people does; from the page's text only if it names no organisation (photo
    credits: "APA") and a full name (a lone word there is more often initials, a handle or a
    section: "amw", "Politik"). A declared wire service does too: it wrote the copy. (One in the
    page's text does not: "By Euronews with Agencies", "Von APA" under the outlet's own credit.)"""
    if source not in _WEAK_SOURCES and any(_is_agency(a.name) for a in authors):
        return True
    if not any(a.kind == "person" for a in authors):
        return False
    if source not in _WEAK_SOURCES:
        return True
    return all(a.kind == "person" for a in authors) and any(_full_name(a.name) for a in authors)


_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")   # kana, Han, Hangul


def _full_name(name: str) -> bool:
    """A name of two words or more, or one in a script written without spaces ('신현주')."""
    return len(name.split()) > 1 or bool(_NO_SPACES.search(name))


def _without_address(authors: list[Author], site_keys: set[str], host_keys: set[str]) -> list[Author]:
    """The outlet's credit without its address: beside the outlet's own name and no full name of a
    person, capitalised single words are its city and country ("hessenschau.de, Frankfurt,
    Germany"), not people. Lower-case initials ("srf/hosb") are kept: desks sign so."""
    if any(_full_name(a.name) for a in authors if a.kind == "person") or not any(
            _is_site(a.name, site_keys, host_keys) for a in authors):
        return authors
    return [a for a in authors if not (a.kind == "person" and a.name[:1].isupper() and a.name[1:].islower())]


_WEAK_SOURCES = ("byline:class", "byline:text", "byline:label", "byline:bold", "trafilatura")   # found in the page, not declared
_PAGE_TEXT = ("byline:class", "byline:text", "byline:label", "byline:bold")   # visible text: only name-shaped parts are names
_PARTICLES = frozenset("von van der den de del della di da du la le el al bin ibn y e zu ter ten dos das".split())


def _name_shaped(name: str) -> bool:
    """A person's or an outlet's name as bylines print it: a few words, each capitalised but for
    particles ('Ursula von der Leyen'); scripts without case: at most four words."""
    tokens = name.split()
    if not tokens or len(tokens) > 5 or (len(tokens) > 1 and all(len(t) <= 2 for t in tokens)):
        return False   # "DE FR IT": a language switcher
    cased = [t for t in tokens if any(c.isalpha() and (c.isupper() or c.islower()) for c in t)]
    if not cased:
        return len(tokens) <= 4
    if cased[0] is tokens[0] and tokens[0][0].isalpha() and not tokens[0][0].isupper():
        return False   # "capital von Jemima Kelly", "den 1. Mai": a sentence, not a byline
    return all(t[0].isupper() or t.casefold() in _PARTICLES or not t[0].isalpha() for t in cased)


_DESK = re.compile(r"\b(?:redaktion|rédaction|redaction|redacción|redazione|newsroom)\b", re.I)


def _is_outlet_only(authors: list[Author], site_keys: set[str], host_keys: set[str]) -> bool:
    """Does the source credit only the outlet by its bare name (a CMS default, which a later
    source naming people beats)? A desk's signature ("Redaktion hessenschau.de", "BR24 Redaktion")
    says the desk wrote the piece: it stands."""
    return all(_is_site(a.name, site_keys, host_keys) and not _DESK.search(a.name) for a in authors)


def _dedupe(authors: Iterable[Author]) -> list[Author]:
    seen: dict[str, Author] = {}
    for a in authors:
        k = _key(a.name)
        if k and not any(k == s or (len(k) > 6 and (k in s or s in k)) for s in seen):
            seen[k] = a
    return list(seen.values())


_PAREN = re.compile(r"\s*\([^)]*\)")   # "Deutsche Welle (www.dw.com)": the name without its host


# --- all together ----------------------------------------------------------------------------


@dataclass
class Metadata:
    """What the page says of itself: see the module docstring."""

    title: str | None = None
    title_tag: str | None = None
    authors: list[Author] = field(default_factory=list)
    site_name: str | None = None
    sources: dict[str, str] = field(default_factory=dict)
    title_candidates: list[tuple[str, str]] = field(default_factory=list)   # (source, stripped text)

    @property
    def author(self) -> str | None:
        """The names joined with AUTHOR_JOIN (the `author` column)."""
        return AUTHOR_JOIN.join(a.name for a in self.authors) or None


def extract_metadata(tree: lxml.etree._Element, url: str | None = None, doc: Any = None,
                     body_start: Sequence[str] = ()) -> Metadata:
    """Title, title tag, authors and outlet of a parsed page; `doc` (trafilatura's fields: a
    Document or TrafilaturaFields) is a last-resort candidate for each field, its author read
    only when needed; `body_start`: the first lines of the extracted text (BODY_START_LINES),
    where the page prints its headline (_cut_at_body_start)."""
    ld = _read_jsonld(tree)
    meta = Metadata()
    title_el = tree.find(".//title")
    meta.title_tag = (_element_text(title_el) or None) if title_el is not None else None
    site, site_source = pick_site_name(tree, ld, url)
    if site:
        meta.site_name, meta.sources["site_name"] = site, site_source
    site_names = [n for n in (site, _publisher_name(ld), ld.website_name,
                              *(c for _, c in _meta(tree, "application-name", "og:site_name")),
                              *(_PAREN.sub("", c).strip() for _, c in _meta(tree, "publisher")),
                              *site_headings(tree)) if n]
    cands = _title_candidates(tree, ld, getattr(doc, "title", None))
    site_names = _outlet_names(site_names, cands)
    site_names += _title_affix_headings(cands, site_names, url)
    meta.title_candidates = stripped_titles(cands, site_names, url, body_start[:BODY_START_LINES])
    title, source = choose_title(meta.title_candidates)
    if title:
        meta.title, meta.sources["title"] = title, source
    authors, source = pick_authors(tree, ld, lambda: getattr(doc, "author", None), site_names, url)
    if authors:
        meta.authors, meta.sources["authors"] = authors, source
    return meta


def _outlet_names(names: list[str], cands: list[tuple[str, str]]) -> list[str]:
    """The declared outlet names and their parts (_name_parts), without a declaration that is the
    page's title ("Achtsam durch die Krise | Die FURCHE" as og:site_name, the <title> as
    application-name) and without its parts that are a title candidate: the headline in such a
    name is no outlet name, its other part ("Die FURCHE") is."""
    titles = {_key(t) for _, t in cands} - {""}
    misdeclared = [n for n in names if _splits(n) and _key(n) in titles]
    names = [n for n in names if n not in misdeclared]
    return names + _name_parts(names) + [p for p in _name_parts(misdeclared) if _key(p) not in titles]


def _name_parts(names: list[str]) -> list[str]:
    """The parts of a declared outlet name cut at a separator ("International Biathlon Union -
    IBU"): each is a name the outlet goes by (og:title "IBU" is the outlet, not a headline)."""
    return [p for n in names for p in _SEPARATORS.split(n) if p and p.strip() and p.strip() != n]


def with_listing(meta: Metadata, hints: PageHints | None) -> Metadata:
    """Fill what the page does not say from what its listing said: the feed entry's title, the
    outlet's name in sources.toml. The page's own declarations always win (they are the outlet's
    words about this article; a listing may be an aggregator's)."""
    if hints is None:
        return meta
    if meta.title is None and hints.title and (title := clean_line(hints.title)):
        meta.title = title
        meta.sources["title"] = "listing"   # the feed or sitemap entry that led to the page
    if meta.site_name is None and hints.outlet:
        meta.site_name = hints.outlet
        meta.sources["site_name"] = "sources.toml"
    return meta
