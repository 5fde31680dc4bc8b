import gzip
from datetime import datetime

from tasks.documents.read import InputFile, decode_text, discover_files, parse_date_marker, read_input
from tasks.models import Failure
from tests.conftest import SEEDS, seed


def read(path):
    return read_input(InputFile("files:test", str(path)))


def test_date_marker_gives_month_precision_and_leaves_the_lede():
    doc = read(seed("000"))
    assert doc.published_at == datetime(2023, 9, 1)
    assert doc.published_precision == "month"
    assert doc.title is None  # the first line is a lede sentence, not a headline
    assert doc.lines[0].text.startswith("Les présidents nord-coréen Kim Jong Un")
    assert ("meta:date", "date 2023-09") in {(r.rule, r.text) for r in doc.removed}


def test_date_marker_precisions():
    assert parse_date_marker("date 2023-09-13 Texte")[:2] == (datetime(2023, 9, 13), "day")
    assert parse_date_marker("date 2023 Texte")[:2] == (datetime(2023, 1, 1), "year")
    # An impossible or implausible date is still the marker (never the title), but gives no date.
    assert parse_date_marker("date 2023-13 Texte") == (None, None, "date 2023-13")
    assert parse_date_marker("date 2023-02-30") == (None, None, "date 2023-02-30")
    assert parse_date_marker("date 0001-01-01")[:2] == parse_date_marker("date 9999-12-31")[:2] == (None, None)
    assert parse_date_marker("Le 9 septembre") is None


def test_markdown_image_title_and_site_name():
    doc = read(seed("002"))
    assert doc.image_url.startswith("https://m1.quebecormedia.com/emp/emp/0234a1c0")
    assert doc.title == "Kim prône un grand rapprochement avec Moscou lors de sa rencontre avec Poutine"
    assert doc.site_name == "Le Journal de Montréal"
    assert doc.lines[0].text.startswith("Le dirigeant nord-coréen Kim Jong Un a qualifié mercredi")
    assert not any(line.text.startswith("![") for line in doc.lines)


def test_section_label_then_title():
    doc = read(seed("001"))
    assert doc.section == "International"
    assert doc.title == "Vladimir Poutine accueille Kim Jong-Un au cosmodrome Vostochny"
    assert doc.site_name is None  # the line after the title is a sentence
    assert doc.lines[0].text.startswith("Se rendant en Russie")


def test_discover_walks_folders_sorted_and_reports_missing_paths(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("x")
    (tmp_path / "a.html.gz").write_bytes(b"")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("x")
    items, failures = discover_files([str(tmp_path), str(tmp_path / "nope"), str(tmp_path / "notes.pdf")])
    assert [i.path.rsplit("/", 1)[1] for i in items] == ["a.html.gz", "b.txt"]
    assert [f.reason for f in failures] == ["missing path", "unsupported file type"]


def test_discover_dedupes_a_file_named_twice():
    items, _ = discover_files([str(SEEDS), str(seed("000"))])
    assert len(items) == 5


def test_bad_files_become_failures_with_reasons(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"  \n")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    undecodable = tmp_path / "undecodable.txt"
    undecodable.write_bytes(bytes(range(128, 256)) * 8 + b"\x01\x02")
    bad_gz = tmp_path / "broken.html.gz"
    bad_gz.write_bytes(b"\x1f\x8bnot really gzip")
    results = {p.name: read(p) for p in (empty, binary, undecodable, bad_gz)}
    assert all(isinstance(r, Failure) for r in results.values())
    assert results["empty.txt"].reason == "empty file"
    assert results["binary.txt"].reason == "undecodable bytes"
    assert results["undecodable.txt"].reason == "undecodable bytes"
    assert results["broken.html.gz"].reason == "bad gzip file"


def test_windows_1252_text_keeps_french_characters():
    text = "Le président a dit « déjà » l’été."
    assert decode_text(text.encode("cp1252")) == text
    assert decode_text(("\ufeff" + text).encode("utf-8")) == text


def test_gzipped_html_goes_through_trafilatura(tmp_path):
    html = (
        "<html lang='fr'><head><title>Sommet à Vostotchny</title>"
        "<meta property='og:site_name' content='Le Quotidien'></head><body><nav>Accueil</nav>"
        "<article><h1>Sommet à Vostotchny</h1>"
        + "".join(f"<p>Paragraphe {i} du compte rendu de la rencontre entre les deux dirigeants, "
                  f"qui ont parlé de coopération pendant de longues heures.</p>" for i in range(6))
        + "</article></body></html>"
    )
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(html.encode()))
    doc = read(path)
    assert not isinstance(doc, Failure)
    assert doc.title == "Sommet à Vostotchny"
    assert doc.site_name == "Le Quotidien"
    assert any("Paragraphe 3 du compte rendu" in line.text for line in doc.lines)
    assert not any(line.text == "Accueil" for line in doc.lines)


def test_html_without_text_is_a_failure(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><body><script>var x = 1;</script></body></html>")
    result = read(path)
    assert isinstance(result, Failure) and result.reason == "no content"


def test_date_marker_keeps_a_time_and_its_offset(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("date 2023-09-13T07:05+02:00 Le Conseil a voté le budget.\n\nLe budget a été voté hier soir.\n",
                    encoding="utf-8")
    doc = read(path)
    assert (doc.published_at, doc.published_offset, doc.published_precision) == (datetime(2023, 9, 13, 5, 5), 120, "minute")
    assert doc.metadata_sources == {"published_at": "text:date"}
    assert doc.lines[0].text.startswith("Le Conseil a voté")
    # No offset: the wall time as written, offset None; a bare number after the day is text.
    assert parse_date_marker("date 2023-09-13 07:05:30 Texte")[:2] == (datetime(2023, 9, 13, 7, 5, 30), "second")
    assert parse_date_marker("date 2023-09-13 12 morts")[:2] == (datetime(2023, 9, 13), "day")
