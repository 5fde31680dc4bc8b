"""Stored raw pages can be re-extracted: fetch → sandboxed extraction → load, without Prefect."""

from tasks.crawl import Target, article_from_page, fetch_batch
from tasks.fetch import FetchConfig
from tasks.models import Article, WebBatch
from tasks.sandbox import run_isolated
from tests.loopback_server import LoopbackServer
from warehouse.db import connect
from warehouse.load import load_batch
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
