"""Title, authors and outlet from small real-looking pages (tasks/documents/metadata.py)."""

from tasks.documents.clean import clean_document
from tasks.documents.extract import extract_html, parse_text
from tasks.documents.metadata import AUTHOR_JOIN, clean_names, extract_metadata
from tasks.models import Author, RawDocument

BODY = "<p>" + "The council met on Tuesday to discuss the new budget for the coming year. " * 8 + "</p>"


def _meta(head: str, body: str = "", url: str = "https://www.example-news.com/2024/05/story"):
    return extract_metadata(parse_text(f"<html><head>{head}</head><body>{body}{BODY}</body></html>"), url)


def test_site_suffix_is_stripped_from_every_candidate():
    m = _meta("<title>Ten ways to sleep better - Harvard Health</title>"
              '<meta property="og:title" content="Ten ways to sleep better - Harvard Health">'
              '<meta property="og:site_name" content="Harvard Health">',
              "<h1>Ten ways to sleep better</h1>")
    assert m.title == "Ten ways to sleep better"
    assert m.title_tag == "Ten ways to sleep better - Harvard Health"
    assert m.site_name == "Harvard Health" and m.sources["site_name"] == "og:site_name"


def test_site_prefix_matching_the_host_is_stripped_without_a_declared_name():
    m = _meta("<title>The Japan Times | Yen slides past 160 per dollar</title>", "<h1>Yen slides past 160 per dollar</h1>",
              url="https://www.japantimes.co.jp/business/2024/04/29/yen/")
    assert m.title == "Yen slides past 160 per dollar"
    # the title tag's affix that matches the host is the outlet's own name, not "Japantimes"
    assert (m.site_name, m.sources["site_name"]) == ("The Japan Times", "title")


def test_a_colon_inside_the_headline_is_kept():
    m = _meta("<title>Nach Kalifat-Rufen in Hamburg: Sind wir zu sanft zu Islamisten? - derStandard.at</title>"
              '<meta property="og:site_name" content="derStandard.at">',
              "<h1>Nach Kalifat-Rufen in Hamburg: Sind wir zu sanft zu Islamisten?</h1>",
              url="https://www.derstandard.at/story/3000000218734/nach-kalifat")
    assert m.title == "Nach Kalifat-Rufen in Hamburg: Sind wir zu sanft zu Islamisten?"


