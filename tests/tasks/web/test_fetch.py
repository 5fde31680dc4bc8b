"""The fetcher against a real HTTP server on 127.0.0.1, one fault per case."""

import time

import anyio
import pytest

from tasks.web.exchange import FetchConfig, FetchedPage, FetchError, retry_after_seconds
from tasks.web.fetch import Fetcher
from tests.loopback_server import LoopbackServer, Page, Site
from tests.web_faults import FaultServer, ipv6_available

USERINFO = ":".join(("user", "secret"))   # credentials in a URL, spelled so that no scanner takes them for real ones

CONFIG = FetchConfig(allow_hosts=frozenset({"127.0.0.1"}), per_host_delay=0, deadline=1.5, retries=1,
                     backoff_base=0.05, max_retry_after=5, max_bytes=2_000_000)


@pytest.fixture(scope="module")
def server():
    with LoopbackServer(Site(drip_delay=0.1)) as srv:
        srv._bomb("gzip"), srv._bomb("br")   # built before the clock starts
        yield srv


def fetch(server, path, config=CONFIG, **kwargs):
    async def run():
        async with Fetcher(config) as f:
            return await f.fetch(server.url(path), **kwargs)
    return anyio.run(run)


@pytest.mark.parametrize("path,reason", [
    ("/fault/503", "status"),
    ("/fault/404", "status"),
    ("/fault/429-long", "status"),
    ("/fault/slow", "timeout"),
    ("/fault/gzip-bomb", "too large"),
    ("/fault/brotli-bomb", "too large"),
    ("/fault/loop-a", "redirect loop"),
    ("/fault/redirect-private", "blocked address"),
    ("/fault/redirect-decimal", "blocked address"),
    ("/fault/redirect-file", "bad scheme"),
    ("/fault/pdf", "not html"),
    ("/private/page", "robots"),
])
def test_each_fault_gives_its_reason(server, path, reason):
    started = time.monotonic()
    result = fetch(server, path)
    assert isinstance(result, FetchError), result
    assert result.reason == reason, result.detail
    # Bounded: at most (retries + 1) deadlines plus backoff, whatever the server does.
    assert time.monotonic() - started < 2 * CONFIG.deadline + 2


def test_503_is_retried_and_404_is_not(server):
    before_503, before_404 = server.hits["/fault/503"], server.hits["/fault/404"]
    fetch(server, "/fault/503")
    fetch(server, "/fault/404")
    assert server.hits["/fault/503"] - before_503 == 1 + CONFIG.retries
    assert server.hits["/fault/404"] - before_404 == 1


@pytest.mark.parametrize("path", ["/fault/429", "/fault/429-date"])
def test_429_waits_for_retry_after_then_succeeds(path):
    with LoopbackServer() as srv:
        started = time.monotonic()
        result = fetch(srv, path)
        assert isinstance(result, FetchedPage) and result.status == 200
        assert srv.hits[path] == 2
        assert time.monotonic() - started >= 0.4      # waited for the server's Retry-After


def test_retry_after_parsing():
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_conditional_request_gets_304(server):
    server.site.articles["/articles/a"] = page = Page(b"<p>x</p>")
    first = fetch(server, "/articles/a")
    again = fetch(server, "/articles/a", etag=first.etag, last_modified=first.last_modified)
    assert first.status == 200 and first.etag == page.etag
    assert again.not_modified and again.body == b""
    assert server.requests_to("/articles/a")[-1]["if-none-match"] == page.etag


@pytest.mark.parametrize("robots,allowed", [
    (b"User-agent: *\nDisallow: /\n", False),
    (b"User-agent: newsflow\nDisallow: /\nUser-agent: *\nAllow: /\n", False),
    (b"User-agent: otherbot\nDisallow: /\n", True),
    (404, True),      # RFC 9309: 4xx = no rules
    (503, False),     # 5xx = assume complete disallow
])
def test_robots_variants(robots, allowed):
    with LoopbackServer(Site(robots=robots)) as srv:
        result = fetch(srv, "/fault/cp1252")
        assert isinstance(result, FetchedPage) == allowed, result
        if not allowed:
            assert result.reason == "robots" and srv.hits["/fault/cp1252"] == 0
        assert srv.hits["/robots.txt"] == 1


def test_robots_is_fetched_once_per_origin_and_crawl_delay_is_honoured():
    with LoopbackServer(Site(robots=b"User-agent: *\nCrawl-delay: 0.3\n")) as srv:
        async def run():
            async with Fetcher(CONFIG) as f:
                started = time.monotonic()
                results = []
                async with anyio.create_task_group() as group:
                    for _ in range(4):
                        group.start_soon(lambda: _append(results, f, srv.url("/fault/cp1252")))
                return results, time.monotonic() - started
        results, elapsed = anyio.run(run)
        assert all(isinstance(r, FetchedPage) for r in results)
        assert srv.hits["/robots.txt"] == 1
        assert elapsed >= 0.9        # 4 starts, 0.3 s apart


