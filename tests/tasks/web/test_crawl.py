"""Discovery across sources: one target per canonical URL, the winner chosen deterministically."""

import anyio

from tasks.web import crawl
from tasks.web.crawl import Target, WebSources, discover, fetch_batch
from tasks.web.exchange import FetchConfig
from tasks.web.fetch import Fetcher
from tests.loopback_server import LoopbackServer, Page, Site, _rss, _urlset
from tests.web_faults import FaultServer

USERINFO = ":".join(("user", "secret"))   # credentials in a URL, spelled so that no scanner takes them for real ones

CONFIG = FetchConfig(allow_hosts=frozenset({"127.0.0.1"}), per_host_delay=0, retries=0)


def test_the_same_url_spelled_many_ways_is_one_target_from_the_first_source(tmp_path):
    site = Site(articles={"/articles/a": Page(b"<p>a</p>"), "/articles/b": Page(b"<p>b</p>")},
                feed_paths=["/articles/a", "/articles/b"], sitemap_paths=["/articles/a"])
    with LoopbackServer(site) as server:
        base = server.base
        listing = tmp_path / "urls.txt"
        listing.write_text(f"{base}/articles/b?utm_source=x\n{base.upper().replace('HTTP', 'http')}/articles/b#top\n")
        sources = WebSources(urls=[f"{base}/articles/a?fbclid=1#x", f"{base}/articles/a"],
                             feeds=[server.url("/feed.xml")], sitemaps=[server.url("/sitemap.xml")],
                             url_lists=[str(listing)])

        async def run():
            async with Fetcher(CONFIG) as f:
                return await discover(f, sources, {})

        results = [anyio.run(run) for _ in range(3)]
    targets = [(t.url.removeprefix(base), t.source_id.split(":", 1)[0]) for t in results[0].targets]
    assert targets == [("/articles/a", "url"), ("/articles/b", "urls")]
    assert all(r.targets == results[0].targets for r in results)     # the same winner every time


# -- issue 13: one bad URL never stops the others -------------------------------------------------

def _discover(sources, config=CONFIG):
    async def run():
        async with Fetcher(config) as f:
            return await discover(f, sources, {})
    return anyio.run(run)


def _site() -> Site:
    return Site(articles={f"/articles/{c}": Page(f"<html><body><p>{c}</p></body></html>".encode()) for c in "abcd"},
                feed_paths=["/articles/a", "/articles/b"], sitemap_paths=["/articles/c"])


def test_an_exception_while_reading_one_listing_is_its_failure_and_the_others_load(monkeypatch):
    real = crawl.parse_feed

    def parse_feed(data, base_url):
        if base_url.endswith("/atom.xml"):
            raise RuntimeError("boom in one feed")
        return real(data, base_url)

    monkeypatch.setattr(crawl, "parse_feed", parse_feed)
    with FaultServer(_site()) as server:
        found = _discover(WebSources(feeds=[server.url("/atom.xml"), server.url("/feed.xml")],
                                     sitemaps=[server.url("/sitemap.xml")]))
    assert [t.url.removeprefix(server.base) for t in found.targets] == ["/articles/a", "/articles/b", "/articles/c"]
    [failure] = found.failures
    assert (failure.source_uri, failure.stage, failure.reason, failure.detail, failure.error_type) == (
        server.url("/atom.xml"), "discover", "discover error", "RuntimeError: boom in one feed", "RuntimeError")
    outcomes = {p.url.removeprefix(server.base): p.outcome for p in found.pages}
    assert outcomes == {"/atom.xml": "failed: discover error", "/feed.xml": "listed", "/sitemap.xml": "listed"}


def test_an_exception_while_fetching_one_url_is_its_failure_and_the_others_load(monkeypatch):
    real = Fetcher.fetch

    async def fetch(self, url, *args, **kwargs):
        if url.endswith("/articles/b"):
            raise OverflowError("date value out of range")
        return await real(self, url, *args, **kwargs)

    monkeypatch.setattr(Fetcher, "fetch", fetch)
    with FaultServer(_site()) as server:
        targets = [Target(server.url(f"/articles/{c}"), "url:test") for c in "abc"]
        batch = fetch_batch(targets, CONFIG, {})
    assert [p.url.removeprefix(server.base) for p in batch.pages] == ["/articles/a", "/articles/c"]
    [failure] = batch.failures
    assert (failure.stage, failure.reason, failure.detail, failure.error_type) == (
        "fetch", "fetch error", "OverflowError: date value out of range", "OverflowError")
    assert [r.outcome for r in batch.records] == [None, "failed: fetch error", None]


def test_ipv6_literals_and_bad_ports_are_failure_rows(tmp_path):
    with FaultServer(_site()) as server:
        listing = tmp_path / "urls.txt"
        listing.write_text(f"http://[::1]:{server.port}/articles/a\nhttp://[::1]:99999/x\nhttp://[::1/y\n"
                           f"{server.url('/articles/b')}\n")
        found = _discover(WebSources(url_lists=[str(listing)], urls=["http://[::1]:70000/z"]))
        assert [f.reason for f in found.failures] == ["bad url"] * 3
        assert [t.url for t in found.targets] == [f"http://[::1]:{server.port}/articles/a", server.url("/articles/b")]
        batch = fetch_batch(found.targets, CONFIG, {})       # ::1 is not on the allow-list
    assert [(f.source_uri, f.reason) for f in batch.failures] == [(found.targets[0].url, "blocked address")]
    assert [p.url for p in batch.pages] == [server.url("/articles/b")]


