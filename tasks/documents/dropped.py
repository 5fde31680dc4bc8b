"""What trafilatura left out of an HTML page, as removed lines with a reason (issue 15).

Text inputs account for every line (body or removed_lines); for HTML the cut was trafilatura's and
left no trace. This walks the parsed page once, splits it into text blocks (a paragraph, a list
item, a cell, a heading...), and records each block that did not reach the body, with a reason
read from the markup around it: the nearest element that says what it is (<nav>, role="contentinfo",
class="comments", id="sidebar"...), else the share of its text in links, else `other`.

Bounded: only blocks of at least MIN_WORDS words (single labels are noise), at most MAX_BLOCKS per
page, each at most MAX_CHARS long. A block counts as in the body when its words appear there in
order, when most of its word trigrams do (trafilatura rejoins and trims text), or when it holds a
whole body line (trafilatura kept part of it): a body paragraph must never be reported as cut, so a
doubtful block is taken as kept.

Positions are negative, -N..-1 in page order: the body's lines are numbered from 0 by the extracted
text, which a dropped block has no place in.
"""

from __future__ import annotations

import re

import lxml.etree

from tasks.models import Line, RemovedLine
from tasks.text import clean_line

MIN_WORDS = 4
MAX_BLOCKS = 100
MAX_CHARS = 2000
KEPT_TRIGRAMS = 0.5      # a block with at least this share of its word trigrams in the body was kept
LINK_DENSITY = 0.5       # a block with at least this share of its text in links is a link block

PREFIX = "dropped:"
REASONS = ("navigation", "comments", "related", "footer", "header", "sidebar", "form", "hidden",
           "title", "link_density", "other")

_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe", "object",
                   "head", "title", "meta", "link", "select", "option", "textarea", "canvas", "video", "audio"})
_BLOCKS = frozenset({"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog",
                     "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
                     "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav",
                     "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
                     "tr", "ul"})
# The search for a reason stops at the page (a class on <body> such as "has-sidebar" describes the
# page, not the block) and after the content (<article>, <main>: what is above them is the page's).
_PAGE = frozenset({"body", "html"})
_CONTENT = frozenset({"article", "main"})

# What an element says it is: its tag, its ARIA role, or words of its class and id. Checked from
# the block up to the root; the nearest element that says something gives the reason.
_TAGS = {"nav": "navigation", "footer": "footer", "header": "header", "aside": "sidebar", "form": "form",
         "button": "form", "input": "form", "label": "form"}
_ROLES = {"navigation": "navigation", "menubar": "navigation", "menu": "navigation", "contentinfo": "footer",
          "banner": "header", "complementary": "sidebar", "search": "form", "form": "form", "dialog": "form"}
