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


def _ld_authors(authors: str) -> str:
    return ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Dam levels fall again",'
            f' "author": {authors}}}</script>')


def test_the_outlet_credited_by_its_host_name_is_kept_and_a_login_is_not():
    m = _meta(_ld_authors('{"@type": "Person", "name": "nieuwsblad.be"}'), url="https://www.nieuwsblad.be/cnt/dmf1")
    assert [(a.name, a.kind) for a in m.authors] == [("nieuwsblad.be", "organization")]
    m = _meta(_ld_authors('{"@type": "Person", "name": "edilson.la.rosa"}'))
    assert m.authors == []
    m = _meta(_ld_authors('{"@type": "Person", "name": "othersite.de"}'))
    assert m.authors == []


def test_an_editorial_desk_signature_is_kept_whole_and_stands():
    assert clean_names("Redaktion hessenschau.de") == ["Redaktion hessenschau.de"]
    assert clean_names("Redaktion: Anna Berg") == ["Anna Berg"]
    m = _meta(_ld_authors('[{"@type": "NewsMediaOrganization", "name": "Redaktion hessenschau.de"}]')
              + '<meta name="author" content="hessenschau.de, Frankfurt, Germany">',
              '<p class="text__byline">Redaktion: Roman Warschauer und Marcel Sommer</p>',
              url="https://www.hessenschau.de/wirtschaft/x.html")
    assert [(a.name, a.kind) for a in m.authors] == [("Redaktion hessenschau.de", "organization")]


def test_the_outlets_address_is_no_author():
    m = _meta('<meta name="author" content="hessenschau.de, Frankfurt, Germany">',
              url="https://www.hessenschau.de/wirtschaft/x.html")
    assert [a.name for a in m.authors] == ["hessenschau.de"]


def test_an_as_of_label_is_cut_with_its_date():
    assert clean_names("von David Straub, MDR THÜRINGEN Stand: 28. April 2023, 05:00 Uhr") == [
        "David Straub", "MDR THÜRINGEN"]
    assert clean_names("Anna Berg, Stand 12.03.2023") == ["Anna Berg"]


def test_nested_json_ld_author_lists_are_flattened():
    m = _meta(_ld_authors('[{"@type": "Person", "name": "Engin Haupt"}, [{"@type": "Person", "name": "Kai Uwe"}]]'))
    assert [a.name for a in m.authors] == ["Engin Haupt", "Kai Uwe"]
    ld = ('<script type="application/ld+json">{"@type": "WebPage", "mainEntity": [{"@type": "NewsArticle",'
          ' "headline": "Storm", "author": {"@type": "Person", "name": ["Sam Reed", "Ana Gil"]}}]}</script>')
    assert [a.name for a in _meta(ld).authors] == ["Sam Reed", "Ana Gil"]


def test_an_affiliation_in_a_person_node_is_no_second_author():
    m = _meta(_ld_authors('[{"@type": "Person", "name": "Povilas Aleksandravičius, Lrt.lt"}]'),
              url="https://www.lrt.lt/naujienos/1")
    assert [a.name for a in m.authors] == ["Povilas Aleksandravičius"]
    m = _meta(_ld_authors('{"@type": "Person", "name": "Jane Roe | University of Leeds"}'))
    assert [a.name for a in m.authors] == ["Jane Roe"]
    m = _meta(_ld_authors('{"@type": "Person", "name": "Karin Bauer, dpa"}'))
    assert [a.name for a in m.authors] == ["Karin Bauer", "dpa"]   # a wire service co-credits


def test_the_house_account_is_the_outlets_credit():
    ld = _ld_authors('{"@id": "https://ilanganews.co.za/author/admin/", "name": "Ilanga D"}')
    m = _meta(ld, '<p><strong>MTHOBISI SITHOLE</strong></p>', url="https://ilanganews.co.za/x/")
    assert [(a.name, a.source) for a in m.authors] == [("MTHOBISI SITHOLE", "byline:bold")]
    ld = _ld_authors('{"@id": "https://example-news.com/author/jane-doe/", "name": "Jane Doe"}')
    assert [a.name for a in _meta(ld, '<p><strong>Tom Bell</strong></p>').authors] == ["Jane Doe"]


