"""Publication dates from small pages: offset kept, modified dates apart, URL dates, precision."""

from __future__ import annotations

from datetime import datetime

import lxml.html
import pytest

from tasks.documents.clean import clean_document
from tasks.documents.extract import extract_html
from tasks.documents.published import (
    PageDates,
    byline_dates,
    confirmed_date,
    page_dates,
    parse_when,
    text_dates,
    title_dates,
    url_date,
    url_month,
)
from tasks.models import PageHints, RawDocument

BODY = "<p>" + " ".join(["Der Gemeinderat hat am Abend über den neuen Haushalt beraten und abgestimmt."] * 4) + "</p>"


def _dates(head: str = "", body: str = "", url: str | None = None, hints: PageHints | None = None,
           htmldate: str | None = None, checks: tuple = ()) -> PageDates:
    tree = lxml.html.fromstring(f"<html><head>{head}</head><body>{body or BODY}</body></html>")
    return page_dates(tree, url, hints, htmldate, checks=checks)


def _tree(body: str, title: str = "T") -> lxml.html.HtmlElement:
    return lxml.html.fromstring(f"<html><head><title>{title}</title></head><body>{body}</body></html>")


def test_offset_is_kept_and_the_time_stored_in_utc():
    dates = _dates('<meta property="article:published_time" content="2020-01-21T07:00:00-05:00">')
    assert dates.published_at == datetime(2020, 1, 21, 12, 0)
    assert (dates.published_offset, dates.published_precision) == (-300, "second")
    assert dates.published_source == "meta:article:published_time"


def test_a_time_without_offset_is_the_wall_time_with_no_offset():
    dates = _dates('<meta name="pubdate" content="2020-01-21 07:00">')
    assert (dates.published_at, dates.published_offset, dates.published_precision) == (
        datetime(2020, 1, 21, 7, 0), None, "minute")


def test_modified_date_is_never_the_published_date():
    dates = _dates('<meta property="article:modified_time" content="2021-03-14T10:00:00Z">')
    assert dates.published_at is None
    assert dates.updated_at == datetime(2021, 3, 14, 10, 0) and dates.updated_source == "meta:article:modified_time"
    both = _dates('<script type="application/ld+json">{"@type": "NewsArticle", "dateModified": "2021-03-14T10:00Z",'
                  ' "datePublished": "2021-03-08T11:15:28+01:00"}</script>')
    assert both.published_at == datetime(2021, 3, 8, 10, 15, 28) and both.published_offset == 60
    assert both.updated_at == datetime(2021, 3, 14, 10, 0)
    assert both.sources() == {"published_at": "json-ld:datePublished", "updated_at": "json-ld:dateModified"}


def test_json_ld_graph_and_the_page_article_not_a_related_one():
    head = ('<script type="application/ld+json">{"@graph": [{"@type": "WebPage", "datePublished": "2019-01-01"},'
            ' {"@type": ["NewsArticle"], "url": "https://ex.com/other", "datePublished": "2018-05-05T10:00:00Z"},'
            ' {"@type": "NewsArticle", "url": "https://ex.com/story", "datePublished": "2023-09-13T08:30:00+02:00"}]}'
            '</script>')
    dates = _dates(head, url="https://www.ex.com/story?ref=rss")
    assert dates.published_at == datetime(2023, 9, 13, 6, 30) and dates.published_source == "json-ld:datePublished"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://ex.com/2023/09/13/title", datetime(2023, 9, 13)),
    ("https://ex.com/news/20230913/title", datetime(2023, 9, 13)),
    ("https://ex.com/news/2023-09-13-title.html", datetime(2023, 9, 13)),
    ("https://ex.com/cnt/dmf20250202_96887132", datetime(2025, 2, 2)),
    ("https://ex.com/2023/02/30/title", None),
    ("https://ex.com/article/123456789", None),
])
def test_url_dates(url, expected):
    when = url_date(url)
    assert (when.at if when else None) == expected
    if when:
        assert when.precision == "day"


def test_url_date_is_evidence_and_a_structured_time_of_the_same_day_wins():
    assert _dates(url="https://ex.com/2023/09/13/title").published_source == "url"
    dates = _dates('<meta name="sailthru.date" content="2023-09-13 18:05:00 +0200">', url="https://ex.com/2023/09/13/t")
    assert dates.published_at == datetime(2023, 9, 13, 16, 5) and dates.published_precision == "second"