def test_a_sitemap_index_that_lists_itself_is_read_once():
    with FaultServer(_site()) as server:
        found = _discover(WebSources(sitemaps=[server.url("/x/self-index.xml"), server.url("/x/cycle-a.xml"),
                                               server.url("/x/self-index.xml")]))
        hits = dict(server.hits)
    assert hits["/x/self-index.xml"] == 1 and hits["/x/cycle-a.xml"] == 1 and hits["/x/cycle-b.xml"] == 1
    assert hits["/sitemap.xml"] == 1 and sum(hits.values()) == 5      # + robots.txt
    assert found.failures == []
    assert [t.url.removeprefix(server.base) for t in found.targets] == ["/articles/c"]


def test_credentials_and_dot_segments_are_gone_before_anything_is_fetched_or_kept(tmp_path):
    with FaultServer(_site()) as server:
        listing = tmp_path / "urls.txt"
        listing.write_text(f"http://{USERINFO}@127.0.0.1:{server.port}/articles/a\n"
                           f"{server.url('/articles/./a')}\n{server.url('/articles/x/../b')}\n"
                           f"{server.url('/x/redirect-credentials')}\nftp://{USERINFO}@127.0.0.1/z\n")
        found = _discover(WebSources(url_lists=[str(listing)]))
        batch = fetch_batch(found.targets, CONFIG, {})
        assert [t.url.removeprefix(server.base) for t in found.targets] == [
            "/articles/a", "/articles/b", "/x/redirect-credentials"]
        assert server.hits["/articles/a"] == 2 and server.hits["/articles/b"] == 1   # once + the redirect
        assert not [h for _, h in server.log if "authorization" in h]
    assert "secret" not in repr((found, batch.records, batch.pages, batch.failures, batch.raw))


def test_an_unsolicited_304_is_a_failure_row():
    with FaultServer(_site()) as server:
        batch = fetch_batch([Target(server.url("/x/304"), "url:test")], CONFIG, {})
    assert [(f.reason, f.stage) for f in batch.failures] == [("unexpected 304", "fetch")]
    assert batch.records[0].outcome == "failed: unexpected 304" and batch.pages == []


def test_a_feed_entry_date_travels_to_the_page_as_a_hint():
    """The feed's pubDate is evidence for extraction (tasks/documents/published.py): the target keeps
    it as written, and the fetched page carries it to extract_html."""
    with FaultServer(_site()) as server:
        found = _discover(WebSources(feeds=[server.url("/feed.xml")]))
        target = found.targets[0]
        assert (target.published, target.published_source) == ("Wed, 13 Sep 2023 00:00:00 +0200", "feed")
        batch = fetch_batch([target], CONFIG, {})
    [page] = batch.pages
    assert page.hints is not None and page.hints.published == target.published and page.hints.title == "Article 0"
    assert Target("http://x/a", "url:test").hints() is None


def test_the_outlets_name_in_sources_toml_reaches_pages_that_name_no_outlet(tmp_path):
    """sources.toml names each outlet; a page of its feed that declares no site name takes that
    name (source 'sources.toml'), a page that declares one keeps its own, and the feed entry's
    title stands in for a page without a headline (source 'listing')."""
    from tasks.documents.article import article_from_page
    from tasks.documents.metadata import Metadata, with_listing
    from tasks.models import PageHints
    from tasks.web.crawl import load_sources_file

    with FaultServer(_site()) as server:
        config = tmp_path / "sources.toml"
        config.write_text(f'[[outlet]]\nname = "La Gazette du Test"\nfeeds = ["{server.url("/feed.xml")}"]\n')
        found = _discover(load_sources_file(config))
        assert found.targets and all(t.outlet == "La Gazette du Test" for t in found.targets)
        batch = fetch_batch(found.targets[:1], CONFIG, {})
    [page] = batch.pages
    article = article_from_page(page)
    assert article.site_name == "La Gazette du Test" and article.metadata_sources["site_name"] == "sources.toml"

    declared = with_listing(Metadata(title=None, site_name="Le Vrai Nom", sources={"site_name": "og:site_name"}),
                            PageHints(title="Titre du flux", outlet="La Gazette du Test"))
    assert (declared.site_name, declared.sources["site_name"]) == ("Le Vrai Nom", "og:site_name")
    assert (declared.title, declared.sources["title"]) == ("Titre du flux", "listing")


# -- issue 17: feeds and sitemaps served as text/html are sniffed ----------------------------------

def test_a_feed_or_sitemap_served_as_text_html_is_read_and_a_real_html_page_refused():
    site = _site()
    site.articles["/rss-as-html"] = Page(_rss("", ["/articles/a", "/articles/b"]), "text/html; charset=utf-8")
    site.articles["/sitemap-as-html"] = Page(_urlset("", ["/articles/c"]), "text/html")
    site.articles["/homepage"] = Page(b"<!DOCTYPE html>\n<html><head><title>Accueil</title></head>"
                                      b"<body><a href='/articles/d'>d</a></body></html>", "text/html")
    with LoopbackServer(site) as server:
        found = _discover(WebSources(feeds=[server.url("/rss-as-html"), server.url("/homepage")],
                                     sitemaps=[server.url("/sitemap-as-html")]))
    assert [t.url.removeprefix(server.base) for t in found.targets] == ["/articles/a", "/articles/b", "/articles/c"]
    [failure] = found.failures
    assert (failure.source_uri, failure.stage, failure.reason) == (server.url("/homepage"), "discover",
                                                                   "wrong content type")
    assert failure.detail == ("Content-Type text/html and its root element is <html>: an HTML page, "
                              "not an RSS or Atom feed")
    outcomes = {p.url.removeprefix(server.base): p.outcome for p in found.pages}
    assert outcomes == {"/rss-as-html": "listed", "/sitemap-as-html": "listed", "/homepage": "failed: wrong content type"}