def test_a_lone_word_in_the_page_does_not_beat_the_outlets_credit():
    m = _meta(_ld_outlet("Example News"), '<div class="article_details_author">Politik</div>')
    assert [a.name for a in m.authors] == ["Example News"]
    m = _meta(_ld_outlet("Example News"), '<div class="article_details_author">Lena Vogt</div>')
    assert [a.name for a in m.authors] == ["Lena Vogt"]


def test_a_declared_wire_service_beats_the_outlets_credit():
    m = _meta(_ld_outlet("NTV") + '<meta name="articleAuthor" content="Anadolu Ajans&#x131;">',
              url="https://www.ntv.com.tr/spor/x")
    assert [(a.name, a.kind) for a in m.authors] == [("Anadolu Ajansı", "organization")]


def test_bylines_of_teaser_articles_and_links_are_not_the_pages():
    body = ('<article><h1>Dam levels fall again</h1><span itemprop="author">By Madeleine Howell</span></article>'
            '<section><article class="card"><h3>Other story</h3><span itemprop="author">By Jack Rear</span>'
            '</article></section>')
    assert [a.name for a in _meta("", body).authors] == ["Madeleine Howell"]
    body = ('<a href="/wirtschaft/other-a-1"><span>Mögliche Garantie für Bankeinlagen: Rettet die Reichen</span>'
            '<span>Von Ines Zöttl, Washington</span></a>')
    assert _meta("", body).authors == []
    assert [a.name for a in _meta("", "<div><span>Von Ines Zöttl</span></div>").authors] == ["Ines Zöttl"]


def test_a_byline_word_with_a_colon():
    body = ('<ul><li class="information-item">Von: <span><a href="/bill">Bill MCCARTHY</a>, </span>'
            '<span><a href="/marisha">Marisha GOLDHAMER</a></span></li></ul>')
    assert [a.name for a in _meta("", body).authors] == ["Bill MCCARTHY", "Marisha GOLDHAMER"]


def test_a_writer_profile_box_is_no_byline():
    m = _meta(_ld_outlet("Example News"), '<div class="writerProfile">Topics: War, Peace</div>')
    assert [a.name for a in m.authors] == ["Example News"]


def test_bold_name_after_italic_standfirst_paragraphs():
    body = ("<div><p><em>…as communities cry foul</em></p><p><em>…accuse chiefs of bribes</em></p>"
            "<p><strong>Mathatisi Sebusi/Mohalenyane Phakela</strong></p>" + BODY + BODY + "</div>")
    m = _meta(_ld_outlet("Lesotho Times"), body, url="https://lestimes.com/mining/")
    assert [a.name for a in m.authors] == ["Mathatisi Sebusi", "Mohalenyane Phakela"]


def test_the_declared_author_is_completed_by_the_bylines_co_authors():
    links = '<a rel="author" href="/a/it">Ingrid Treborg</a> <a rel="author" href="/a/ml">Marlene Lundberg Holm</a>'
    m = _meta(_ld_authors('[{"@type": "Person", "name": "Marlene Lundberg Holm"}]'), links)
    assert [a.name for a in m.authors] == ["Marlene Lundberg Holm", "Ingrid Treborg"]
    names = ["Rachel Riederer", "Anna Shechtman", "Will Nediger", "Louis Menand"]   # "more from our writers"
    many = "".join(f'<a rel="author" href="/a/{i}">{n}</a>' for i, n in enumerate(names))
    m = _meta(_ld_authors('[{"@type": "Person", "name": "Rachel Riederer"}]'), many)
    assert [a.name for a in m.authors] == ["Rachel Riederer"]
    again = "".join(f'<a rel="author" href="/a/{i % 2}">{names[i % 2]}</a>' for i in range(6))   # teaser bylines
    m = _meta(_ld_authors('[{"@type": "Person", "name": "Rachel Riederer"}]'), again)
    assert [a.name for a in m.authors] == ["Rachel Riederer"]


