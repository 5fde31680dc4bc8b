import re

from tasks.documents.clean import (
    clean_document,
    learn_site_boilerplate,
    load_rules,
    matching_rule,
    remove_site_boilerplate,
)
from tasks.documents.read import InputFile, read_input
from tasks.models import Article, Line, RawDocument
from tests.conftest import RPM2, require, seed


def cleaned(prefix: str) -> Article:
    return clean_document(read_input(InputFile("files:test", str(seed(prefix)))))


def removed(article: Article) -> dict[str, str]:
    return {r.text: r.rule for r in article.removed}


def test_advertising_marker_removed_heading_kept():
    article = cleaned("000")
    assert removed(article)["- Publicité-"] == "advertising"
    assert "« Nous serons toujours avec la Russie »" in article.paragraphs
    assert "Publicité" not in article.body


def test_widgets_source_and_teaser_removed_headings_kept():
    article = cleaned("001")
    rules = removed(article)
    assert rules["Leave a Reply"] == "comment_widget"
    assert rules["Back to top button"] == "navigation"
    assert rules["Source"] == "source_label"
    assert rules["International"] == "section_label"
    assert rules[
        "Poutine entend renforcer la coopération entre la Russie et la Corée du Nord «sur tous les axes»"
    ] == "teaser_headline"
    for heading in ("Les relations avec la Russie, une priorité pour Kim Jong-Un",
                    "Le Kremlin balaie les «mises en garde» américaines"):
        assert heading in article.paragraphs
    assert article.paragraphs[-1].startswith("En juillet dernier, le ministre russe de la Défense")


def test_image_markers_and_captions_removed_sentences_kept():
    article = cleaned("003")
    rules = removed(article)
    assert sum(rule == "image_marker" for rule in (r.rule for r in article.removed)) == 6
    assert rules["Kim Yo Jong a également voyagé au sein de la délégation nord-coréenne"] == "image_caption"
    assert rules["Les deux hommes ont visité le cosmodrome russe Vostochny. Photo : AP"] == "image_caption"
    assert rules[next(t for t in rules if t.startswith("Dernière guerre entre l’Ukraine"))] == "teaser_headline"
    assert "Photo : AP" not in article.body and "Image:" not in article.body
    sentence = "Lors de la visite du centre spatial, M. Kim a assailli un responsable spatial russe de questions sur les fusées."
    assert sentence in article.paragraphs
    assert article.paragraphs[-1].startswith("« Le dirigeant de la RPDC montre un vif intérêt")


def test_clean_article_loses_nothing():
    article = cleaned("004")
    assert [r.rule for r in article.removed] == ["meta:date"]
    assert len(article.paragraphs) == 10


def test_every_source_line_is_body_or_removed():
    for prefix in ("000", "001", "002", "003", "004"):
        article = cleaned(prefix)
        text = seed(prefix).read_text(encoding="utf-8")
        source_lines = {i for i, line in enumerate(text.split("\n")) if line.strip()}
        accounted = set(article.line_numbers) | {r.position for r in article.removed}
        assert accounted == source_lines, prefix


def test_rules_are_data_with_per_language_patterns():
    rules = load_rules()
    assert {"advertising", "comment_widget", "navigation", "read_also", "image_marker"} <= {r.name for r in rules}
    assert matching_rule("À lire aussi : le sommet de Vladivostok", rules, "fr").name == "read_also"
    assert matching_rule("Read more: the summit in pictures", rules, "en").name == "read_also"
    assert matching_rule("Read more: the summit in pictures", rules, "fr") is None
    assert matching_rule("Publicité", rules, "fr").name == "advertising"
    assert matching_rule("La publicité est interdite sur ce site.", rules, "fr") is None
    assert matching_rule("Le président a parlé pendant deux heures.", rules, "fr") is None


