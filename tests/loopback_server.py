"""A real HTTP server on 127.0.0.1 for fetch tests and benchmarks (no mocks).

It serves real pages as articles (with ETag / Last-Modified and 304s), an RSS feed, an Atom
feed, sitemaps (urlset, index, Google News), a URL list, robots.txt variants, and faults:
429 with Retry-After, 503, slow drip, gzip and brotli bombs, redirect loop, redirect to another
loopback address (127.0.0.2, outside the allow-list), redirect to file:, wrong content type,
windows-1252 page without charset, deep nesting, malformed / billion-laughs / external-entity
feeds. Every request is logged (path, headers) so tests can assert what was sent.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import brotli

_BOMBS: dict[str, bytes] = {}
LAST_MODIFIED = formatdate(1_694_563_200, usegmt=True)  # 2023-09-13


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html"
    last_modified: str = LAST_MODIFIED   # a test that changes a page between runs gives it a later one

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


FRENCH_CP1252 = (
    "<html><head><title>Sommet à Vostotchny</title></head><body><article><h1>Sommet à Vostotchny</h1>"
    + "<p>«\u00a0Je suis très content de vous voir\u00a0», a déclaré Vladimir Poutine à l’arrivée de Kim Jong-un "
      "au cosmodrome de Vostotchny, où les deux dirigeants se sont entretenus pendant plusieurs heures.</p>" * 4
    + "<p>Le dirigeant nord-coréen a invité son hôte à se rendre à Pyongyang «\u00a0au moment opportun\u00a0», "
      "selon l’agence officielle, qui n’a donné aucune précision sur la date d’une éventuelle visite.</p>"
    + "</article></body></html>"
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>/articles/a0</link></item></channel></rss>"""