def test_the_host_name_beside_a_reporter_is_the_publisher_not_a_co_author():
    m = _meta('<meta name="author" content="Ernst Lohoff, jungle.world">', url="https://jungle.world/artikel/1")
    assert [a.name for a in m.authors] == ["Ernst Lohoff"]


def test_an_article_nested_in_the_headlines_is_part_of_the_page():
    body = ('<article><h1>US-Sport in Zeiten von Corona</h1><article class="video-module">'
            '<span class="teaser-cat">von Andreas Kürten</span></article></article>')
    assert [a.name for a in _meta("", body).authors] == ["Andreas Kürten"]


def test_more_topics_is_no_name():
    assert clean_names("Mehr Themen") == []
    assert clean_names("More stories") == []


def test_cards_nested_in_the_headlines_article_yield_to_its_own_byline():
    cards = "".join(f'<article class="post-card"><h3>Story {i}</h3><span itemprop="author">by {n}</span></article>'
                    for i, n in enumerate(["Ben Popper", "Emma Bostian"]))
    body = f'<article><h1>What is Rust?</h1><span itemprop="author">by Jake Goulding</span>{cards}</article>'
    assert [a.name for a in _meta("", body).authors] == ["Jake Goulding"]


def test_curly_and_straight_spellings_agree_and_the_visible_headline_spelling_is_stored():
    # og:title and <title> flatten the quotes; the visible <h1> and JSON-LD keep them: one text
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
          '"Kelce calls Swift’s album her ‘best work’ – fans agree"}</script>')
    m = _meta(ld + "<meta property=\"og:title\" content=\"Kelce calls Swift's album her 'best work' - fans agree\">"
              "<title>Kelce calls Swift's new record her 'best work' - Example News</title>",
              "<article><h1>Kelce calls Swift’s album her ‘best work’ – fans agree</h1></article>")
    assert (m.title, m.sources["title"]) == ("Kelce calls Swift’s album her ‘best work’ – fans agree", "h1")
    # a straight-quoted og:title and a curly <h1> outvote a differently worded JSON-LD headline
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "A Paris-8, la tension monte"}</script>'
    m = _meta(ld + "<meta property=\"og:title\" content=\"A Paris-8, un peu de tension, beaucoup d'actions\">",
              "<article><h1>A Paris-8, un peu de tension, beaucoup d’actions</h1></article>")
    assert m.title == "A Paris-8, un peu de tension, beaucoup d’actions"


def test_hidden_and_navigation_h1s_are_no_headline():
    body = ('<h1 class="visually-hidden">Navigation und Service</h1>'
            '<nav class="main-nav"><h1>Politik</h1></nav>'
            '<div aria-hidden="true"><h1>Top-Thema</h1></div>'
            '<div class="breadcrumbs"><h1>Startseite</h1></div>'
            "<div class='story'><h1>Rede des Bundespräsidenten zum Föderalismus</h1></div>")
    m = _meta("<title>Reden / Rede des Bundespräsidenten zum Föderalismus</title>", body)
    assert (m.title, m.sources["title"]) == ("Rede des Bundespräsidenten zum Föderalismus", "h1")
    # a page whose body is classed "has-sidebar" keeps its headline: that class names the page
    page = ("<html><head><title>Laufen im Winter › Nordish by Nature</title></head>"
            "<body class='single-post has-sidebar'><div class='with-sidebar-right'>"
            f"<h1>Laufen im Winter</h1></div>{BODY}</body></html>")
    assert extract_metadata(parse_text(page), "https://www.example-blog.de/laufen/").title == "Laufen im Winter"