def _site_article(i: int, lines: list[str]) -> Article:
    return Article(article_id=f"a{i}", source_id="s", source_uri=f"file:///a{i}", raw_sha256="x",
                   paragraphs=list(lines), removed=[], line_numbers=list(range(len(lines))),
                   site_name="Le Quotidien")


def test_lines_a_site_repeats_are_learned_as_boilerplate():
    promo = "Abonnez-vous pour 1 € le premier mois"
    batch = [_site_article(i, [f"Article {i} : le récit complet de la journée.", promo]) for i in range(3)]
    boilerplate, counts = learn_site_boilerplate(batch, prior_counts={}, min_articles=5)
    assert not boilerplate  # three articles are not enough
    prior = counts.as_prior()
    boilerplate, _ = learn_site_boilerplate(batch[:2], prior_counts=prior, min_articles=5)
    assert len(boilerplate) == 1
    article = batch[0]
    assert remove_site_boilerplate(article, boilerplate) == 1
    assert article.paragraphs == ["Article 0 : le récit complet de la journée."]
    assert [(r.rule, r.text, r.position) for r in article.removed] == [("site_repeated", promo, 1)]
    assert re.match(r"Article 0", article.body)


def _rpm2_removed() -> dict[str, list[tuple[str, str]]]:
    docs = require(RPM2 / "documents")
    found = {}
    for path in sorted(docs.glob("*.txt")):
        article = clean_document(read_input(InputFile("files:rpm2", str(path))))
        found[path.name] = [(r.rule, r.text) for r in article.removed if not r.rule.startswith("meta:")]
    return found


def test_no_real_line_of_rpm2_is_removed():
    """RPM2 holds no boilerplate: the length-only teaser rule removed 29 of its lines (ledes, lines
    introducing a list, lines wrapped mid-sentence). Only a photo caption carrying its credit
    ("(Photo Figaro)") may go, as captions go from the seeds."""
    removed = _rpm2_removed()
    assert len(removed) == 200
    lost = [(name, rule, text) for name, lines in removed.items() for rule, text in lines if rule != "photo_credit"]
    assert lost == []
    assert all(re.search(r"\(photo [^)]+\)$", text, re.I) for lines in removed.values()
               for rule, text in lines if rule == "photo_credit")


def test_who_attended_the_meeting_stays():
    docs = require(RPM2 / "documents")
    article = clean_document(read_input(InputFile("files:rpm2", str(docs / "T03_C1_05.txt"))))
    for start in ("De nouvelles dispositions concernant", "Etaient présents le Premier ministre",
                  "Christian Noyer et le directeur du Trésor", "Georges Pauget, directeur général"):
        assert any(p.startswith(start) for p in article.paragraphs), start
    assert [r.rule for r in article.removed] == ["meta:title"]


def test_a_teaser_goes_by_where_it_sits_not_by_its_length():
    """The same long headline stays in the body, goes after a "read also" label, and goes in a run
    of such lines after the body."""
    body = ["Le sommet s'est tenu mardi à Vladivostok en présence des deux délégations.",
            "Les deux dirigeants ont visité le cosmodrome avant un déjeuner officiel."]
    teaser = "Poutine entend renforcer la coopération entre la Russie et la Corée du Nord «sur tous les axes»"
    other = "La Corée du Sud dénonce un rapprochement dangereux entre Moscou et Pyongyang après le sommet"

    def clean(lines: list[str]) -> dict[str, str]:
        raw = RawDocument("s", "file:///t", "x", [Line(i, t) for i, t in enumerate(lines)], language="fr")
        return {r.text: r.rule for r in clean_document(raw).removed}

    assert clean([body[0], teaser, body[1]]) == {}
    assert clean([body[0], "À lire aussi", teaser, body[1]]) == {"À lire aussi": "read_also", teaser: "teaser_headline"}
    assert clean([*body, teaser, other]) == {teaser: "teaser_headline", other: "teaser_headline"}
    assert clean([*body, teaser]) == {}   # one last unterminated line may be the body's own
