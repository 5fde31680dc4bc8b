"""The <meta> tags of a parsed page, read once for every module that looks at them (issue 17).

metadata.py asks for its tags six times per page (titles, site names, authors) and published.py
once more for the dates; each walk went over every <meta> element and read four attributes of
each. `meta_tags` reads them once and keeps the result for the last tree it was given: the
extraction of one page calls it again and again with the same tree, which is not changed
between those calls (trafilatura and htmldate work on copies).
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.etree

NAME_ATTRS = ("property", "name", "itemprop", "http-equiv")   # what names a <meta>, in this order


@dataclass(frozen=True)
class MetaTag:
    """One <meta> element: its non-empty naming attributes as (attribute, stripped lower-case
    value) in NAME_ATTRS order, and its content attribute as written."""

    names: tuple[tuple[str, str], ...]
    content: str | None


def read_meta_tags(tree: lxml.etree._Element) -> tuple[MetaTag, ...]:
    """Every <meta> of the tree in document order, the tree itself included when it is one
    (as tree.iter("meta") has it)."""
    tags = []
    for el in tree.iter("meta"):
        attrib = el.attrib
        names = tuple((attr, value) for attr in NAME_ATTRS if (value := (attrib.get(attr) or "").strip().lower()))
        tags.append(MetaTag(names, attrib.get("content")))
    return tuple(tags)


_last: tuple[lxml.etree._Element | None, tuple[MetaTag, ...]] = (None, ())


def meta_tags(tree: lxml.etree._Element) -> tuple[MetaTag, ...]:
    """read_meta_tags of the tree, computed once per tree: the last tree's answer is kept (with
    the tree itself, so that its identity cannot be reused by another)."""
    global _last
    if _last[0] is not tree:
        _last = (tree, read_meta_tags(tree))
    return _last[1]