def test_article_header_h2_is_the_headline_when_no_h1_is_visible():
    m = _meta('<meta property="og:title" content="Kleine Schafskunde">',
              '<header><h1 class="site-title"><a href="/">Mäscot das Schaf</a></h1></header>'
              "<article><header class='entry-header'><h2>Kleine Schafskunde</h2></header></article>",
              url="http://www.maescot.de/kleine-schafskunde/")
    assert (m.title, m.sources["title"]) == ("Kleine Schafskunde", "h1")


def test_kicker_in_its_own_element_is_cut_when_the_declarations_lack_it():
    head = ('<meta property="og:title" content="Rückschlag im Titelkampf - Liverpool verliert bei Everton">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
            '"Rückschlag im Titelkampf - Liverpool verliert bei Everton"}</script>')
    h1 = ('<h1 class="seitenkopf__headline"><span class="seitenkopf__topline">Premier League</span> '
          '<span>Rückschlag im Titelkampf - Liverpool verliert bei Everton</span></h1>')
    assert _meta(head, h1).title == "Rückschlag im Titelkampf - Liverpool verliert bei Everton"
    # the declarations carry the kicker: it is part of the headline
    head = ('<meta property="og:title" content="Nutzerbasierte Abrechnung: Musik-Stars fordern neues Streaming-Modell">'
            "<title>Nutzerbasierte Abrechnung: Musik-Stars fordern neues Streaming-Modell</title>"
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
            '"Musik-Stars fordern neues Streaming-Modell"}</script>')
    h1 = "<h1><span>Nutzerbasierte Abrechnung:</span> <span>Musik-Stars fordern neues Streaming-Modell</span></h1>"
    assert _meta(head, h1).title == "Nutzerbasierte Abrechnung: Musik-Stars fordern neues Streaming-Modell"


def test_outlet_name_in_the_middle_of_the_title_ends_the_headline():
    m = _meta("<title>Productor fumigó con glifosato predio lindero a escuela rural | la diaria | Uruguay</title>"
              '<meta property="og:site_name" content="la diaria">', url="https://ladiaria.com.uy/ambiente/articulo/x")
    assert m.title == "Productor fumigó con glifosato predio lindero a escuela rural"
    m = _meta("<title>Pour le néolibéralisme, la retraite est un archaïsme | AOC media</title>",
              url="https://aoc.media/opinion/2019/12/09/retraite/")   # the brand TLD is part of the name
    assert m.title == "Pour le néolibéralisme, la retraite est un archaïsme"


def test_header_h1_that_is_an_affix_of_the_title_is_the_outlet():
    m = _meta("<title>Was ist Virales Marketing? | DimidoBlog</title>",
              "<div id='header'><h1>DimidoBlog</h1></div><div>Was ist Virales Marketing?</div>",
              url="http://www.dimido.de/2008/07/29/was-ist-virales-marketing/")
    assert m.title == "Was ist Virales Marketing?"
    # a header <h1> that repeats the headline at the start of the title stays the headline
    m = _meta("<title>D.O.Ca. Rioja, Spanien - Iberische Weine in Berlin - Vinos Y Tapas</title>",
              "<div id='top'><h1>D.O.Ca. Rioja, Spanien</h1></div>", url="https://www.vinosytapas.de/wein/rioja/")
    assert m.title == "D.O.Ca. Rioja, Spanien"


def test_wordpress_archive_prefix_and_a_dangling_separator_are_dropped():
    assert _meta("<title>Blog Archive » Interning of Small Integers in Python</title>").title == (
        "Interning of Small Integers in Python")
    assert _meta("<title>Pferdesport definitiv bei Olympia 2028 dabei -</title>").title == (
        "Pferdesport definitiv bei Olympia 2028 dabei")


