"""Stored raw pages can be re-extracted: fetch → sandboxed extraction → load, without Prefect."""

import gzip
import hashlib
import html
import shutil
import zlib
from datetime import datetime
from pathlib import Path

import pytest

from tasks.documents.article import article_from_file, article_from_page
from tasks.documents.read import InputFile, discover_files
from tasks.models import Article, WebBatch
from tasks.sandbox import run_isolated
from tasks.web.crawl import Target, fetch_batch
from tasks.web.exchange import FetchConfig
from tests.conftest import EXTRACTION, RPM2, SEEDS, require
from tests.loopback_server import LoopbackServer, Page, Site
from warehouse.db import connect
from warehouse.load import load_batch
from warehouse.maintenance import prune_raw_pages
from warehouse.reextract import reextract

CONFIG = FetchConfig(allow_hosts=frozenset({"127.0.0.1"}), per_host_delay=0, retries=0)


def test_reextract_restores_text_from_the_raw_page(db_path):
    with LoopbackServer() as server:
        url = server.url("/fault/cp1252")
        fetched = fetch_batch([Target(url, f"url:{url}")], CONFIG, {})
    (article,) = [r for r in run_isolated(article_from_page, fetched.pages) if isinstance(r, Article)]
    for record in fetched.records:
        record.article_id = article.article_id
    con = connect(db_path)
    load_batch(con, "run1", 0, [article], fetched.failures, WebBatch(fetched.records, fetched.raw, fetched.robots))
    good = con.execute("SELECT body FROM articles").fetchone()[0]
    # An older rule set left a caption in the body:
    con.execute("INSERT INTO paragraphs VALUES (?, 99, 'Photo AFP', 99)", [article.article_id])
    con.execute("UPDATE articles SET body = body || '\n\nPhoto AFP'")

    report = reextract(con)
    assert (report.checked, report.updated, report.failed) == (1, 1, 0)
    assert con.execute("SELECT body FROM articles").fetchone()[0] == good
    assert con.execute("SELECT count(*) FROM paragraphs WHERE text = 'Photo AFP'").fetchone()[0] == 0
    assert reextract(con).updated == 0            # nothing left to change
    con.close()


def test_reextract_keeps_what_the_feed_gave_and_the_page_cannot(db_path):
    """The page has no date; its feed entry had one. Re-extracting the raw page must not erase it."""
    with LoopbackServer() as server:
        url = server.url("/fault/cp1252")
        fetched = fetch_batch([Target(url, f"url:{url}")], CONFIG, {})
    (article,) = [r for r in run_isolated(article_from_page, fetched.pages) if isinstance(r, Article)]
    assert article.published_at is None                      # the page itself is undated
    article.published_at, article.published_precision = datetime(2024, 5, 2, 7, 30), "minute"
    article.metadata_sources = {**article.metadata_sources, "published_at": "feed"}
    for record in fetched.records:
        record.article_id = article.article_id
    con = connect(db_path)
    load_batch(con, "run1", 0, [article], fetched.failures, WebBatch(fetched.records, fetched.raw, fetched.robots))
    con.execute("UPDATE articles SET body = body || '\n\nPhoto AFP'")   # an older rule set left a caption
    con.execute("INSERT INTO paragraphs VALUES (?, 99, 'Photo AFP', 99)", [article.article_id])
    assert reextract(con).updated == 1
    assert con.execute("SELECT published_at, published_precision FROM articles").fetchone() == (
        datetime(2024, 5, 2, 7, 30), "minute")
    assert con.execute("SELECT source FROM metadata_sources WHERE field = 'published_at'").fetchone() == ("feed",)
    con.close()


def _html(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<html><head><title>{html.escape(title)}</title></head><body><article><h1>{html.escape(title)}</h1>"
            f"{body}</article></body></html>").encode()