_WORDS = [  # (reason, words of class/id), first match wins within one element
    ("comments", r"comments?|commentlist|disqus|respond|replies|discussion|reactions?"),
    ("related", r"related|recommended|recommendations?|more|also|readmore|outbrain|taboola|teasers?|promo|"
                r"popular|trending|mostread|most|suggestions?|recirculation|next"),
    ("navigation", r"nav|navbar|navigation|menu|menus|breadcrumbs?|pagination|pager|skip|topbar|tabs"),
    ("footer", r"footer|foot|copyright|colophon|legal"),
    ("header", r"header|masthead|branding|logo"),
    ("sidebar", r"sidebar|aside|widgets?|rail|sidebox"),
    ("form", r"newsletter|subscribe|subscription|signup|login|search|searchform|cookies?|consent|gdpr|share|social"),
]
_WORD_PATTERNS = [(reason, re.compile(rf"(?:^|[-_\s])(?:{words})(?:$|[-_\s\d])", re.I)) for reason, words in _WORDS]
_ANY_WORD = re.compile(rf"(?:^|[-_\s])(?:{'|'.join(words for _, words in _WORDS)})(?:$|[-_\s\d])", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WORD = re.compile(r"\w+")


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _element_reason(el: lxml.etree._Element) -> str | None:
    """What one element says it is (see _TAGS, _ROLES, _WORDS), or None."""
    attrib = el.attrib
    if not attrib:
        return _TAGS.get(el.tag) if isinstance(el.tag, str) else None
    if "hidden" in attrib or attrib.get("aria-hidden") == "true" or _HIDDEN_STYLE.search(attrib.get("style", "")):
        return "hidden"
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _TAGS:
        return _TAGS[tag]
    role = (el.get("role") or "").strip().lower()
    if role in _ROLES:
        return _ROLES[role]
    names = f"{el.get('class') or ''} {el.get('id') or ''}".strip()
    if names and _ANY_WORD.search(names):
        for reason, pattern in _WORD_PATTERNS:
            if pattern.search(names):
                return reason
    return None


def marked_reason(el: lxml.etree._Element, memo: dict[lxml.etree._Element, str | None]) -> str | None:
    """What the nearest element from `el` up says it is (_element_reason), looking up to the page
    (not included) or the content (<article>, <main>, included); None when none says anything.
    `memo` keeps the answer of every element passed for the page's other blocks: they share
    most of their ancestors (and holding the elements keeps their identity)."""
    path = []
    reason = None
    node = el
    while node is not None:
        if node in memo:
            reason = memo[node]
            break
        if node.tag in _PAGE:
            break
        path.append(node)
        if (reason := _element_reason(node)) is not None or node.tag in _CONTENT:
            break
        node = node.getparent()
    for passed in path:
        memo[passed] = reason
    return reason


def block_reason(el: lxml.etree._Element, text: str, link_chars: int, title: str | None,
                 tokens: list[str] | None = None, title_tokens: list[str] | None = None,
                 memo: dict[lxml.etree._Element, str | None] | None = None) -> str:
    """Why a block that did not reach the body was left out: it repeats the title, the nearest
    element saying what it is, a block mostly made of links, else other. `tokens` and
    `title_tokens` (the _tokens of text and title) and `memo` (see marked_reason) spare
    dropped_blocks computing them again for each block."""
    if title and (tokens if tokens is not None else _tokens(text)) == (
            title_tokens if title_tokens is not None else _tokens(title)):
        return "title"
    if (reason := marked_reason(el, {} if memo is None else memo)) is not None:
        return reason
    if link_chars >= LINK_DENSITY * len(text):
        return "link_density"
    return "other"


def text_blocks(tree: lxml.etree._Element, min_words: int = 1) -> list[tuple[lxml.etree._Element, str, int]]:
    """(element, text, characters inside links) of each text block of a page with at least
    `min_words` words, in page order. A block's text is its own and its inline descendants'; a
    nested block is a block of its own. Iterative (pages nest thousands of levels deep); the
    innermost open block is kept in locals (`pieces`, `link_chars`), the outer ones on a stack."""
    blocks: list[tuple[lxml.etree._Element, str, int]] = []
    outer: list[tuple[list[str] | None, int]] = []   # (pieces, link_chars) of the enclosing blocks
    pieces: list[str] | None = None   # the text pieces of the innermost open block (None: none open)
    link_chars = links = 0
    walker = lxml.etree.iterwalk(tree, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if tag.__class__ is not str or tag in _SKIP:
                walker.skip_subtree()
                continue
            if tag in _BLOCKS:
                outer.append((pieces, link_chars))
                pieces, link_chars = [], 0
            elif tag == "a":
                links += 1
            elif tag == "br":
                if pieces is not None:
                    pieces.append(" ")
                continue
            text = el.text
        else:
            if tag in _BLOCKS:
                words = "".join(pieces).split()   # type: ignore[arg-type]
                if len(words) >= min_words and (text := clean_line(" ".join(words))):
                    blocks.append((el, text, link_chars))
                pieces, link_chars = outer.pop()
            elif tag == "a":
                links -= 1
            text = el.tail
        if text and pieces is not None:
            pieces.append(text)
            if links:
                link_chars += len(text)
    return blocks


def _trigrams(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)}


def dropped_blocks(tree: lxml.etree._Element, body_lines: list[str], title: str | None = None) -> list[RemovedLine]:
    """The text blocks of a parsed page that are not in the extracted body, each as a RemovedLine
    with rule `dropped:<reason>` (REASONS) and a negative position in page order."""
    line_tokens = [_tokens(line) for line in body_lines]
    body_tokens = [t for tokens in line_tokens for t in tokens]
    body = f" {' '.join(body_tokens)} "
    body_trigrams = _trigrams(body_tokens)
    lines = [f" {' '.join(tokens)} " for tokens in line_tokens if len(tokens) >= MIN_WORDS]
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    title_tokens = _tokens(title) if title else None
    memo: dict[lxml.etree._Element, str | None] = {}
    for el, text, link_chars in text_blocks(tree, MIN_WORDS):
        tokens = _tokens(text)
        if len(text.split()) < MIN_WORDS or len(tokens) < MIN_WORDS:
            continue
        key = " ".join(tokens)
        if key in seen or f" {key} " in body:
            continue
        grams = _trigrams(tokens)
        if grams and len(grams & body_trigrams) >= KEPT_TRIGRAMS * len(grams):
            continue
        padded = f" {key} "
        if any(line in padded for line in lines):   # partly in the body: trafilatura kept some of it
            continue
        seen.add(key)
        found.append((text[:MAX_CHARS], block_reason(el, text, link_chars, title, tokens, title_tokens, memo)))
        if len(found) == MAX_BLOCKS:
            break
    n = len(found)
    return [RemovedLine(i - n, text, PREFIX + reason) for i, (text, reason) in enumerate(found)]


# Page chrome by its semantic markup only (a class can be anything: an article may be
# <article class="teaser">, a whole ASP.NET page sits in a <form>), and only navigation and
# footers: an <aside> holds real text (a fact box trafilatura may return instead of the article).
_CHROME_TAGS = {"nav": "navigation", "footer": "footer"}
_CHROME_ROLES = {"navigation": "navigation", "menubar": "navigation", "menu": "navigation", "contentinfo": "footer"}
_CHROME_XPATH = lxml.etree.XPath(
    "//nav | //footer | //*[@role='navigation' or @role='menubar' or @role='menu' or @role='contentinfo']")


def chrome_of(el: lxml.etree._Element) -> str | None:
    """The chrome a block sits in by its markup (<nav>, <footer>, their ARIA roles), looking up to
    the nearest <article>/<main>; None for content."""
    for node in (el, *el.iterancestors()):
        if node.tag in _CHROME_TAGS:
            return _CHROME_TAGS[node.tag]
        if (role := (node.get("role") or "").strip().lower()) in _CHROME_ROLES:
            return _CHROME_ROLES[role]
        if node.tag in _CONTENT or node.tag in _PAGE:
            return None
    return None


def match_key(text: str) -> str:
    """A text's words, case-folded, space-padded: `a in b` then means a's words occur in b in order."""
    return f" {' '.join(_tokens(text))} "


def chrome_reasons(tree: lxml.etree._Element, lines: list[Line]) -> list[str] | None:
    """The chrome each body line comes from, when every one of them comes from chrome only
    (found in a <nav>/<footer> block and in no other block); None as soon as one does not. The
    text of the chrome elements is checked first (one XPath): an article fails there."""
    texts = [" ".join(el.itertext()) for el in _CHROME_XPATH(tree)]
    if sum(len(t.split()) for t in texts) < sum(len(line.text.split()) for line in lines):
        return None   # more body than chrome: not all of it can be chrome
    chrome = " ".join(match_key(t) for t in texts)
    keys = [match_key(line.text) for line in lines]
    if not chrome.strip() or any(key == "  " or key not in chrome for key in keys):
        return None
    keyed = [(match_key(text), el) for el, text, _ in text_blocks(tree)]
    reasons = []
    for key in keys:
        holders = [chrome_of(el) for block_key, el in keyed if key in block_key]
        if not holders or None in holders:
            return None
        reasons.append(holders[0])
    return reasons


def audit_page(tree: lxml.etree._Element, lines: list[Line],
               title: str | None = None) -> tuple[list[Line], list[RemovedLine]]:
    """(body lines, removed lines) of an extracted page: the blocks trafilatura left out
    (dropped_blocks), and, when the whole extracted text is navigation or footer (a page holding
    only its menu, which trafilatura's fallback returns rather than nothing), that text too: it is
    then no article (cleaning finds no content)."""
    dropped = dropped_blocks(tree, [line.text for line in lines], title)
    reasons = chrome_reasons(tree, lines) if lines else None
    if reasons is None:
        return lines, dropped
    return [], dropped + [RemovedLine(line.position, line.text, PREFIX + reason)
                          for line, reason in zip(lines, reasons, strict=True)]
