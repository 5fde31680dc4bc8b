"""What trafilatura leaves out of a real page is recorded as removed lines with a reason (issue 15)."""

import json

import pytest

from tasks.documents.article import NO_CONTENT, article_from_page
from tasks.documents.dropped import MAX_BLOCKS, MIN_WORDS, PREFIX, REASONS, audit_page, dropped_blocks, match_key
from tasks.documents.extract import extract_html, parse_text
from tasks.models import Article, Failure, Line, RawDocument, WebPage
from tests.conftest import EXTRACTION, require


def _page(name: str) -> bytes:
    return (require(EXTRACTION / "html") / name).read_bytes()


def _extracted(name: str) -> RawDocument:
    raw = extract_html(_page(name), "web:test", f"https://example.org/{name}", "x")
    assert isinstance(raw, RawDocument)
    return raw


def _web_page(body: bytes, url: str = "https://news.example/2024/01/story") -> WebPage:
    return WebPage("web:test", url, url, body, None, "x")


def test_a_blog_page_records_its_header_navigation_sidebar_and_footer():
    raw = _extracted("blog.python.org.html")
    cut = {r.text: r.rule for r in raw.removed}
    assert cut["Newer Post Older Post Home"] == "dropped:navigation"
    assert cut["Posted by Ned Deily at 5:11 AM"] == "dropped:footer"
    assert cut["Subscribe to Python Insider via RSS, Email, or Twitter"] == "dropped:sidebar"
    assert cut["Python core development news and information."] == "dropped:header"
    assert [r.position for r in raw.removed] == list(range(-len(raw.removed), 0))   # page order, before line 0


def test_a_news_page_records_its_comments_and_title_but_no_body_line():
    raw = _extracted("zeit.de.zugverkehr.html")
    rules = [r.rule for r in raw.removed]
    assert rules.count("dropped:comments") >= 10
    assert "Zugverkehr: Im ICE von Frankfurt nach Barcelona" in {r.text for r in raw.removed if r.rule == "dropped:title"}
    body = {match_key(line.text) for line in raw.lines}
    assert not body & {match_key(r.text) for r in raw.removed}


def test_no_body_paragraph_is_reported_as_cut_on_real_pages():
    """On 40 annotated pages: every dropped block has a reason, MIN_WORDS words, and holds no body
    line; the annotated wanted text that reached the body is never among them, the annotated
    boilerplate that did not mostly is."""
    evaldata = json.loads((require(EXTRACTION / "evaldata.json")).read_text(encoding="utf-8"))
    found = missing = 0
    for url, entry in sorted(evaldata.items())[:40]:
        raw = extract_html(_page(entry["file"]), "web:test", url, "x")
        if not isinstance(raw, RawDocument):
            continue
        dropped = [r for r in raw.removed if r.rule.startswith(PREFIX)]
        assert len(dropped) <= MAX_BLOCKS
        assert {r.rule.removeprefix(PREFIX) for r in dropped} <= set(REASONS)
        assert all(len(r.text.split()) >= MIN_WORDS for r in dropped)
        body = " ".join(match_key(line.text) for line in raw.lines)
        keys = [match_key(r.text) for r in dropped]
        for line in raw.lines:
            if len(match_key(line.text).split()) >= MIN_WORDS:   # words, not table bars: "| Säure | |"
                assert not any(match_key(line.text) in k for k in keys), (entry["file"], line.text)
        for segment in entry.get("without", []):
            k = match_key(segment)
            if len(segment.split()) >= MIN_WORDS and k not in body:
                hit = any(k in d for d in keys)
                found, missing = found + hit, missing + (not hit)
    assert found >= 2 * missing   # most of the annotated boilerplate is accounted for


def test_cut_blocks_reach_the_article_after_cleaning():
    page = _web_page(_page("blog.python.org.html"), "https://blog.python.org/2016/12/python-360-is-now-available.html")
    article = article_from_page(page)
    assert isinstance(article, Article)
    assert ("Newer Post Older Post Home", "dropped:navigation") in {(r.text, r.rule) for r in article.removed}
    assert not set(article.paragraphs) & {r.text for r in article.removed}


def test_a_navigation_only_page_is_no_content():
    result = article_from_page(_web_page(b"<html><body><nav>Home</nav></body></html>"))
    assert isinstance(result, Failure) and result.reason == NO_CONTENT
    menu = b"<html><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/world'>World news</a></li></ul></nav>" \
           b"<footer>Copyright 2024 The Daily Example, all rights reserved</footer></body></html>"
    result = article_from_page(_web_page(menu))
    assert isinstance(result, Failure) and result.reason == NO_CONTENT


def test_a_short_article_beside_its_navigation_stays_an_article():
    page = b"<html><body><nav><a href='/'>Home</a> <a href='/world'>World news</a></nav><article><h1>Storm</h1>" \
           b"<p>The storm closed the port of Brest on Tuesday and cut power to 20,000 homes.</p></article>" \
           b"<footer>Copyright 2024 The Daily Example, all rights reserved</footer></body></html>"
    result = article_from_page(_web_page(page))
    assert isinstance(result, Article)
    assert "The storm closed the port of Brest on Tuesday and cut power to 20,000 homes." in result.paragraphs


@pytest.mark.parametrize("markup,reason", [
    ("<nav><p>Politics Economy Culture Sport</p></nav>", "navigation"),
    ("<div role='contentinfo'><p>Copyright 2024 The Daily Example</p></div>", "footer"),
    ("<div class='post-comments'><p>Great piece, thanks a lot</p></div>", "comments"),
    ("<section id='related-stories'><p>Another story about the port</p></section>", "related"),
    ("<aside><p>Most read this week on the site</p></aside>", "sidebar"),
    ("<form><p>Sign up for our daily email</p></form>", "form"),
    ("<div style='display: none'><p>Text nobody is shown here</p></div>", "hidden"),
    ("<p><a href='/a'>One link to another page</a> x</p>", "link_density"),
    ("<p>A paragraph nobody described at all</p>", "other"),
])
def test_reasons_come_from_the_markup_around_a_block(markup, reason):
    tree = parse_text(f"<html><body>{markup}<p>The body of the article, kept.</p></body></html>")
    assert [r.rule for r in dropped_blocks(tree, ["The body of the article, kept."])] == [PREFIX + reason]


def test_a_page_that_is_only_its_footer_loses_its_lines_to_removed():
    tree = parse_text("<html><body><footer><p>Copyright 2024 The Daily Example</p></footer></body></html>")
    lines, removed = audit_page(tree, [Line(0, "Copyright 2024 The Daily Example")])
    assert lines == [] and [(r.position, r.rule) for r in removed] == [(0, "dropped:footer")]
