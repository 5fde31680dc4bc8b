"""The fields of trafilatura's metadata step that the pipeline reads, without the rest of it (issue 17).

`bare_extraction(with_metadata=True)` runs trafilatura's whole `extract_metadata` before the text:
title, author, URL, htmldate's quick date, and also the site name, categories, tags, licence and,
on a page whose meta tags and JSON-LD name no author, an author search on a deep copy of the page.
That step cost ~12 ms of the ~63 ms a worker spent per page (bench/worker_cpu.py), most of it
(categories, tags, licence, the author search) on values nothing here reads. The pipeline reads
five: the title (a candidate of metadata.py, the `title` reason of dropped.py), the author
(pick_authors' last source), the URL, the image and the date (confirmed_date's first htmldate
answer). `trafilatura_fields` computes those with trafilatura's own functions, in its order and
with its final trimming, so they are the values it returned; the author search runs only when
pick_authors reaches it. trafilatura's text does not depend on the step: the step reads a copy of
the tree, and the URL it finds only serves links, which are not extracted.
"""

from __future__ import annotations

import re
from contextlib import suppress
from copy import copy
from dataclasses import dataclass, field
from functools import cached_property
from html import unescape

import lxml.etree
from htmldate import find_date
from trafilatura.metadata import examine_meta, extract_author, extract_meta_json, extract_title, extract_url
from trafilatura.settings import set_date_params
from trafilatura.utils import line_processing

MAX_FIELD = 10000   # trafilatura's Document.clean_and_trim cuts longer values

# Every element trafilatura's author search can return (trafilatura.xpaths.AUTHOR_XPATHS) has one
# of these in its class, id, rel, itemprop, data-testid or data-component (its tests are
# case-sensitive: "[Aa]uthor", "author-?name", @class='byline', 'BBL'...), or is an <author> or
# holds a <rel> (its `rel='me'`). A page with none of them gets no author from it: the search (a
# deep copy of the page and three XPaths calling Python regexes on every element, ~12 ms) is
# skipped on ~60% of the pages that reach it.
_AUTHOR_HINT = re.compile(r"uthor|byl|yline|BBL|username|screenname|writer|zuozhe|bianji|xiaobian|channel-name|"
                          r"submitted-by|posted-by|journalist-name")
_AUTHOR_ATTRS = ("class", "id", "rel", "itemprop", "data-testid", "data-component")
_AUTHOR_TAGS = frozenset({"author", "rel"})


def trimmed(value: str | None) -> str | None:
    """A value as trafilatura's Document.clean_and_trim leaves it (cut, entities decoded, spaces
    and control characters normalised, None when blank): the fields must be the ones it returned."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_FIELD:
        value = value[:MAX_FIELD - 1] + "…"
    return line_processing(unescape(value))


# The tree's <author>/<rel> elements, and the values of the attributes _AUTHOR_HINT is tested on
# (the tree itself included), read by libxml2 rather than element by element in Python.
_AUTHOR_ELEMENTS = lxml.etree.XPath(" | ".join(f"descendant-or-self::{tag}" for tag in sorted(_AUTHOR_TAGS)))
_AUTHOR_VALUES = lxml.etree.XPath(" | ".join(f"descendant-or-self::*/@{name}" for name in _AUTHOR_ATTRS),
                                  smart_strings=False)   # plain strings: half the cost of the walk


def may_have_author(tree: lxml.etree._Element) -> bool:
    """Could trafilatura's author search find anything in this tree? False only when no element
    has what its XPaths test (see _AUTHOR_HINT). The values are searched joined by newlines:
    _AUTHOR_HINT's words hold none, so it matches the joined text only where it matches a value."""
    return bool(_AUTHOR_ELEMENTS(tree)) or bool(_AUTHOR_HINT.search("\n".join(_AUTHOR_VALUES(tree))))


def own_document(tree: lxml.etree._Element) -> lxml.etree._Element:
    """The tree as trafilatura's metadata step read it: a copy, that is the tree itself unless the
    parser returned an element inside a larger document (a fragment without <html>), where its
    XPaths from the root (//h1, htmldate's) would see more than the copy holds."""
    return tree if tree.getroottree().getroot() is tree else copy(tree)


@dataclass
class TrafilaturaFields:
    """What trafilatura's metadata step said of a page, for the fields the pipeline reads."""

    title: str | None = None
    url: str | None = None
    image: str | None = None
    date: str | None = None     # htmldate's quick search (what trafilatura runs)
    declared_author: str | None = None
    search_tree: lxml.etree._Element | None = field(default=None, repr=False, compare=False)

    @cached_property
    def author(self) -> str | None:
        """The declared author (meta tags, JSON-LD), else trafilatura's search of the page's
        bylines, run on first use only: pick_authors rarely gets that far, and the search copies
        the whole page."""
        if self.search_tree is None or not may_have_author(self.search_tree):
            return self.declared_author
        try:
            return trimmed(extract_author(self.search_tree))
        except (TypeError, ValueError):   # what bare_extraction would have swallowed
            return None


def trafilatura_fields(tree: lxml.etree._Element, url: str | None = None) -> TrafilaturaFields:
    """trafilatura's title, URL, image, quick htmldate date and author of a parsed page, as
    `bare_extraction(tree, url=url, with_metadata=True, date_extraction_params=set_date_params(False))`
    returns them (trafilatura.metadata.extract_metadata, same order). A TypeError or ValueError
    there (htmldate raises one on a meta date with an offset of +99:99) made trafilatura discard
    its metadata: every field is then None, as the pipeline had it."""
    tree = own_document(tree)
    try:
        meta = examine_meta(tree)
        if meta.author and " " not in meta.author:
            meta.author = None
        with suppress(Exception):   # trafilatura ignores its JSON-LD bugs the same way
            meta = extract_meta_json(tree, meta)
        if not meta.title:
            meta.title = extract_title(tree)
        search = not meta.author
        if not meta.url:
            meta.url = extract_url(tree, url)
        date = find_date(tree, **{**set_date_params(extensive=False), "url": meta.url})
    except (TypeError, ValueError):
        return TrafilaturaFields()
    return TrafilaturaFields(title=trimmed(meta.title), url=trimmed(meta.url), image=trimmed(meta.image),
                             date=trimmed(date), declared_author=None if search else trimmed(meta.author),
                             search_tree=tree if search else None)
