"""One name per site: pages of a site that do not name the outlet take the name its other pages declare."""

from __future__ import annotations

import hashlib
import html

from tasks.documents.article import article_from_page
from tasks.models import Article, WebPage
from tests.conftest import RPM2, require
from warehouse.db import connect
from warehouse.load import load_batch
from warehouse.load.outlets import host_of


def _page(url: str, title: str, paragraphs: list[str], site_name: str | None) -> WebPage:
    meta = f'<meta property="og:site_name" content="{html.escape(site_name)}">' if site_name else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    data = (f"<html><head><title>{html.escape(title)}</title>{meta}</head><body><article><h1>{html.escape(title)}"
            f"</h1>{body}</article></body></html>").encode()
    return WebPage(f"url:{url}", url, url, data, "utf-8", hashlib.sha256(data).hexdigest())


def _articles(pages: list[WebPage]) -> list[Article]:
    articles = [article_from_page(p) for p in pages]
    assert all(isinstance(a, Article) for a in articles), articles
    return articles


def _texts(n: int) -> list[tuple[str, list[str]]]:
    out = []
    for path in sorted(require(RPM2 / "documents").glob("T0[1-9]_C1_01.txt"))[:n]:
        title, *paragraphs = [x.strip() for x in path.read_text(encoding="utf-8-sig").splitlines() if x.strip()]
        out.append((title, paragraphs))
    return out


def test_host_of_ignores_www_port_and_case():
    assert host_of("https://WWW.Example.org:8443/a/b") == "example.org"
    assert host_of("file:///tmp/a.html") is None and host_of(None) is None


def test_an_unnamed_page_takes_its_sites_declared_name_and_says_so(db_path):
    (t1, p1), (t2, p2), (t3, p3) = _texts(3)
    con = connect(db_path)
    load_batch(con, "run1", 0, _articles([_page("https://www.example-news.org/a/1", t1, p1, "Example News")]), [])
    later = _articles([_page("https://example-news.org/a/2", t2, p2, None),          # same site, no name
                       _page("https://other.example.net/a/3", t3, p3, None)])       # a site never named
    load_batch(con, "run2", 0, later, [])
    names = dict(con.execute("SELECT url, site_name FROM articles").fetchall())
    assert names == {"https://www.example-news.org/a/1": "Example News",
                     "https://example-news.org/a/2": "Example News",
                     "https://other.example.net/a/3": None}
    sources = con.execute("""SELECT a.url, m.source FROM metadata_sources m JOIN articles a USING (article_id)
                             WHERE m.field = 'site_name' ORDER BY a.url""").fetchall()
    assert ("https://example-news.org/a/2", "site") in sources
    assert all(url != "https://other.example.net/a/3" for url, _ in sources)
    con.close()