def _copy_pages() -> dict[str, bytes]:
    """Undated pages from real RPM2 articles: each original with two edited copies (a paragraph
    dropped, a sentence added, the order changed), named so that ids and load order disagree."""
    pages = {}
    for n, path in enumerate(sorted(require(RPM2 / "documents").glob("T0[3-5]_C1_0[1-3].txt"))):
        title, *paragraphs = [x.strip() for x in path.read_text(encoding="utf-8-sig").splitlines() if x.strip()]
        pages[f"/articles/{n}-original"] = _html(title, paragraphs)
        pages[f"/articles/{n}-copy-a"] = _html(title + " (mise à jour)",
                                               paragraphs[:-1] + ["Avec l'AFP et Reuters, selon nos informations."])
        pages[f"/articles/{n}-copy-b"] = _html("Le point : " + title, paragraphs[1:] + paragraphs[:1])
    return pages


def test_reextract_keeps_who_copied_whom_between_undated_pages(db_path):
    """Copy direction between undated pages is load order; recomputing links must not reverse it
    (the re-extracted articles once ranked after every stored one, and among themselves by id)."""
    pages = _copy_pages()
    order = sorted(pages, key=lambda p: (p.endswith("original"), p))        # copies first for half of them ...
    order = order[len(order) // 2:] + order[: len(order) // 2]             # ... originals first for the others
    con = connect(db_path)
    with LoopbackServer(Site(articles={p: Page(b) for p, b in pages.items()})) as server:
        for batch_no, start in enumerate(range(0, len(order), 7)):       # several batches and runs
            targets = [Target(server.url(p), "test:copies") for p in order[start:start + 7]]
            fetched = fetch_batch(targets, CONFIG, {})
            articles = [r for r in run_isolated(article_from_page, fetched.pages) if isinstance(r, Article)]
            by_url = {a.url: a.article_id for a in articles}
            for record in fetched.records:
                record.article_id = by_url.get(record.url)
            load_batch(con, f"run{batch_no % 2}", batch_no, articles, fetched.failures,
                       WebBatch(fetched.records, fetched.raw, fetched.robots))

    def links():
        return sorted(con.execute("""SELECT a.url, o.url, d.kind FROM duplicates d JOIN articles a USING (article_id)
                                     JOIN articles o ON o.article_id = d.duplicate_of""").fetchall())
    before = links()
    assert len(before) >= 18
    assert con.execute("""SELECT count(*) FROM duplicates d JOIN articles a USING (article_id)
                          JOIN articles o ON o.article_id = d.duplicate_of
                          WHERE a.published_at IS NULL AND o.published_at IS NULL""").fetchone()[0] >= 12
    # An older rule set left a caption in every other article: reextract changes those.
    for (article_id,) in con.execute("SELECT article_id FROM articles ORDER BY url").fetchall()[::2]:
        con.execute("INSERT INTO paragraphs VALUES (?, 99, 'Photo AFP', 99)", [article_id])
    report = reextract(con)
    assert report.updated == len(pages) - len(pages) // 2 and report.failed == 0
    assert links() == before
    for (article_id,) in con.execute("SELECT article_id FROM articles").fetchall():   # now every article
        con.execute("INSERT INTO paragraphs VALUES (?, 99, 'Photo AFP', 99)", [article_id])
    assert reextract(con).updated == len(pages)
    assert links() == before
    con.close()


def test_reextract_does_not_bring_back_learned_site_chrome(db_path):
    docs = sorted(require(RPM2 / "documents").glob("T06_C1_0*.txt"))[:6]
    pages = {}
    for n, path in enumerate(docs):
        title, *paragraphs = [x.strip() for x in path.read_text(encoding="utf-8-sig").splitlines() if x.strip()]
        pages[f"/articles/{n}"] = _html(title, paragraphs[:2] + ["Newsletter"] + paragraphs[2:])
    con = connect(db_path)
    with LoopbackServer(Site(articles={p: Page(b) for p, b in pages.items()})) as server:
        fetched = fetch_batch([Target(server.url(p), "test:chrome") for p in pages], CONFIG, {})
    articles = [r for r in run_isolated(article_from_page, fetched.pages) if isinstance(r, Article)]
    by_url = {a.url: a.article_id for a in articles}
    for record in fetched.records:
        record.article_id = by_url.get(record.url)
    load_batch(con, "run1", 0, articles, fetched.failures, WebBatch(fetched.records, fetched.raw, fetched.robots))
    assert con.execute("SELECT count(*) FROM removed_lines WHERE rule = 'site_repeated' AND text = 'Newsletter'"
                       ).fetchone()[0] == 6
    for (article_id,) in con.execute("SELECT article_id FROM articles").fetchall():
        con.execute("INSERT INTO paragraphs VALUES (?, 99, 'Photo AFP', 99)", [article_id])
    assert reextract(con).updated == 6
    assert con.execute("SELECT count(*) FROM paragraphs WHERE text = 'Newsletter'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM removed_lines WHERE rule = 'site_repeated' AND text = 'Newsletter'"
                       ).fetchone()[0] == 6
    assert reextract(con).updated == 0
    con.close()


def _file_inputs(folder: Path) -> None:
    """The seed texts, a real HTML page of the extraction set, and the same kind of page gzipped."""
    folder.mkdir()
    for path in sorted(SEEDS.glob("*.txt")):
        shutil.copy(path, folder / path.name)
    pages = sorted(require(EXTRACTION / "html").glob("*.html"))
    found = 0
    for page in pages:
        data = page.read_bytes()
        if isinstance(article_from_file(InputFile("test", str(page))), Article):
            if found == 0:
                (folder / "page.html").write_bytes(data)
            else:
                (folder / "page.html.gz").write_bytes(gzip.compress(data))
                return
            found += 1
    pytest.fail("no HTML page of the extraction set gives an article")


def test_reextract_reads_file_inputs_again_from_their_kept_bytes(tmp_path, db_path):
    _file_inputs(tmp_path / "in")
    items, failures = discover_files([str(tmp_path / "in")])
    assert not failures and len(items) == 7
    results = run_isolated(article_from_file, items)          # the worker processes, as the flow runs them
    articles = [r for r in results if isinstance(r, Article)]
    assert len(articles) == 7 and all(a.raw is not None for a in articles)
    con = connect(db_path)
    load_batch(con, "run1", 0, articles, [])
    kept = con.execute("""SELECT a.source_uri, r.content, r.size, r.content_type FROM articles a
                          JOIN raw_pages r ON r.sha256 = a.raw_sha256 ORDER BY a.source_uri""").fetchall()
    assert len(kept) == 7
    for uri, content, size, content_type in kept:   # the file's bytes (gunzipped), content-addressed
        data = zlib.decompress(content)
        assert size == len(data) and content_type == ("text/html" if ".html" in uri else "text/plain")
        assert (hashlib.sha256(data).hexdigest(),) in con.execute("SELECT raw_sha256 FROM articles").fetchall()
    good = dict(con.execute("SELECT article_id, body FROM articles").fetchall())
    shutil.rmtree(tmp_path / "in")                              # reextract needs the warehouse only
    # An older rule set left a caption in every body:
    for article_id in good:
        con.execute("INSERT INTO paragraphs VALUES (?, 99, 'Photo AFP', 99)", [article_id])
    con.execute("UPDATE articles SET body = body || '\n\nPhoto AFP'")

    report = reextract(con)
    assert (report.checked, report.files, report.updated, report.failed) == (7, 7, 7, 0)
    assert dict(con.execute("SELECT article_id, body FROM articles").fetchall()) == good
    assert con.execute("SELECT count(*) FROM paragraphs WHERE text = 'Photo AFP'").fetchone()[0] == 0
    assert reextract(con).updated == 0

    # Retention prunes file inputs' bytes as it prunes pages': a text file's and an HTML file's.
    aged = [con.execute(f"SELECT raw_sha256 FROM articles WHERE source_uri LIKE '%{suffix}'").fetchone()[0]
            for suffix in ("000_b1ae3afe924ed992.txt", "page.html")]
    con.execute(f"UPDATE raw_pages SET stored_at = stored_at - INTERVAL 40 DAY WHERE sha256 IN {tuple(aged)}")
    assert prune_raw_pages(con, retention_days=30) == 2
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 7
    assert (reextract(con).checked, con.execute("SELECT count(*) FROM raw_pages").fetchone()[0]) == (5, 5)
    con.close()
