"""trafilatura_fields gives the values trafilatura's own metadata step gave, without the rest of it (issue 17)."""

import json

import pytest
import trafilatura
from trafilatura.settings import set_date_params

import tasks.documents.trafilatura_fields as fields_module
from tasks.documents.extract import decode_html, parse_text
from tasks.documents.trafilatura_fields import may_have_author, trafilatura_fields
from tests.conftest import EXTRACTION, require


def _old_doc(tree, url):
    """What the pipeline called before: the whole metadata step, then the text."""
    return trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False,
                                       include_tables=True, date_extraction_params=set_date_params(extensive=False))


def _fields(doc) -> tuple:
    return (doc.title, doc.author, doc.url, doc.image, doc.date)


def _sample(step: int) -> list[tuple[str | None, bytes]]:
    corpus = require(EXTRACTION / "html")
    url_of = {e["file"]: u for u, e in json.loads((EXTRACTION / "evaldata.json").read_text()).items()}
    return [(url_of.get(p.name), p.read_bytes()) for p in sorted(corpus.glob("*.html"))[::step]]


def test_every_field_read_is_trafilaturas_on_real_pages():
    """Title, author, URL, image and htmldate's quick date equal what bare_extraction(with_metadata=True)
    returned, with and without the page's URL, on every 8th page of the extraction corpus."""
    compared = authors = 0
    for url, data in _sample(8):
        tree = parse_text(decode_html(data)[0])
        for given in (None, url):
            old = _old_doc(tree, given)
            if old is None:
                continue
            new = trafilatura_fields(tree, given)
            assert _fields(new) == _fields(old), given
            compared += 1
            authors += bool(old.author)
    assert compared > 200 and authors > 50


def test_a_fragment_reads_as_trafilaturas_copy_did():
    """A page without <html> parses to an element inside a larger document (its <head> outside
    it): the fields are still the ones trafilatura read from its copy of that element."""
    url, data = _sample(1)[3]
    text = decode_html(data)[0]
    body = text[text.lower().index("<body"):]
    for fragment in (body, body[body.index(">") + 1:], "<h1>Titel</h1><p>Ein Absatz von Peter Meier.</p>"):
        tree = parse_text(fragment)
        assert tree.getroottree().getroot() is not tree
        old = _old_doc(tree, url)
        if old is not None:
            assert _fields(trafilatura_fields(tree, url)) == _fields(old)


def test_the_author_search_runs_only_when_asked_and_only_where_it_can_find_something(monkeypatch):
    calls = []
    monkeypatch.setattr(fields_module, "extract_author", lambda tree: calls.append(tree) or "Peter Meier")
    page = "<html><head><title>T</title></head><body><h1>T</h1><p class='{}'>Peter Meier</p></body></html>"
    plain = trafilatura_fields(parse_text(page.format("lead")))
    assert calls == [] and plain.author is None and calls == []   # no element the search could return
    hinted = trafilatura_fields(parse_text(page.format("byline")))
    assert calls == [] and hinted.author == "Peter Meier" and len(calls) == 1
    assert may_have_author(parse_text(page.format("post-Author"))) and not may_have_author(parse_text(page.format("x")))


def test_a_date_htmldate_cannot_parse_leaves_every_field_empty_as_trafilatura_did():
    page = ('<html><head><meta property="article:published_time" content="2023-05-01T10:00+99:99">'
            '<meta property="og:title" content="Budget voté"><link rel="canonical" href="https://ville.example/budget">'
            "</head><body><h1>Budget voté</h1></body></html>")
    fields = trafilatura_fields(parse_text(page), "https://ville.example/x")
    assert _fields(fields) == (None, None, None, None, None)


@pytest.mark.parametrize("value", ["  Le  &amp; titre\n", "x" * 10_050, "\t \n"])
def test_values_are_trimmed_as_trafilatura_trims_them(value):
    doc = trafilatura.settings.Document(title=value)
    doc.clean_and_trim()
    assert fields_module.trimmed(value) == doc.title


def test_may_have_author_is_the_element_walk_on_real_pages():
    """The XPath form of the pre-check answers as a walk testing each element's tag and
    attributes does, on every 4th page of the corpus (both answers occur)."""
    def walk(tree) -> bool:
        return any(el.tag in fields_module._AUTHOR_TAGS or any(
            (v := el.get(a)) and fields_module._AUTHOR_HINT.search(v) for a in fields_module._AUTHOR_ATTRS)
            for el in tree.iter())
    answers = []
    for _, data in _sample(4):
        tree = parse_text(decode_html(data)[0])
        answers.append(may_have_author(tree))
        assert answers[-1] == walk(tree)
    assert sum(answers) > 20 and len(answers) - sum(answers) > 20
