"""The per-input exception boundary (tasks/isolation.py), and the rule it builds: an exception in
any per-input stage of extraction costs that input, named after the stage, and never its batch."""

from __future__ import annotations

from pathlib import Path

import pytest

import tasks.documents.article
import tasks.documents.extract
import tasks.documents.read
from tasks.documents.article import article_from_file
from tasks.documents.read import InputFile
from tasks.isolation import InputError, failure_or, stage
from tasks.models import Article, Failure
from tasks.sandbox import SandboxConfig, SandboxError, run_isolated
from tests.conftest import SEEDS


def test_stage_names_the_innermost_stage_and_lets_memory_errors_through():
    with pytest.raises(InputError) as err, stage("extract", "u"), stage("date", "u"):
        raise OverflowError("date value out of range")
    assert (err.value.stage, err.value.reason, err.value.error_type) == ("date", "date error", "OverflowError")
    assert err.value.failure("s", "u") == Failure("s", "u", "date", "date error",
                                                  "OverflowError: date value out of range", "OverflowError")
    with pytest.raises(MemoryError), stage("extract", "u"):
        raise MemoryError


def test_failure_or_turns_any_exception_into_the_inputs_failure():
    def boom(x):
        raise LookupError(f"'{x}' is not a text encoding")
    failure = failure_or(boom, "s", "u", "hex", default_stage="read")
    assert failure == Failure("s", "u", "read", "read error", "LookupError: 'hex' is not a text encoding", "LookupError")
    assert failure_or(len, "s", "u", "abc") == 3


POISON = "POISONPILL"


def _html(tmp_path, name: str, words: str) -> InputFile:
    body = " ".join(f"<p>{words} Le sommet a réuni les deux dirigeants au cosmodrome pour une longue journée "
                    f"d'entretiens consacrés à la coopération spatiale et militaire.</p>" for _ in range(4))
    path = tmp_path / name
    path.write_text(f"<html><head><title>{words}</title></head><body><article>{body}</article></body></html>")
    return InputFile("files:test", str(path))


def _poisoned(func, is_poison):
    """func, raising ValueError when is_poison(*args) (the other inputs go through untouched)."""
    def wrapper(*args, **kwargs):
        if is_poison(*args, **kwargs):
            raise ValueError("injected fault")
        return func(*args, **kwargs)
    return wrapper


def _mentions_poison(*args, **kwargs) -> bool:
    def has(value) -> bool:
        if isinstance(value, bytes | str):
            return POISON in (value.decode("latin-1") if isinstance(value, bytes) else value)
        if isinstance(value, Article):
            return POISON in (value.title or "") + value.body
        if hasattr(value, "lines"):     # RawDocument
            return POISON in (value.title or "") + " ".join(line.text for line in value.lines)
        if hasattr(value, "xpath"):     # an lxml tree
            return POISON in "".join(value.itertext())
        return False
    return any(has(v) for v in (*args, *kwargs.values()))


# Every per-input stage of extraction: (module, function, the stage its failure must name, file kind).
EXTRACTION_STAGES = [
    (tasks.documents.extract, "decode_html", "decode", "html"),
    (tasks.documents.extract, "parse_text", "parse", "html"),
    (tasks.documents.extract.trafilatura, "bare_extraction", "extract", "html"),
    (tasks.documents.extract, "page_dates", "date", "html"),
    (tasks.documents.read, "decode_text", "decode", "txt"),
    (tasks.documents.read, "parse_text", "parse", "txt"),
    (tasks.documents.article, "clean_document", "clean", "txt"),
    (tasks.documents.article, "with_features", "fingerprint", "txt"),
]


@pytest.mark.parametrize(("module", "name", "expected_stage", "kind"), EXTRACTION_STAGES,
                         ids=[f"{m.__name__}.{n}" for m, n, _, _ in EXTRACTION_STAGES])
def test_an_exception_in_any_extraction_stage_fails_only_its_input(tmp_path, monkeypatch, module, name,
                                                                    expected_stage, kind):
    monkeypatch.setattr(module, name, _poisoned(getattr(module, name), _mentions_poison))
    if kind == "html":
        items = [_html(tmp_path, "a.html", "Premier"), _html(tmp_path, "b.html", POISON), _html(tmp_path, "c.html", "Dernier")]
    else:
        texts = sorted(SEEDS.glob("*.txt"))[:3]
        items = []
        for i, source in enumerate(texts):
            path = tmp_path / f"{i}.txt"
            text = source.read_text(encoding="utf-8")
            path.write_text(text.replace("\n", f"\n{POISON} ", 1) if i == 1 else text, encoding="utf-8")
            items.append(InputFile("files:test", str(path)))
    results = [article_from_file(item) for item in items]
    assert isinstance(results[0], Article) and isinstance(results[2], Article)
    failure = results[1]
    assert isinstance(failure, Failure), failure
    assert (failure.stage, failure.reason, failure.error_type) == (expected_stage, f"{expected_stage} error", "ValueError")
    assert failure.detail == "ValueError: injected fault" and failure.source_uri == items[1].uri


def _raise_for_two(n: int) -> int:
    if n == 2:
        raise KeyError("two")
    return n * 10


def test_the_sandbox_turns_an_exception_it_is_let_out_into_that_documents_error():
    results = run_isolated(_raise_for_two, [1, 2, 3], SandboxConfig(workers=1, timeout=30))
    assert results[0] == 10 and results[2] == 30
    assert results[1] == SandboxError("error", "KeyError: 'two'", "KeyError")


# The stages of a fetched page → article (tasks/documents/article.py), as the extraction workers run them.
PAGE_STAGES = [("same_site", "page"), ("clean_document", "clean"), ("with_features", "fingerprint")]


@pytest.mark.parametrize(("name", "expected_stage"), PAGE_STAGES, ids=[n for n, _ in PAGE_STAGES])
def test_an_exception_in_any_page_stage_fails_only_its_page(tmp_path, monkeypatch, name, expected_stage):
    import hashlib

    from tasks.documents.article import article_from_page
    from tasks.models import WebPage

    def page(words: str) -> WebPage:
        body = _html(tmp_path, f"{words}.html", words)
        canonical = f'<head><link rel="canonical" href="https://example.org/news/{words}-canonical">'.encode()
        data = Path(body.path).read_bytes().replace(b"<head>", canonical)
        url = f"https://example.org/news/{words}"
        return WebPage("url:test", url, url, data, "utf-8", hashlib.sha256(data).hexdigest())

    monkeypatch.setattr(tasks.documents.article, name, _poisoned(getattr(tasks.documents.article, name), _mentions_poison))
    pages = [page("Premier"), page(POISON), page("Dernier")]
    results = [article_from_page(p) for p in pages]
    assert isinstance(results[0], Article) and isinstance(results[2], Article)
    assert isinstance(results[1], Failure), results[1]
    assert (results[1].stage, results[1].error_type, results[1].source_uri) == (expected_stage, "ValueError", pages[1].url)