def test_jsonld_graph_with_referenced_author_and_publisher():
    ld = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "@id": "https://example-news.com/#site", "name": "Example News"},
      {"@type": ["NewsArticle"], "headline": "Council approves budget",
       "author": [{"@id": "https://example-news.com/#/person/jd"}, {"@type": "Person", "name": "Tom  Lee"}],
       "publisher": {"@id": "https://example-news.com/#org"}},
      {"@type": "Person", "@id": "https://example-news.com/#/person/jd", "name": "Jane Doe", "url": "https://x"},
      {"@type": "NewsMediaOrganization", "@id": "https://example-news.com/#org", "name": "Example News",
       "logo": "https://x/logo.png"}]}</script>"""
    m = _meta(ld + "<title>Council approves budget – Example News</title>")
    assert m.title == "Council approves budget"
    assert m.authors == [Author("Jane Doe", "person", "json-ld"), Author("Tom Lee", "person", "json-ld")]
    assert m.site_name == "Example News" and m.sources["site_name"] == "json-ld:publisher"
    assert m.sources["authors"] == "json-ld" and m.author == AUTHOR_JOIN.join(["Jane Doe", "Tom Lee"])


def test_junk_bylines_are_rejected_and_labels_stripped():
    assert clean_names("View more posts") == []
    assert clean_names("About the Author") == []
    assert clean_names("No Author") == []
    assert clean_names("admin") == []
    assert clean_names("jane.doe@example.com") == []
    assert clean_names("https://www.example.com/author/jane") == []
    assert clean_names("View all posts by Daniel Lemire") == ["Daniel Lemire"]
    assert clean_names("By John Smith and Mary Jones | Updated May 3, 2024") == ["John Smith", "Mary Jones"]
    assert clean_names("Von Benjamin Fischer und Marcus Theurer") == ["Benjamin Fischer", "Marcus Theurer"]
    assert clean_names("Maria García, Juan Pérez y Ana López") == ["Maria García", "Juan Pérez", "Ana López"]
    assert clean_names("Par Jean Dupont, envoyé spécial à Kiev") == ["Jean Dupont"]


def test_junk_meta_author_falls_through_to_the_byline():
    m = _meta('<meta name="author" content="View more posts">',
              '<div class="article-byline">By Anna Berg</div>')
    assert [a.name for a in m.authors] == ["Anna Berg"]


def test_agency_and_outlet_credited_as_authors_are_organizations():
    m = _meta('<meta name="author" content="Le Figaro et AFP"><meta property="og:site_name" content="Le Figaro">',
              url="https://www.lefigaro.fr/international/story")
    assert m.authors == [Author("Le Figaro", "organization", "meta:author"), Author("AFP", "organization", "meta:author")]
    m = _meta('<meta name="author" content="Karin Bauer, dpa">')
    assert [(a.name, a.kind) for a in m.authors] == [("Karin Bauer", "person"), ("dpa", "organization")]


def test_made_up_site_name_is_not_kept():
    m = _meta("<title>Hamas rejects offer</title>", url="https://www.timesofisrael.com/liveblog/x/")
    assert m.site_name is None   # the loader falls back to the host, not "Timesofisrael"
    m = _meta("<title>Hamas rejects offer | Middle East</title>", url="https://www.timesofisrael.com/x/")
    assert m.site_name is None   # a section, not the outlet


def test_a_declared_site_name_matching_the_host_wins_over_a_section_name():
    m = _meta('<meta property="og:site_name" content="U.S."><script type="application/ld+json">'
              '{"@type": "NewsArticle", "headline": "x", "publisher": {"@type": "Organization", "name": "Reuters"}}'
              "</script>", url="https://www.reuters.com/world/us/story/")
    assert (m.site_name, m.sources["site_name"]) == ("Reuters", "json-ld:publisher")


def test_extract_html_carries_the_fields_to_the_article():
    page = ("<html><head><title>Council approves budget | Example News</title>"
            '<meta property="og:site_name" content="Example News">'
            '<meta name="author" content="Jane Doe"></head>'
            f"<body><article><h1>Council approves budget</h1>{BODY}</article></body></html>")
    raw = extract_html(page.encode(), "s", "u", "sha", url="https://example-news.com/a")
    assert isinstance(raw, RawDocument)
    assert (raw.title, raw.author) == ("Council approves budget", "Jane Doe")
    assert raw.title_tag == "Council approves budget | Example News"
    article = clean_document(raw)
    assert article.authors == [Author("Jane Doe", "person", "meta:author")]
    assert article.metadata_sources["site_name"] == "og:site_name" and article.title_tag == raw.title_tag


def test_jsonld_author_as_strings_in_a_list_and_byline_text_in_spanish():
    ld = ('<script type="application/ld+json">[{"@type": "WebPage"}, {"@type": "NewsArticle",'
          ' "headline": "Sube el precio del aceite", "author": ["Redacción", "María García y Juan Pérez"]}]</script>')
    m = _meta(ld)
    assert [a.name for a in m.authors] == ["María García", "Juan Pérez"]   # "Redacción" is a label
    m = _meta("", "<p class='meta'>Por Lucía Fernández y Pablo Ruiz</p>")
    assert [a.name for a in m.authors] == ["Lucía Fernández", "Pablo Ruiz"]
    assert m.sources["authors"] == "byline:text"


def test_a_blog_header_h1_is_the_site_name_not_the_title():
    m = _meta("<title>Kleine Schafskunde | Mäscot das Schaf</title>",
              '<header><h1 class="site-title"><a href="/">Mäscot das Schaf</a></h1></header>'
              "<article><h2>Kleine Schafskunde</h2></article>", url="http://www.maescot.de/kleine-schafskunde/")
    assert m.title == "Kleine Schafskunde"


def test_outlet_credited_in_json_ld_gives_way_to_the_named_reporter():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Storm",'
          ' "author": {"@type": "Organization", "name": "Example News"}}</script>'
          '<meta property="og:site_name" content="Example News"><meta name="author" content="Sam Reed">')
    m = _meta(ld)
    assert m.authors == [Author("Sam Reed", "person", "meta:author")]


def _ld_outlet(name: str) -> str:
    return ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Dam levels fall again",'
            f' "author": {{"@type": "Organization", "name": "{name}"}}}}</script>'
            f'<meta property="og:site_name" content="{name}">')


def test_label_in_its_own_element_then_the_name():
    m = _meta('<meta name="author" content="Deutsche Welle"><meta name="publisher" content="Deutsche Welle (www.dw.com)">'
              '<meta property="og:site_name" content="DW.COM">',
              "<ul><li><strong>Autorin/Autor</strong> Roman Goncharenko</li></ul>", url="https://www.dw.com/de/x/a-1")
    assert [(a.name, a.kind) for a in m.authors] == [("Roman Goncharenko", "person")]
    assert m.sources["authors"] == "byline:label"
    m = _meta(_ld_outlet("Example News"), "<dl><dt>Author:</dt><dd>Jane Doe</dd></dl>")
    assert [a.name for a in m.authors] == ["Jane Doe"]


def test_a_label_alone_or_followed_by_a_sentence_is_no_byline():
    m = _meta(_ld_outlet("Example News"), "<p><b>Author</b></p><p><b>Von</b> den Bergen kommt das Wasser.</p>")
    assert [(a.name, a.kind) for a in m.authors] == [("Example News", "organization")]


def test_bold_name_paragraph_beats_an_outlet_only_credit():
    m = _meta(_ld_outlet("Lesotho Times"), "<p><strong>Mohloai Mpesi</strong></p>",
              url="https://lestimes.co.ls/dam-levels/")
    assert [(a.name, a.kind, a.source) for a in m.authors] == [("Mohloai Mpesi", "person", "byline:bold")]


def test_bold_subheading_is_not_a_name():
    m = _meta(_ld_outlet("Example News"), "<p><strong>What happens next</strong></p>")
    assert [a.name for a in m.authors] == ["Example News"]
    m = _meta(_ld_outlet("Example News"), "<p><strong>Background</strong></p>")
    assert [a.name for a in m.authors] == ["Example News"]


def test_author_list_items_are_bylines():
    m = _meta("", '<ul class="metaInfoAuthorList"><li class="metaInfoAuthorList-item">'
                  '<a href="/author/nf/">Nathaniel Flakin</a></li></ul>')
    assert [a.name for a in m.authors] == ["Nathaniel Flakin"]


def test_section_label_glued_to_the_title_without_spaces_is_dropped():
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "민주당 선호투표제 도입 불발"}</script>'
    glued = "민주당 선호투표제 도입 불발-정치"
    m = _meta(ld + f'<meta property="og:title" content="{glued}"><meta name="twitter:title" content="{glued}">'
              f"<title>{glued}</title>")
    assert m.title == "민주당 선호투표제 도입 불발"


def test_truncated_headline_counts_as_the_longer_candidate_it_starts():
    full = "Council approves the new budget for the coming year after a long night of debate"
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
          '"Council approves the new budget for the coming…"}</script>')
    m = _meta(ld, f"<h1>{full}</h1>")   # one vote each: the JSON-LD headline would win the tie
    assert m.title == full


def test_a_shorter_headline_without_an_ellipsis_is_not_taken_as_truncated():
    m = _meta('<meta property="og:title" content="Chelsea send clear message of intent">'
              "<title>Chelsea send clear message of intent in battling win - Example News</title>")
    assert m.title == "Chelsea send clear message of intent"


def test_the_h1_inside_the_article_ranks_before_one_outside_it():
    m = _meta("", "<div class='top'><h1>Weather warning for the north</h1></div>"
                  "<article><h1>Council approves budget</h1></article>")
    assert (m.title, m.sources["title"]) == ("Council approves budget", "h1")


def test_bold_last_line_the_article_goes_on_after_is_not_a_name():
    page = (f"<html><head>{_ld_outlet('Example News')}</head><body><div>{BODY}{BODY}"
            "<p><strong>Weitere Informationen</strong></p><ul><li>Link one</li></ul></div></body></html>")
    m = extract_metadata(parse_text(page), "https://www.example-news.com/2024/05/story")
    assert [a.name for a in m.authors] == ["Example News"]
    page = page.replace("<ul><li>Link one</li></ul>", "")
    m = extract_metadata(parse_text(page), "https://www.example-news.com/2024/05/story")
    assert [a.name for a in m.authors] == ["Weitere Informationen"]   # name-shaped: only position tells