def test_a_day_is_upgraded_by_an_agreeing_time_and_precision_is_kept():
    dates = _dates('<meta name="date" content="2023-09-13">', body=f'<article><header><time datetime='
                   f'"2023-09-13T09:41+02:00">13.9.</time></header>{BODY}</article>')
    assert (dates.published_at, dates.published_precision, dates.published_source) == (
        datetime(2023, 9, 13, 7, 41), "minute", "time:header")
    assert parse_when("2023-09").precision == "month" and parse_when("2023").precision == "year"
    assert parse_when("2023-09-13").precision == "day"


def test_listing_dates_are_evidence_and_lastmod_is_a_modification():
    feed = _dates(hints=PageHints("T", "Wed, 13 Sep 2023 08:00:00 +0200", "feed"))
    assert (feed.published_at, feed.published_offset, feed.published_source) == (datetime(2023, 9, 13, 6), 120, "feed")
    lastmod = _dates(hints=PageHints(None, "2023-09-20T10:00:00Z", "sitemap:lastmod"))
    assert lastmod.published_at is None and lastmod.updated_at == datetime(2023, 9, 20, 10)


def test_htmldate_only_when_nothing_else_names_a_date():
    assert _dates(htmldate="2020-02-02").published_source == "htmldate"
    assert _dates('<meta name="pubdate" content="2021-01-01">', htmldate="2020-02-02").published_at == datetime(2021, 1, 1)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31T00:00:00+01:00", "2023-02-30", "2023-09-13T24:61",
                                   "soon", "", "2023-09-13T10:00:00+25:00"])
def test_impossible_or_implausible_dates_are_none(value):
    assert parse_when(value) is None


def test_extract_html_stores_the_dates_and_their_sources():
    page = (b'<html><head><title>T</title><meta property="article:published_time" content="2020-01-21T07:00:00-05:00">'
            b'<meta property="article:modified_time" content="2020-01-22T09:00:00Z"></head><body><article>'
            + BODY.encode() + b"</article></body></html>")
    raw = extract_html(page, "test", "https://ex.com/a", "", url="https://ex.com/a",
                       hints=PageHints(None, "2020-01-20", "feed"))
    assert isinstance(raw, RawDocument)
    assert (raw.published_at, raw.published_offset, raw.published_precision) == (datetime(2020, 1, 21, 12), -300, "second")
    assert raw.updated_at == datetime(2020, 1, 22, 9)
    dated = {k: v for k, v in raw.metadata_sources.items() if k in ("published_at", "updated_at")}
    assert dated == {"published_at": "meta:article:published_time", "updated_at": "meta:article:modified_time"}
    assert raw.metadata_sources["title"] == "title"   # tasks/documents/metadata.py's keys beside the dates
    article = clean_document(raw)
    assert (article.published_at, article.published_offset, article.updated_at) == (
        raw.published_at, -300, raw.updated_at)
    assert article.metadata_sources == raw.metadata_sources


def test_a_video_objects_upload_date_does_not_outrank_the_articles_meta_tag():
    head = ('<script type="application/ld+json">{"@type": "VideoObject", "uploadDate": "2017-01-16T10:00:00Z"}</script>'
            '<meta property="article:published_time" content="2017-12-01T08:00:00+01:00">')
    assert _dates(head).published_source == "meta:article:published_time"


def test_a_published_date_later_than_the_modified_one_is_still_the_published_date():
    """Scheduled posts: the published date was the gold day on 40 of the 43 such dev pages."""
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2023-11-01T06:43:59+01:00",'
            ' "dateModified": "2023-10-26T09:02:00+01:00"}</script>')
    dates = _dates(head)
    assert dates.published_at == datetime(2023, 11, 1, 5, 43, 59) and dates.updated_at == datetime(2023, 10, 26, 8, 2)


@pytest.mark.parametrize(("text", "expected"), [
    ("Publié le 12 mars 2023 à 10h", ["2023-03-12"]),
    ("Published: March 12, 2023", ["2023-03-12"]),
    ("Veröffentlicht am 12. März 2023", ["2023-03-12"]),
    ("12 de marzo de 2023", ["2023-03-12"]),
    ("12.03.2023, 10:15 Uhr", ["2023-03-12"]),
    ("28.01.22 / 0 Kommentare", ["2022-01-28"]),
    ("2023-03-12", ["2023-03-12"]),
    ("2023年3月12日", ["2023-03-12"]),
    ("13/03/2023 and 03/14/2023", ["2023-03-13", "2023-03-14"]),
    ("12/03/2023", []),                                   # March or December: depends on the country
    ("Aktualisiert am 14.03.2023", []),                   # a modification date
    ("Published 12 March 2023, updated 14 March 2023", ["2023-03-12"]),
    ("© 2023-01-01 Example Media", []),                    # copyright, not publication
    ("version 1.2.3 of 31.02.2023", []),                   # no such day
])
def test_text_dates(text, expected):
    assert [w.at.date().isoformat() for w in text_dates(text)] == expected