async def _append(results, fetcher, url):
    results.append(await fetcher.fetch(url))


def test_user_agent_is_sent(server):
    fetch(server, "/fault/cp1252", config=FetchConfig(**{**CONFIG.__dict__, "user_agent": "newsflow-test/1 (+ops@example.org)"}))
    assert server.requests_to("/fault/cp1252")[-1]["user-agent"] == "newsflow-test/1 (+ops@example.org)"


# -- issue 13: hostile answers ------------------------------------------------------------------

def fetch_from(srv, url, config=CONFIG, **kwargs):
    async def run():
        async with Fetcher(config) as f:
            return await f.fetch(url, **kwargs), f
    return anyio.run(run)


def test_unsolicited_304_is_a_failure_and_a_conditional_one_is_not():
    with FaultServer() as srv:
        result, _ = fetch_from(srv, srv.url("/x/304"))
        assert isinstance(result, FetchError) and result.reason == "unexpected 304", result
        assert result.status == 304 and "If-None-Match" in result.detail
        again, _ = fetch_from(srv, srv.url("/x/304"), etag='"abc"')
        assert isinstance(again, FetchedPage) and again.not_modified


@pytest.mark.parametrize("path,reason", [
    ("/x/redirect-ipv6", "blocked address"),     # [::1] is not on the allow-list
    ("/x/redirect-bad-port", "bad url"),
])
def test_ipv6_and_bad_port_redirects_are_failures_not_exceptions(path, reason):
    with FaultServer() as srv:
        result, _ = fetch_from(srv, srv.url(path))
        assert isinstance(result, FetchError) and result.reason == reason, result


@pytest.mark.skipif(not ipv6_available(), reason="no IPv6 loopback on this machine")
def test_an_allowed_ipv6_loopback_server_is_fetched():
    with FaultServer(Site(articles={"/articles/a": Page(b"<html><body><p>v6</p></body></html>")}), ipv6=True) as srv:
        config = FetchConfig(**{**CONFIG.__dict__, "allow_hosts": frozenset({"::1"})})
        result, fetcher = fetch_from(srv, srv.url("/articles/a"), config=config)
        assert isinstance(result, FetchedPage) and result.body.endswith(b"v6</p></body></html>")
        assert srv.hits["/robots.txt"] == 1 and [r.origin for r in fetcher.robots_fetched] == [srv.base]


def test_credentials_are_never_sent_even_after_a_redirect():
    with FaultServer(Site(articles={"/articles/a": Page(b"<html><body><p>a</p></body></html>")})) as srv:
        direct, _ = fetch_from(srv, f"http://{USERINFO}@127.0.0.1:{srv.port}/articles/a")
        redirected, _ = fetch_from(srv, srv.url("/x/redirect-credentials"))
        assert isinstance(direct, FetchedPage) and isinstance(redirected, FetchedPage)
        assert redirected.final_url == srv.url("/articles/a")
        assert len(srv.requests_to("/articles/a")) == 2
        assert not [h for _, h in srv.log if "authorization" in h]


def test_robots_redirect_to_a_blocked_address_disallows_with_that_reason():
    with FaultServer() as srv:
        srv.robots_location = f"http://127.0.0.2:{srv.port}/robots.txt"    # outside the allow-list
        result, fetcher = fetch_from(srv, srv.url("/fault/cp1252"))
        assert isinstance(result, FetchError) and result.reason == "blocked address", result
        assert "robots.txt" in result.detail and "RFC 9309" in result.detail
        assert srv.hits["/fault/cp1252"] == 0
        assert fetcher.robots_fetched == []       # not remembered as the site's robots.txt


def test_robots_redirect_to_https_on_a_plain_port_is_a_tls_error():
    with FaultServer() as srv:
        srv.robots_location = f"https://127.0.0.1:{srv.port}/robots.txt"
        result, fetcher = fetch_from(srv, srv.url("/fault/cp1252"))
        assert isinstance(result, FetchError) and result.reason == "tls error", result
        assert "after a redirect" in result.detail
        assert srv.hits["/fault/cp1252"] == 0 and fetcher.robots_fetched == []


def test_an_unreachable_robots_txt_is_asked_again_by_the_next_fetcher():
    with FaultServer(Site(robots=503)) as srv:
        first, fetcher = fetch_from(srv, srv.url("/fault/cp1252"))
        assert isinstance(first, FetchError) and first.reason == "robots" and "503" in first.detail
        assert fetcher.robots_fetched == []
        srv.site.robots = b"User-agent: *\nAllow: /\n"     # the site recovered
        second, fetcher = fetch_from(srv, srv.url("/fault/cp1252"))
        assert isinstance(second, FetchedPage) and srv.hits["/robots.txt"] == 2
        assert [r.rule for r in fetcher.robots_fetched] == ["parse"]
