"""Discovery parsers on bytes: RSS, Atom, sitemaps, URL lists, and hostile XML."""

import gzip
import time
from datetime import datetime

import pytest

from tasks.web.feeds import DiscoveryError, check_served_as_html, parse_feed, parse_sitemap, parse_url_list, root_element
from tests.loopback_server import BILLION_LAUGHS, XXE_FEED, _atom, _rss, _urlset

USERINFO = ":".join(("user", "secret"))   # credentials in a URL, spelled so that no scanner takes them for real ones

BASE = "http://127.0.0.1:8000"


def test_rss_links_are_canonical_with_dates_in_utc():
    links = parse_feed(_rss(BASE, ["/articles/a", "/articles/b"]), BASE + "/feed.xml")
    assert [ln.url for ln in links] == [BASE + "/articles/a", BASE + "/articles/b"]   # utm_ and #top gone
    assert links[0].title == "Article 0"
    assert links[0].published_at == datetime(2023, 9, 12, 22, 0)    # 00:00 +02:00


def test_atom_relative_links_resolve_against_the_feed():
    links = parse_feed(_atom(BASE, ["/articles/a"]), BASE + "/atom.xml")
    assert [ln.url for ln in links] == [BASE + "/articles/a"]


def test_parse_feed_refuses_str():
    with pytest.raises(TypeError):
        parse_feed("/etc/passwd", BASE)


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE_FEED])
def test_entity_feeds_are_refused_fast_without_expansion(data):
    started = time.monotonic()
    with pytest.raises(DiscoveryError) as err:
        parse_feed(data, BASE + "/feed.xml")
    assert err.value.reason == "malformed feed" and "entities" in err.value.detail
    assert time.monotonic() - started < 1


def test_malformed_feed():
    with pytest.raises(DiscoveryError) as err:
        parse_feed(b"<rss><channel><item><title>broken", BASE)
    assert err.value.reason == "malformed feed"
    with pytest.raises(DiscoveryError):
        parse_feed(b"just text, no feed", BASE)


def test_sitemaps_index_news_and_text():
    urlset = parse_sitemap(_urlset(BASE, ["/articles/a", "/articles/b?utm_medium=x"]), BASE + "/sitemap.xml")
    assert [ln.url for ln in urlset.links] == [BASE + "/articles/a", BASE + "/articles/b"]
    news = parse_sitemap(_urlset(BASE, ["/articles/c"], news=True), BASE + "/news.xml")
    assert news.links[0].title == "Article 0" and news.links[0].published_at == datetime(2023, 9, 13, 6, 0)
    index = parse_sitemap(b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                          b"<sitemap><loc>/s1.xml</loc></sitemap></sitemapindex>", BASE + "/index.xml")
    assert index.sitemaps == [BASE + "/s1.xml"] and index.links == []
    text = parse_sitemap(b"http://127.0.0.1:8000/x\nfile:///etc/passwd\n", BASE + "/s.txt")
    assert [ln.url for ln in text.links] == [BASE + "/x"]


def test_sitemap_with_entities_is_refused():
    bomb = BILLION_LAUGHS.replace(b"<rss", b"<urlset").replace(b"</rss>", b"</urlset>")
    with pytest.raises(DiscoveryError) as err:
        parse_sitemap(bomb, BASE)
    assert err.value.reason == "malformed sitemap"


def test_impossible_sitemap_dates_are_dropped_not_wrapped():
    data = _urlset(BASE, ["/a"]).replace(b"2023-09-13", b"2023-13-45")
    assert parse_sitemap(data, BASE).links[0].published_at is None


def test_url_list():
    urls, rejected = parse_url_list("# my list\nhttps://Example.com/a#x\n\nfile:///etc/passwd\nnot a url\n")
    assert urls == ["https://example.com/a"] and rejected == ["file:///etc/passwd", "not a url"]


@pytest.mark.parametrize("raw,expected", [
    ("Wed, 13 Sep 2023 10:00:00 +0200", datetime(2023, 9, 13, 8, 0)),
    ("2023-09-13T10:00:00-04:00", datetime(2023, 9, 13, 14, 0)),
    ("Wed, 45 Sep 2023 10:00:00 +0200", None),
    ("2023-13-45T10:00:00Z", None),           # feedparser alone makes this 2024-01-01
    ("2023-02-30T10:00:00Z", None),           # ... and this 2023-03-02
    ("yesterday", None),
])
def test_feed_dates_are_utc_and_impossible_ones_rejected(raw, expected):
    feed = (f'<rss version="2.0"><channel><item><link>{BASE}/a</link><pubDate>{raw}</pubDate></item>'
            "</channel></rss>").encode()
    assert parse_feed(feed, BASE)[0].published_at == expected