def test_the_title_tag_alone_does_not_make_an_agreement():
    # og:title and the <h1> disagree; the <title> seconding the <h1> does not outvote og:title's rank
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", '
          '"headline": "Starmer defiant over taking gifts from Lord Alli"}</script>')
    m = _meta(ld + '<meta property="og:title" content="Starmer defiant over taking gifts from Lord Alli">'
              "<title>Starmer suggests he will continue taking gifts</title>",
              "<article><h1>Starmer suggests he will continue taking gifts</h1></article>")
    assert m.title == "Starmer defiant over taking gifts from Lord Alli"
    m = _meta('<meta property="og:title" content="Who is Rebecca Cooke?">'
              "<title>Who is Rebecca Cooke and how many children do they have?</title>",
              "<article><h1>Who is Rebecca Cooke and how many children do they have?</h1></article>")
    assert m.title == "Who is Rebecca Cooke?"   # one vote and a half: no agreement; the <title> copies the <h1>


def test_without_agreement_the_headline_the_title_tag_does_not_copy_wins():
    # two declarations disagree and the <title> repeats one: that one is the SEO copy (n-tv shape:
    # JSON-LD headline = <title>, og:title the editor's headline; no <h1>)
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
          '"Neue Leipziger Schule: Judy Lybke, ganz und gar nicht eigenartig"}</script>')
    m = _meta(ld + '<meta property="og:title" content="Judy Lybke, ganz und gar nicht eigenartig">'
              "<title>Neue Leipziger Schule: Judy Lybke, ganz und gar nicht eigenartig - n-tv.de</title>",
              url="https://www.n-tv.de/leben/Judy-Lybke-article240758.html")
    assert m.title == "Judy Lybke, ganz und gar nicht eigenartig"
    # og:title = <title> against the visible <h1>: the <h1>
    m = _meta('<meta property="og:title" content="Receita de Sequilho com Chocolate Amargo">'
              "<title>Receita de Sequilho com Chocolate Amargo</title>",
              "<article><h1>Sequilho com Chocolate Amargo</h1></article>")
    assert m.title == "Sequilho com Chocolate Amargo"


def test_the_title_tags_copy_still_wins_where_the_other_only_adds_a_kicker_or_punctuation():
    # the <h1> is the <title>'s text behind a kicker: the same headline, og:title ranks first
    m = _meta('<meta property="og:title" content="Große Aufgaben für die neue Regierung">'
              "<title>Große Aufgaben für die neue Regierung</title>",
              "<article><h1><span>Tunesien</span> <span>Große Aufgaben für die neue Regierung</span></h1></article>")
    assert m.title == "Große Aufgaben für die neue Regierung"
    # the same words but for punctuation: no split in wording, the rank decides
    ld = ('<script type="application/ld+json">{"@type": "Article", "headline": '
          '"Sazerac - alles über den Cocktail-Klassiker aus New Orleans"}</script>')
    m = _meta(ld + '<meta property="og:title" content="Sazerac! Alles über den Cocktail-Klassiker aus New Orleans">'
              "<title>Sazerac - alles über den Cocktail-Klassiker aus New Orleans</title>")
    assert m.title == "Sazerac - alles über den Cocktail-Klassiker aus New Orleans"
    # three different headlines: the <title>'s copy is no tell, the rank decides (JSON-LD first)
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget passes after long night"}</script>'
    m = _meta(ld + '<meta property="og:title" content="Council backs the budget">'
              "<title>Budget passes after long night</title>",
              "<article><h1>Councillors approve a budget at 3 a.m.</h1></article>")
    assert m.title == "Budget passes after long night"


def test_ruby_readings_are_no_part_of_the_headline():
    ruby = "<ruby>体罰<rp>(</rp><rt>たいばつ</rt><rp>)</rp></ruby>"   # the reading printed above the word
    m = _meta("", f"<article><h1>子どもへの{ruby}を禁止する法律ができる</h1></article>")
    assert m.title == "子どもへの体罰を禁止する法律ができる"


