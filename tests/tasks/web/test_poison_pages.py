"""Poison charsets and bytes served over HTTP (a real server on 127.0.0.1): fetched, then turned
into articles as the sandbox workers do, each page on its own; the good ones whatever the others."""

from __future__ import annotations

import random

import pytest

from tasks.documents.article import article_from_page
from tasks.models import Article, Failure
from tasks.web.crawl import Target, fetch_batch
from tasks.web.exchange import FetchConfig
from tests.loopback_server import LoopbackServer, Page, Site

CONFIG = FetchConfig(allow_hosts=frozenset({"127.0.0.1"}), per_host_delay=0, retries=0)
PARAGRAPH = ("<p>Le conseil municipal a voté mardi soir le budget de la ville pour l'année prochaine, après un "
             "long débat sur le financement des écoles et des transports publics.</p>")
PAGE = ("<html><head><title>Budget voté</title></head><body><article><h1>Budget voté</h1>"
        + PARAGRAPH * 3 + "</article></body></html>")


@pytest.fixture(scope="module")
def pages():
    random.seed(7)
    site = Site(articles={
        "/good": Page(PAGE.encode(), "text/html; charset=utf-8"),
        **{f"/charset-{label}": Page(PAGE.encode(), f"text/html; charset={label}")
           for label in ("hex", "base64", "rot13", "zlib", "undefined", "punycode", "utf-7")},
        "/ascii-as-utf-16": Page(PAGE.encode("ascii", "xmlcharrefreplace"), "text/html; charset=utf-16"),
        "/real-utf-16": Page(PAGE.encode("utf-16"), "text/html; charset=utf-16"),
        "/random": Page(bytes(random.randrange(1, 256) for _ in range(40_000)), "text/html"),
    })
    with LoopbackServer(site) as server:
        targets = [Target(server.url(path), "url:test") for path in site.articles]
        batch = fetch_batch(targets, CONFIG, {})
    return {page.url.rsplit("/", 1)[1]: article_from_page(page) for page in batch.pages}


def test_http_charsets_that_are_not_text_encodings_are_ignored(pages):
    for label in ("hex", "base64", "rot13", "zlib", "undefined", "punycode", "utf-7"):
        article = pages[f"charset-{label}"]
        assert isinstance(article, Article), (label, article)
        assert article.title == "Budget voté" and "conseil municipal a voté mardi" in article.body


def test_utf_16_is_honoured_only_for_bytes_that_are_utf_16(pages):
    assert pages["ascii-as-utf-16"].title == "Budget voté"           # bytes with no NULs are not UTF-16
    assert pages["real-utf-16"].body == pages["good"].body


def test_random_bytes_are_not_an_article(pages):
    failure = pages["random"]
    assert isinstance(failure, Failure) and (failure.stage, failure.reason) == ("decode", "not text")
