"""The <meta> tags of a page, read once (issue 17): the same tags, names and contents as reading the elements."""

from tasks.documents.declarations import NAME_ATTRS, meta_tags, read_meta_tags
from tasks.documents.extract import decode_html, parse_text
from tests.conftest import EXTRACTION, require


def _trees(step: int) -> list:
    corpus = require(EXTRACTION / "html")
    return [t for p in sorted(corpus.glob("*.html"))[::step] if (t := parse_text(decode_html(p.read_bytes())[0])) is not None]


def test_meta_tags_are_the_pages_meta_elements_on_real_pages():
    """Every <meta> in document order, each naming attribute that is set (stripped, lower-case,
    in NAME_ATTRS order) and the content as written, on every 4th page of the extraction corpus."""
    tags = 0
    for tree in _trees(4):
        expected = [(tuple((a, (el.get(a) or "").strip().lower()) for a in NAME_ATTRS if (el.get(a) or "").strip()),
                     el.get("content")) for el in tree.iter("meta")]
        assert [(t.names, t.content) for t in read_meta_tags(tree)] == expected
        tags += len(expected)
    assert tags > 5000


def test_meta_tags_are_read_once_per_tree():
    first, second = (parse_text(f"<html><head><meta name='Author ' content='{n}'></head><body><p>x</p></body></html>")
                     for n in ("Ana", "Bo"))
    tags = meta_tags(first)
    assert tags[0].names == (("name", "author"),) and tags[0].content == "Ana"
    assert meta_tags(first) is tags                     # the same tree: not read again
    assert meta_tags(second)[0].content == "Bo"         # another tree: its own tags