XXE_FEED = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "http://127.0.0.2:9/x">]>
<rss version="2.0"><channel><title>t</title><item><title>&xxe;&net;</title><link>/articles/a0</link></item></channel></rss>"""


def _rss(base: str, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>Article {i}</title><link>{base}{p}?utm_source=rss#top</link>"
                    f"<pubDate>Wed, 13 Sep 2023 0{i % 10}:00:00 +0200</pubDate></item>" for i, p in enumerate(paths))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback</title>{items}</channel></rss>'.encode()


def _atom(base: str, paths: list[str]) -> bytes:
    entries = "".join(f'<entry><title>Article {i}</title><link rel="alternate" href="{p}"/><id>{base}{p}</id>'
                      f"<updated>2023-09-13T10:00:00Z</updated></entry>" for i, p in enumerate(paths))
    return (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}/">'
            f"<title>Loopback</title>{entries}</feed>").encode()


def _urlset(base: str, paths: list[str], news: bool = False) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    urls = "".join(
        f"<url><loc>{escape(base + p)}</loc>"
        + (f"<news:news><news:publication_date>2023-09-13T08:00:00+02:00</news:publication_date>"
           f"<news:title>Article {i}</news:title></news:news>" if news else "<lastmod>2023-09-13</lastmod>")
        + "</url>" for i, p in enumerate(paths))
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{urls}</urlset>'.encode()


@dataclass
class Site:
    """Configuration of what the server serves; tests change it between runs."""

    articles: dict[str, Page] = field(default_factory=dict)      # path → page
    robots: bytes | int | None = b"User-agent: *\nDisallow: /private/\n"   # body, status, or None (404)
    feed_paths: list[str] = field(default_factory=list)
    sitemap_paths: list[str] = field(default_factory=list)
    news_paths: list[str] = field(default_factory=list)
    drip_delay: float = 0.2


class LoopbackServer:
    """`with LoopbackServer(site) as server: server.url("/feed.xml")`."""

    def __init__(self, site: Site | None = None):
        self.site = site or Site()
        self.log: list[tuple[str, dict[str, str]]] = []
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with server._lock:
                    server.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                    server.hits[self.path.split("?")[0]] += 1
                    hit = server.hits[self.path.split("?")[0]]
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):   # clients that gave up
                    server._route(self, self.path.split("?")[0].split("#")[0], hit)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # clients that give up (deadline, size cap) reset the connection: expected

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.log if p.split("?")[0] == path]

    # -- routing ---------------------------------------------------------------------------------

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes = b"", ctype: str | None = "text/html",
              headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        if ctype:
            h.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if body:
            h.wfile.write(body)

    def _bomb(self, kind: str) -> bytes:
        """50 MB of spaces: 48 KB gzipped, 77 bytes in brotli (built once per process)."""
        if kind not in _BOMBS:
            spaces = b"<html><body>" + b" " * 50_000_000
            _BOMBS[kind] = gzip.compress(spaces, 6) if kind == "gzip" else brotli.compress(spaces, quality=5)
        return _BOMBS[kind]

    def _route(self, h: BaseHTTPRequestHandler, path: str, hit: int) -> None:
        site = self.site
        if path == "/robots.txt":
            if site.robots is None:
                return self._send(h, 404, b"not found")
            if isinstance(site.robots, int):
                return self._send(h, site.robots, b"error")
            return self._send(h, 200, site.robots, "text/plain")
        if path in site.articles or path.startswith("/private/"):
            page = site.articles.get(path) or Page(b"<html><body><p>private</p></body></html>")
            if h.headers.get("If-None-Match") == page.etag or h.headers.get("If-Modified-Since") == page.last_modified:
                return self._send(h, 304, ctype=None, headers={"ETag": page.etag})
            return self._send(h, 200, page.body, page.content_type,
                              {"ETag": page.etag, "Last-Modified": page.last_modified})
        listings = {
            "/feed.xml": (lambda: _rss(self.base, site.feed_paths), "application/rss+xml"),
            "/atom.xml": (lambda: _atom(self.base, site.feed_paths), "application/atom+xml"),
            "/sitemap.xml": (lambda: _urlset(self.base, site.sitemap_paths), "application/xml"),
            "/news-sitemap.xml": (lambda: _urlset(self.base, site.news_paths, news=True), "application/xml"),
            "/sitemap_index.xml": (lambda: (
                '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{self.base}/sitemap.xml</loc></sitemap>"
                f"<sitemap><loc>{self.base}/news-sitemap.xml</loc></sitemap></sitemapindex>").encode(), "application/xml"),
            "/urls.txt": (lambda: "\n".join(self.base + p for p in site.sitemap_paths).encode(), "text/plain"),
        }
        if path in listings:
            make, ctype = listings[path]
            body = make()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if h.headers.get("If-None-Match") == etag:
                return self._send(h, 304, ctype=None, headers={"ETag": etag})
            return self._send(h, 200, body, ctype, {"ETag": etag})
        return self._fault(h, path, hit)

    def _fault(self, h: BaseHTTPRequestHandler, path: str, hit: int) -> None:
        article = next(iter(self.site.articles.values()), Page(FRENCH_CP1252.encode()))
        if path == "/fault/429":            # first answer 429 with Retry-After in seconds, then the page
            if hit == 1:
                return self._send(h, 429, b"slow down", headers={"Retry-After": "1"})
            return self._send(h, 200, article.body)
        if path == "/fault/429-date":       # Retry-After as an HTTP date
            if hit == 1:
                when = formatdate(time.time() + 2, usegmt=True)   # whole seconds: the client waits 1-2 s
                return self._send(h, 429, b"slow down", headers={"Retry-After": when})
            return self._send(h, 200, article.body)
        if path == "/fault/429-long":       # Retry-After far over any cap
            return self._send(h, 429, b"come back tomorrow", headers={"Retry-After": "86400"})
        if path == "/fault/503":
            return self._send(h, 503, b"unavailable")
        if path == "/fault/404":
            return self._send(h, 404, b"not found")
        if path == "/fault/slow":            # 1 byte per drip_delay: every read is fast, the whole is not
            body = article.body
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            for i in range(len(body)):
                h.wfile.write(body[i:i + 1])
                h.wfile.flush()
                time.sleep(self.site.drip_delay)
            return None
        if path in ("/fault/gzip-bomb", "/fault/brotli-bomb"):
            kind = "gzip" if "gzip" in path else "br"
            return self._send(h, 200, self._bomb(kind), "text/html", {"Content-Encoding": kind})
        if path == "/fault/loop-a":
            return self._send(h, 302, headers={"Location": "/fault/loop-b"})
        if path == "/fault/loop-b":
            return self._send(h, 302, headers={"Location": "/fault/loop-a"})
        if path == "/fault/redirect-private":
            return self._send(h, 302, headers={"Location": f"http://127.0.0.2:{self.port}/articles/x"})
        if path == "/fault/redirect-decimal":   # 127.0.0.2 written as one decimal number
            return self._send(h, 302, headers={"Location": f"http://2130706434:{self.port}/articles/x"})
        if path == "/fault/redirect-file":
            return self._send(h, 302, headers={"Location": "file:///etc/passwd"})
        if path == "/fault/pdf":
            return self._send(h, 200, b"%PDF-1.4 not a page", "application/pdf")
        if path == "/fault/cp1252":          # Windows-1252 bytes, no charset anywhere
            return self._send(h, 200, FRENCH_CP1252.encode("cp1252"), "text/html")
        if path == "/fault/deep":
            inner = "<p>" + "Texte enfoui très profondément dans la page, bien au-delà de la limite. " * 5 + "</p>"
            return self._send(h, 200, ("<html><body>" + "<div>" * 3000 + inner + "</div>" * 3000 + "</body></html>").encode())
        if path == "/fault/empty":
            return self._send(h, 200, b"<html><head><title>x</title></head><body><nav>Menu</nav></body></html>")
        if path == "/fault/malformed-feed":
            return self._send(h, 200, b"<rss><channel><item><title>broken", "application/rss+xml")
        if path == "/fault/billion-laughs":
            return self._send(h, 200, BILLION_LAUGHS, "application/rss+xml")
        if path == "/fault/xxe-feed":
            return self._send(h, 200, XXE_FEED, "application/rss+xml")
        return self._send(h, 404, b"not found")


def site_from_corpus(html_dir: Path, files: list[str]) -> Site:
    """Serve the given corpus files as /articles/<stem>, listed by feed, sitemaps and URL list."""
    site = Site()
    for name in files:
        site.articles[f"/articles/{Path(name).stem}"] = Page((html_dir / name).read_bytes())
    paths = sorted(site.articles)
    third = max(1, len(paths) // 3)
    site.feed_paths = paths[:third]
    site.sitemap_paths = paths[third : 2 * third]
    site.news_paths = paths[2 * third :]
    return site
