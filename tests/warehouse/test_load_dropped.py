"""The blocks trafilatura left out of a page are stored in removed_lines with their reason, and the
docs' "what was cut from this article" query answers for HTML as for text (issue 15)."""

from tasks.documents.article import article_from_page
from tasks.models import Article, WebPage
from tests.conftest import EXTRACTION, require
from warehouse.db import connect
from warehouse.load import load_batch

URL = "https://blog.python.org/2016/12/python-360-is-now-available.html"
WHAT_WAS_CUT = """
SELECT position, rule, text FROM removed_lines WHERE article_id = ? ORDER BY position
"""


def test_dropped_blocks_are_stored_with_their_reason(db_path):
    body = (require(EXTRACTION / "html") / "blog.python.org.html").read_bytes()
    article = article_from_page(WebPage("web:test", URL, URL, body, None, "x"))
    assert isinstance(article, Article)
    con = connect(db_path)
    load_batch(con, "run1", 0, [article], [])
    rows = con.execute(WHAT_WAS_CUT, [article.article_id]).fetchall()
    assert rows == [(r.position, r.rule, r.text) for r in article.removed]
    assert ("dropped:navigation", "Newer Post Older Post Home") in {(rule, text) for _, rule, text in rows}
    assert rows[0][0] < 0 and [p for p, _, _ in rows] == sorted(p for p, _, _ in rows)
    kept = {t for (t,) in con.execute("SELECT text FROM paragraphs WHERE article_id = ?", [article.article_id]).fetchall()}
    assert kept and not kept & {text for _, _, text in rows}