def test_byline_dates_are_those_near_the_headline_not_in_menus_or_far_below():
    filler = "<p>" + "Text ohne Datum. " * 120 + "</p>"   # 2,000 characters: past the byline window
    body = ('<nav>1. Januar 2020</nav><h1>Titel</h1><ul class="meta"><li>12.03.2023</li></ul>'
            f'{filler}<p>Am 1. April 2021 war es anders.</p><footer>© 2024</footer>')
    assert [w.at.date().isoformat() for w in byline_dates(_tree(body))] == ["2023-03-12"]
    assert byline_dates(_tree("<p>12.03.2023</p>")) == []               # no headline, no byline
    assert [w.at.date().isoformat() for w in title_dates(_tree("", "Sitzung vom 12.03.2023"))] == ["2023-03-12"]
    assert url_month("https://ex.com/2023/03/title") == (2023, 3) and url_month("https://ex.com/title") is None


def test_a_byline_date_is_stored_only_when_htmldate_or_the_url_names_the_same_day():
    body = f"<h1>Titel</h1><p>Veröffentlicht am 12. März 2023</p>{BODY}"
    assert _dates(body=body).published_at is None                       # the byline alone: not enough
    agreeing = _dates(body=body, checks=(lambda: "2023-03-12",))
    assert (agreeing.published_at, agreeing.published_precision, agreeing.published_source) == (
        datetime(2023, 3, 12), "day", "text:byline+htmldate")
    assert _dates(body=body, checks=(lambda: "2023-03-11",)).published_at is None
    assert _dates(body=body, url="https://ex.com/2023/03/titel").published_source == "text:byline+url"
    assert _dates(body=body, url="https://ex.com/2023/04/titel").published_at is None


def test_htmldates_extensive_search_runs_only_while_the_byline_date_is_unconfirmed():
    calls = []

    def extensive() -> str:
        calls.append(1)
        return "2023-03-12"

    body = f"<h1>Titel</h1><p>12.03.2023</p>{BODY}"
    assert _dates(body=body, checks=(lambda: "2023-03-12", extensive)).published_at == datetime(2023, 3, 12)
    assert calls == []
    assert _dates(body=body, checks=(lambda: None, extensive)).published_at == datetime(2023, 3, 12)
    assert _dates(body=BODY, checks=(lambda: None, extensive)).published_at is None and len(calls) == 1
    # structured evidence first: no fallback, no search
    assert _dates('<meta name="pubdate" content="2021-01-01">', body, checks=(extensive,)).published_at == datetime(
        2021, 1, 1) and len(calls) == 1


def test_a_title_date_of_another_day_vetoes_the_byline_date():
    body = f"<h1>Titel</h1><p>24.04.2023</p>{BODY}"
    assert confirmed_date(_tree(body, "Lage am 28.04.2023"), None, (lambda: "2023-04-24",)) is None
    assert confirmed_date(_tree(body, "Lage am 24.04.2023"), None, (lambda: "2023-04-24",)) is not None


def test_htmldate_in_the_urls_month_only_when_asked():
    tree = _tree(BODY)
    url = "https://ex.com/2024/04/theater"
    assert confirmed_date(tree, url, (lambda: "2024-04-25",)) is None
    found = confirmed_date(tree, url, (lambda: "2024-04-25",), htmldate_in_url_month=True)
    assert found is not None and found.when.at == datetime(2024, 4, 25) and found.source == "htmldate+url"
    assert confirmed_date(tree, url, (lambda: "2024-05-25",), htmldate_in_url_month=True) is None


def test_extract_html_dates_a_page_by_its_byline_when_htmldate_agrees():
    page = (b"<html><head><title>Gemeinderat</title></head><body><article><h1>Der Haushalt steht</h1>"
            b"<p class='byline'>Ver\xc3\xb6ffentlicht am 12.03.2023</p>" + BODY.encode() + b"</article></body></html>")
    raw = extract_html(page, "test", "https://ex.com/haushalt", "", url="https://ex.com/haushalt")
    assert isinstance(raw, RawDocument)
    assert (raw.published_at, raw.published_precision) == (datetime(2023, 3, 12), "day")
    assert raw.metadata_sources["published_at"] == "text:byline+htmldate"