def test_a_kicker_element_then_a_colon_reads_as_on_the_page():
    h1 = ('<h1><span class="kicker">LTE-Patent</span><span class="sep">: </span>'
          "<span>Samsung soll wegen Patentklage Smartphones zerstören</span></h1>")
    m = _meta("", f"<article>{h1}</article>")
    assert m.title == "LTE-Patent: Samsung soll wegen Patentklage Smartphones zerstören"


def test_a_declared_outlet_name_that_is_the_pages_title_is_no_outlet_name():
    # og:site_name holds the <title>: its headline part is no outlet name, its other part is
    m = _meta("<title>Achtsam durch die Krise | Die FURCHE</title>"
              '<meta property="og:site_name" content="Achtsam durch die Krise | Die FURCHE">'
              '<meta property="og:title" content="Achtsam durch die Krise">',
              "<h1>Achtsam durch die Krise</h1>", url="https://www.furche.at/gesellschaft/achtsam-2497954")
    assert m.title == "Achtsam durch die Krise"
    # a declared name that is not the page's title keeps its parts: og:title "IBU" is the outlet
    m = _meta('<meta property="og:site_name" content="International Biathlon Union - IBU">'
              '<meta property="og:title" content="IBU">',
              "<article><h1>Preuss wins the pursuit in Oberhof</h1></article>",
              url="https://www.biathlonworld.com/news/preuss-wins")
    assert m.title == "Preuss wins the pursuit in Oberhof"


def test_a_headline_holding_the_outlets_name_stays_when_every_candidate_holds_it():
    ld = '<script type="application/ld+json">{"@type": "BlogPosting", "headline": "15 Jahre rete-mirabile.net"}</script>'
    m = _meta(ld + '<meta property="og:site_name" content="rete-mirabile.net">'
              '<meta property="og:title" content="15 Jahre rete-mirabile.net — rete-mirabile.net">'
              "<title>15 Jahre rete-mirabile.net — rete-mirabile.net</title>",
              "<article><h1>15 Jahre rete-mirabile.net</h1></article>", url="https://rete-mirabile.net/notizen/15-jahre/")
    assert m.title == "15 Jahre rete-mirabile.net"
    # beside another candidate, a title that is the outlet's name and a word more is the outlet
    m = _meta('<meta property="og:site_name" content="Gitarre &amp; Bass">'
              '<meta property="og:title" content="Gitarre &amp; Bass Magazin">',
              "<article><h1>Die neue Ausgabe ist da: Gitarren-Tests und Workshops</h1></article>",
              url="https://www.gitarrebass.de/news/ausgabe/")
    assert m.title == "Die neue Ausgabe ist da: Gitarren-Tests und Workshops"


def test_the_host_written_out_and_a_symbol_only_affix_are_no_headline():
    url = "https://www.mdr.de/nachrichten/sachsen-anhalt/autohaeuser-100.html"
    assert _meta("<title>Autohäuser rechnen mit langsamem Anlaufen des Geschäfts | MDR.DE</title>", url=url).title == (
        "Autohäuser rechnen mit langsamem Anlaufen des Geschäfts")
    assert _meta("<title>Ladensterben immer dramatischer » ☆☆☆☆☆</title>").title == "Ladensterben immer dramatischer"
    # a last part with words that name neither the host nor the outlet stays
    assert _meta("<title>Autohäuser rechnen mit langsamem Anlaufen | Sachsen-Anhalt</title>", url=url).title == (
        "Autohäuser rechnen mit langsamem Anlaufen | Sachsen-Anhalt")