@pytest.mark.parametrize("raw", ["Fri, 31 Dec 9999 23:59:59 -0500", "Fri, 31 Dec 9999 23:59:59 +0000",
                                 "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "1850-01-01T00:00:00Z"])
def test_implausible_feed_dates_are_dropped_and_the_entry_kept(raw):
    feed = (f'<rss version="2.0"><channel><item><link>{BASE}/a</link><pubDate>{raw}</pubDate></item>'
            "</channel></rss>").encode()
    [link] = parse_feed(feed, BASE)
    assert link.url == BASE + "/a" and link.published_at is None


@pytest.mark.parametrize("raw", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "0001-01-01"])
def test_implausible_sitemap_dates_are_dropped_and_the_url_kept(raw):
    data = _urlset(BASE, ["/a", "/b"]).replace(b"2023-09-13", raw.encode(), 1)
    links = parse_sitemap(data, BASE).links
    assert [ln.url for ln in links] == [BASE + "/a", BASE + "/b"]
    assert links[0].published_at is None and links[1].published_at == datetime(2023, 9, 13)


def test_url_list_rejects_bad_ports_and_ipv6_but_keeps_the_rest():
    urls, rejected = parse_url_list("http://[::1]:99999/a\nhttp://[::1/b\nhttp://[::1]:8080/./c\n"
                                    f"http://{USERINFO}@example.com/d\n")
    assert urls == ["http://[::1]:8080/c", "http://example.com/d"]
    assert rejected == ["http://[::1]:99999/a", "http://[::1/b"]


def test_sitemap_index_children_are_listed_once():
    index = parse_sitemap(b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                          + b"<sitemap><loc>/s1.xml</loc></sitemap>" * 5 + b"<sitemap><loc>/x/../s1.xml</loc></sitemap>"
                          b"</sitemapindex>", BASE + "/index.xml")
    assert index.sitemaps == [BASE + "/s1.xml"]


def test_listing_dates_keep_their_text_and_say_what_they_are():
    """The date as written goes on to extraction (PageHints): offset kept, lastmod labelled apart."""
    rss = parse_feed(_rss(BASE, ["/articles/a"]), BASE + "/feed.xml")[0]
    assert rss.date_source == "feed" and rss.date_text and "+0200" in rss.date_text.replace(":", "")
    news = parse_sitemap(_urlset(BASE, ["/articles/c"], news=True), BASE + "/news.xml").links[0]
    assert news.date_source == "sitemap" and news.date_text
    lastmod = parse_sitemap(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/a</loc>'
                            b"<lastmod>2023-09-20T10:00:00+02:00</lastmod></url></urlset>", BASE + "/s.xml").links[0]
    assert (lastmod.date_source, lastmod.date_text) == ("sitemap:lastmod", "2023-09-20T10:00:00+02:00")
    bad = parse_sitemap(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/a</loc>'
                        b"<lastmod>2023-13-20</lastmod></url></urlset>", BASE + "/s.xml").links[0]
    assert bad.date_text is None and bad.date_source is None


def test_root_element_is_sniffed_past_the_prolog():
    assert root_element(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- x -->\n<?xml-stylesheet href="s.xsl"?>'
                        b'<!DOCTYPE rss>\n<rss version="2.0">') == "rss"
    assert root_element(b'  <feed xmlns="http://www.w3.org/2005/Atom">') == "feed"
    assert root_element(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">') == "RDF"
    assert root_element(gzip.compress(b"<urlset><url/></urlset>")) == "urlset"
    assert root_element(b"<!DOCTYPE html>\n<html lang='fr'>") == "html"
    assert root_element(b"https://example.com/a\nhttps://example.com/b\n") is None


def test_only_a_listing_served_as_html_passes():
    check_served_as_html(b"<rss/>", "feed", "text/html")
    check_served_as_html(b"<sitemapindex/>", "sitemap", "text/html")
    check_served_as_html(b"https://example.com/a\n", "sitemap", "text/html")   # a text sitemap
    with pytest.raises(DiscoveryError, match="root element is <urlset>: an HTML page, not an RSS or Atom feed"):
        check_served_as_html(b"<urlset/>", "feed", "text/html")
    with pytest.raises(DiscoveryError, match="holds no XML"):
        check_served_as_html(b"just words", "feed", "text/html")
