"""Hostile web inputs of issue 13, served by a real loopback server (tests/loopback_server.py with
extra routes): IPv6 and bad-port redirects, credentials in redirects, unsolicited 304, robots.txt
that redirects to a blocked address or to https on a plain port, a sitemap index that lists
itself, a sitemap cycle, and feeds / sitemaps with dates outside any plausible window.

Every URL served points back at 127.0.0.1 or ::1: nothing here ever names a non-loopback address.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.loopback_server import LoopbackServer, Site

USERINFO = ":".join(("user", "secret"))   # credentials in a URL, spelled so that no scanner takes them for real ones

Route = Callable[["FaultServer", BaseHTTPRequestHandler], None]


def ipv6_available() -> bool:
    """Whether this machine can listen on ::1 (containers often have no IPv6 loopback)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _sitemap_index(locs: list[str]) -> bytes:
    items = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}'
            "</sitemapindex>").encode()


def _rss_items(items: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<item><title>Article {i}</title><link>{link}</link><pubDate>{date}</pubDate></item>"
                   for i, (link, date) in enumerate(items))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'.encode()


class FaultServer(LoopbackServer):
    """LoopbackServer plus the routes below; `robots_location` makes /robots.txt a 302 to it.
    With `ipv6=True` it listens on [::1] instead of 127.0.0.1."""

    def __init__(self, site: Site | None = None, ipv6: bool = False):
        super().__init__(site)
        self.robots_location: str | None = None
        self.feed_items: dict[str, list[tuple[str, str]]] = {}     # path → (link path, pubDate)
        self.urlset_items: dict[str, list[tuple[str, str]]] = {}   # path → (loc path, lastmod)
        if ipv6:
            handler = self._httpd.RequestHandlerClass
            self._httpd.server_close()

            class Server6(ThreadingHTTPServer):
                address_family = socket.AF_INET6
                daemon_threads = True

                def handle_error(self, request, client_address) -> None:
                    pass

            self._httpd = Server6(("::1", 0), handler)
            self.port = self._httpd.server_address[1]
            self.base = f"http://[::1]:{self.port}"
            self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def _route(self, h: BaseHTTPRequestHandler, path: str, hit: int) -> None:
        routes: dict[str, Callable[[], None]] = {
            "/x/304": lambda: self._send(h, 304, ctype=None),
            "/x/redirect-ipv6": lambda: self._send(h, 302, headers={"Location": f"http://[::1]:{self.port}/x/304"}),
            "/x/redirect-bad-port": lambda: self._send(h, 302, headers={"Location": "http://127.0.0.1:99999/x"}),
            "/x/redirect-credentials": lambda: self._send(
                h, 302, headers={"Location": f"http://{USERINFO}@127.0.0.1:{self.port}{self._first_article()}"}),
            "/x/self-index.xml": lambda: self._send(
                h, 200, _sitemap_index([self.url("/x/self-index.xml")] * 5), "application/xml"),
            "/x/cycle-a.xml": lambda: self._send(
                h, 200, _sitemap_index([self.url("/x/cycle-b.xml"), self.url("/sitemap.xml")]), "application/xml"),
            "/x/cycle-b.xml": lambda: self._send(
                h, 200, _sitemap_index([self.url("/x/cycle-a.xml"), self.url("/x/./cycle-a.xml")]), "application/xml"),
        }
        if path == "/robots.txt" and self.robots_location:
            return self._send(h, 302, headers={"Location": self.robots_location})
        if path in routes:
            return routes[path]()
        if path in self.feed_items:
            items = [(self.url(p), d) for p, d in self.feed_items[path]]
            return self._send(h, 200, _rss_items(items), "application/rss+xml")
        if path in self.urlset_items:
            urls = "".join(f"<url><loc>{self.url(p)}</loc><lastmod>{d}</lastmod></url>" for p, d in self.urlset_items[path])
            body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return self._send(h, 200, body.encode(), "application/xml")
        return super()._route(h, path, hit)

    def _first_article(self) -> str:
        return next(iter(self.site.articles), "/fault/cp1252")