def test_a_meta_title_cut_at_an_unescaped_quote_counts_as_the_full_headline():
    # content="…de "incapacitado"": the attribute ends at the inner quote
    head = ('<meta property="og:title" content="Senador republicano califica a Biden de "incapacitado"">'
            '<meta name="twitter:title" content="Senador republicano califica a Biden de "incapacitado"">')
    full = 'Senador republicano califica a Biden de "incapacitado"'
    assert _meta(head, f"<article><h1>{full}</h1></article>").title == full
    # a shorter og:title that the <h1> continues with words, not a quote, is another headline
    m = _meta('<meta property="og:title" content="Senador republicano califica a Biden">',
              '<article><h1>Senador republicano califica a Biden de incapaz</h1></article>')
    assert m.title == "Senador republicano califica a Biden"


def test_a_label_before_the_h1_in_the_meta_titles_is_cut_without_a_json_ld_headline():
    meta = ('<meta property="og:title" content="Pressemitteilung: Endlich mehr Beschleunigung wagen!">'
            "<title>Pressemitteilung: Endlich mehr Beschleunigung wagen!</title>")
    h1 = "<article><h1>Endlich mehr Beschleunigung wagen!</h1></article>"
    assert _meta(meta, h1).title == "Endlich mehr Beschleunigung wagen!"
    # a JSON-LD headline that carries the label is the CMS's headline field: it stays
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", '
          '"headline": "Pressemitteilung: Endlich mehr Beschleunigung wagen!"}</script>')
    assert _meta(ld + meta, h1).title == "Pressemitteilung: Endlich mehr Beschleunigung wagen!"



def _meta_body(head: str, body: str, body_start: list[str], url: str = "https://www.example-news.com/2024/05/story"):
    tree = parse_text(f"<html><head>{head}</head><body>{body}{BODY}</body></html>")
    return extract_metadata(tree, url, body_start=body_start)


def test_a_title_tag_affix_is_cut_where_the_body_opens_with_the_other_side():
    """bibliothek2null.de (evaldata): the <title> alone declares the headline; the outlet's name
    "Bibliothek 2.0 und mehr" matches no declared name or host, but the extracted text opens
    with the headline, which the page prints above the article."""
    head = "<title>Alles Neue mach der Mai… | Bibliothek 2.0 und mehr</title>"
    start = ["Alles Neue mach der Mai…", "Nachdem ich mein Blog über zwei Jahre vernachlässigt hatte wird es Zeit."]
    url = "https://bibliothek2null.de/2014/05/01/alles-neue/"
    assert _meta_body(head, "", start, url).title == "Alles Neue mach der Mai…"
    assert _meta_body(head, "", [], url).title == "Alles Neue mach der Mai… | Bibliothek 2.0 und mehr"
    # a forum's tail of two parts: the head is the line, the affix is cut whole
    head = "<title>kein App Store mehr über Mobile Daten mit iOS 13 ? | iPhone | Forum</title>"
    assert _meta_body(head, "", ["kein App Store mehr über Mobile Daten mit iOS 13 ?"]).title == (
        "kein App Store mehr über Mobile Daten mit iOS 13 ?")


def test_the_body_start_cuts_nothing_a_declaration_already_says():
    """hvw-online.org (evaldata): og:title already holds the body's first line; cutting the
    <title> to it too made the <title> look like og:title's SEO copy, and the visible <h1> with
    its date and categories won. The vote decides there, as without the body."""
    head = ('<meta property="og:title" content="Zuschauerrückkehr bei den Proficlubs der Region">'
            "<title>Zuschauerrückkehr bei den Proficlubs der Region | HVW - Handballverband Württemberg e.V.</title>")
    h1 = ("<article><h1>Zuschauerrückkehr bei den Proficlubs der Region 02.02.2022 • HVW-Verband , Presse , Allgemein"
          "</h1></article>")
    start = ["Zuschauerrückkehr bei den Proficlubs der Region", "02.02.2022"]
    assert _meta_body(head, h1, start).title == "Zuschauerrückkehr bei den Proficlubs der Region"
    # a first line of one word (a section label) is no headline
    head = "<title>Korsetts | Pinup Fashion</title>"
    assert _meta_body(head, "", ["Korsetts"]).title == "Korsetts | Pinup Fashion"


