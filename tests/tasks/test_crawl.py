"""Discovery across sources: one target per canonical URL, the winner chosen deterministically."""

import anyio

from tasks.crawl import WebSources, discover
from tasks.fetch import FetchConfig, Fetcher
from tests.loopback_server import LoopbackServer, Page, Site

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
