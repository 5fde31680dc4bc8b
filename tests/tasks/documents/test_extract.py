"""HTML extraction: charsets, deep nesting, and the sandbox's time and memory bounds."""

import time

import pytest

from tasks.documents.extract import decode_html, extract_html
from tasks.models import Failure, RawDocument
from tasks.sandbox import SandboxConfig, SandboxError, run_isolated
from tests.loopback_server import FRENCH_CP1252


def test_windows_1252_without_any_charset_keeps_french_characters():
    doc = extract_html(FRENCH_CP1252.encode("cp1252"), "s", "u", "sha")
    assert isinstance(doc, RawDocument)
    text = " ".join(line.text for line in doc.lines)
    assert "«\u00a0Je suis très content" in text or "« Je suis très content" in text
    assert "l’arrivée" in text and "hôte" in text and "\ufffd" not in text
    assert doc.title == "Sommet à Vostotchny"


def test_http_charset_wins_then_meta_then_detection():
    page = "<html><head><meta charset='utf-8'></head><body><p>Été</p></body></html>"
    assert decode_html(page.encode("cp1252"), "windows-1252") == (page, "http:cp1252")
    assert decode_html(page.encode("utf-8"))[1] == "meta:utf-8"
    # A wrong declaration does not win over bytes that cannot be that charset.
    legacy = "<html><body><p>Été à Noël</p></body></html>"
    assert decode_html(legacy.encode("cp1252"), "utf-8") == (legacy, "detected:cp1252")
    assert decode_html("<p>Noël à l’école</p>".encode("cp1252")) == ("<p>Noël à l’école</p>", "detected:cp1252")
    assert decode_html(b"<p>x</p>", "iso-8859-1")[1] == "http:cp1252"   # as browsers do


def _nested(depth: int) -> bytes:
    inner = "<p>" + "Un paragraphe enfoui sous de nombreux niveaux de balises, mais bien réel. " * 6 + "</p>"
    return ("<html><body><article>" + "<div>" * depth + inner * 3 + "</div>" * depth + "</article></body></html>").encode()


def test_nesting_deeper_than_255_keeps_its_text():
    """lxml's default parser silently drops what lies under 255 levels; huge_tree keeps it."""
    doc = extract_html(_nested(1000), "s", "u", "sha")
    assert isinstance(doc, RawDocument) and "enfoui" in doc.lines[0].text


def test_absurd_nesting_is_refused_with_its_reason():
    failure = extract_html(_nested(3000), "s", "u", "sha")
    assert isinstance(failure, Failure) and failure.reason == "nesting too deep"


def sleep_forever(_: object) -> str:
    time.sleep(3600)
    return "never"


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_sandbox_times_out_one_document_and_carries_on():
    config = SandboxConfig(workers=1, timeout=1.0, memory_mb=1024)
    started = time.monotonic()
    results = run_isolated(sleep_forever, [None], config) + run_isolated(allocate, [1], config)
    assert isinstance(results[0], SandboxError) and results[0].reason == "timeout"
    assert results[1] == 1024 * 1024
    assert time.monotonic() - started < 20


def test_sandbox_memory_bound_turns_a_runaway_allocation_into_a_failure():
    config = SandboxConfig(workers=1, timeout=30, memory_mb=1024)
    small, huge = run_isolated(allocate, [10, 4096], config)
    assert small == 10 * 1024 * 1024
    assert isinstance(huge, SandboxError) and huge.reason == "memory"


@pytest.mark.parametrize("size_mb", [50])
def test_a_50_mb_page_is_bounded(size_mb):
    """A 50 MB page: extracted or refused inside the sandbox, never a crash of the caller."""
    block = b"<div><p>bla bla bla bla bla bla bla bla</p></div>"
    page = b"<html><body>" + block * (size_mb * 1024 * 1024 // len(block)) + b"</body></html>"
    config = SandboxConfig(workers=1, timeout=60, memory_mb=1024)
    (result,) = run_isolated(_extract, [page], config)
    assert isinstance(result, (SandboxError, Failure, RawDocument))
    if isinstance(result, SandboxError):
        assert result.reason in ("memory", "timeout")


def _extract(page: bytes):
    return extract_html(page, "s", "u", "sha")


def test_a_malformed_date_costs_the_date_not_the_article():
    """trafilatura returns nothing for a page whose meta date it cannot parse (+99:99): the article
    still loads, undated, with its body."""
    body = "<p>" + "Le conseil municipal a voté le budget de la ville après un long débat public. " * 5 + "</p>"
    page = (f'<html><head><meta property="article:published_time" content="2023-05-01T10:00+99:99"></head>'
            f"<body><article><h1>Budget voté</h1>{body}</article></body></html>").encode()
    raw = extract_html(page, "files:test", "file:///t/a.html", "sha")
    assert not isinstance(raw, Failure), raw
    assert raw.published_at is None and any("conseil municipal" in line.text for line in raw.lines)


def test_parsed_pages_have_lxml_html_element_classes_on_real_pages():
    """The parser's class lookup in C (html_class_lookup) gives every node the class lxml.html's
    own parser gives it (FormElement, InputElement, HtmlElement...), on every 8th corpus page,
    elements made later in the tree included."""
    import lxml.html
    from trafilatura.utils import repair_faulty_html

    from tasks.documents.extract import _PARSER
    from tests.conftest import EXTRACTION, require

    reference = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                     remove_comments=True, remove_pis=True, huge_tree=True)
    nodes = forms = 0
    for path in sorted(require(EXTRACTION / "html").glob("*.html"))[::8]:
        text = decode_html(path.read_bytes())[0]
        text = repair_faulty_html(text, text[:50].lower())
        trees = []
        for parser in (_PARSER, reference):
            try:
                tree = lxml.html.fromstring(text, parser=parser)
            except ValueError:
                tree = lxml.html.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
            tree.append(tree.makeelement("input"))
            trees.append([type(n) for n in tree.iter()])
        assert trees[0] == trees[1]
        nodes += len(trees[0])
        forms += sum(t is lxml.html.FormElement for t in trees[0])
    assert nodes > 50_000 and forms > 10