def test_extract_html_gives_the_metadata_the_body_start():
    """bibliothek2null.de's shape: the post's title in a plain <h2> (no candidate), trafilatura's
    title the comment form's heading; the extracted text opens with the headline."""
    text = "Nachdem ich mein Blog über zwei Jahre vernachlässigt hatte, wird es Zeit für einen Neuanfang. " * 4
    page = ("<html><head><title>Alles Neue mach der Mai… | Bibliothek 2.0 und mehr</title></head>"
            f'<body><div class="post"><h2>\n<a href="/2014/05/18/mai/">Alles Neue mach der Mai…</a></h2>'
            f"{f'<p>{text}</p>' * 4}</div>"
            '<div id="respond"><h3 id="reply-title" class="comment-reply-title">Write a Reply or Comment</h3></div>'
            "</body></html>")
    raw = extract_html(page.encode(), "s", "u", "sha", url="https://www.bibliothek2null.de/2014/05/18/alles-neue-mach-der-mai/")
    assert isinstance(raw, RawDocument)
    assert raw.lines[0].text == "Alles Neue mach der Mai…"
    assert raw.title == "Alles Neue mach der Mai…"


def test_a_joined_h1_takes_the_separator_a_declaration_adds():
    """Tageblatt (metadata set): the <h1> is a kicker element then the headline as text; joined,
    it reads "Nationale Demo Der 9. Juli …", as do twitter:title and the <title>, which drop the
    markup; og:title, typed in the CMS, has the separator the layout shows."""
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
            '"Der 9. Juli naht: OGBL und LCGB demonstrieren Stärke"}</script>'
            '<meta property="og:title" content="Nationale Demo / Der 9. Juli naht: OGBL und LCGB demonstrieren Stärke">'
            '<meta name="twitter:title" content="Nationale Demo Der 9. Juli naht: OGBL und LCGB demonstrieren Stärke">'
            "<title>Nationale Demo Der 9. Juli naht: OGBL und LCGB demonstrieren Stärke</title>")
    h1 = "<article><h1><span>Nationale Demo</span>Der 9. Juli naht: OGBL und LCGB demonstrieren Stärke</h1></article>"
    m = _meta(head, h1)
    assert m.title == "Nationale Demo / Der 9. Juli naht: OGBL und LCGB demonstrieren Stärke"
    assert m.sources["title"] == "og:title"


def test_a_swapped_separator_or_leading_marks_are_no_restored_separator():
    """Stuttgarter Zeitung: JSON-LD " - " against og:title ":" is another spelling of one
    headline, not a separator the layout dropped: the vote's spelling stays. A blog's og:title
    "...: Tach auch!" only adds marks before the words."""
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
            '"Rückbau von Atomkraftwerk - Kühltürme von AKW Gundremmingen gesprengt"}</script>'
            '<meta property="og:title" content="Rückbau von Atomkraftwerk: Kühltürme von AKW Gundremmingen gesprengt">')
    assert _meta(head).title == "Rückbau von Atomkraftwerk - Kühltürme von AKW Gundremmingen gesprengt"
    head = '<meta property="og:title" content="...: Tach auch!"><title>Tach auch!</title>'
    assert _meta(head, "<article><h1>Tach auch!</h1></article>").title == "Tach auch!"

def test_the_comparison_key_keeps_what_isalnum_keeps():
    """_key (a regex, cached) drops exactly the characters str.isalnum() rejects, "_" included."""
    import unicodedata

    from tasks.documents.metadata import _key
    for text in ("Die FURCHE | Wien_2024", "l’Équipe — n°3 ²½", "İstanbul Ǆemal ſtraße", "١٢٣ 漢字 한국어 ‐x‑"):
        folded = unicodedata.normalize("NFKD", text.casefold())
        assert _key(text) == "".join(c for c in folded if c.isalnum())
