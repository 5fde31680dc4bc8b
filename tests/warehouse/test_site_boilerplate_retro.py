"""Site boilerplate is retroactive: the articles a site's chrome line was in before it was learned
lose it too, in the batch that learns it, audited and with copies recomputed (issue 15)."""

from pathlib import Path

import duckdb
import pytest

import warehouse.load.retro as retro
from tasks.copies.fingerprint import fingerprint_paragraphs
from tasks.models import Article
from tests.conftest import RPM2, require
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.load import load_batch

SITE = "Le Courrier du Matin"
CHROME = "Retrouvez tous nos dossiers"


def _write_site(folder: Path) -> list[Path]:
    """Six articles of one site from real RPM2 texts, the chrome line at a different place in each;
    the second is an edited copy of the first (last paragraph dropped, a sentence added)."""
    docs = []
    for path in sorted(require(RPM2 / "documents").glob("T0[3-8]_C1_01.txt")):
        docs.append([x.strip() for x in path.read_text(encoding="utf-8-sig").splitlines() if x.strip()])
    docs.insert(1, docs[0][:-1] + ["Avec l'AFP et Reuters, selon nos informations recoupées."])
    folder.mkdir()
    files = []
    for i, (title, *paragraphs) in enumerate(docs[:6]):
        at = 1 + i % (len(paragraphs) - 1)
        files.append(folder / f"{i}.txt")
        files[-1].write_text("\n".join([title, *paragraphs[:at], CHROME, *paragraphs[at:]]) + "\n", encoding="utf-8")
    return files


def _load_one_per_batch(con, files: list[Path]) -> list:
    reports = []
    for batch_no, path in enumerate(files):
        (article,), failures = articles_from([path])
        assert not failures
        article.site_name = SITE
        reports.append(load_batch(con, "run1", batch_no, [article], []))
    return reports


def _paragraphs(con) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for article_id, text in con.execute("SELECT article_id, text FROM paragraphs ORDER BY article_id, position").fetchall():
        found.setdefault(article_id, []).append(text)
    return found


def test_a_line_learned_at_the_fifth_article_leaves_the_four_before(tmp_path, db_path):
    files = _write_site(tmp_path / "site")
    con = connect(db_path)
    reports = _load_one_per_batch(con, files[:4])
    before = _paragraphs(con)
    assert all(CHROME in p for p in before.values())                  # not learned yet: 4 articles
    links_before = con.execute("SELECT article_id, duplicate_of, kind FROM duplicates").fetchall()
    assert len(links_before) == 1                                      # the edited copy
    hashes_before = dict(con.execute("SELECT article_id, content_hash FROM articles").fetchall())
    # Enriched already: a quote in every paragraph, a mention of the chrome line.
    for article_id, paragraphs in before.items():
        for position, text in enumerate(paragraphs):
            con.execute("INSERT INTO quotes VALUES (?, ?, ?, 0, ?, NULL, 'enrich', NULL)",
                        [f"q_{article_id}_{position}", article_id, position, text[:20]])
            if text == CHROME:
                con.execute("INSERT INTO mentions VALUES (?, 'e_dossiers', 'dossiers', ?, 16, 'misc')",
                            [article_id, position])

    reports.append(load_batch(con, "run1", 4, _site_article(files[4]), []))
    assert reports[4].lines_removed_retroactively == 4
    assert sorted(reports[4].articles_recleaned) == sorted(before)
    assert con.execute("SELECT count(*) FROM paragraphs WHERE text = ?", [CHROME]).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM removed_lines WHERE rule = 'site_repeated' AND text = ?",
                       [CHROME]).fetchone()[0] == 5
    after = _paragraphs(con)
    for article_id, paragraphs in before.items():                     # the other paragraphs, untouched and in order
        assert after[article_id] == [p for p in paragraphs if p != CHROME]
    for article_id, body, words, content_hash in con.execute(
            "SELECT article_id, body, word_count, content_hash FROM articles").fetchall():
        assert body == "\n\n".join(after[article_id]) and CHROME not in body
        fresh = fingerprint_paragraphs(article_id, after[article_id])   # as if loaded without the line
        assert (words, content_hash) == (fresh.word_count, fresh.content_hash)
        if article_id in before:
            assert content_hash != hashes_before[article_id]
    assert con.execute("SELECT article_id, duplicate_of, kind FROM duplicates").fetchall() == links_before
    copied = con.execute("""SELECT p.text, o.text FROM copied_paragraphs c
                            JOIN paragraphs p ON p.article_id = c.article_id AND p.position = c.position
                            JOIN paragraphs o ON o.article_id = c.duplicate_of AND o.position = c.source_position"""
                         ).fetchall()
    assert len(copied) >= 3 and all(CHROME not in pair for pair in copied)
    assert con.execute("SELECT count(*) FROM internals.fingerprint_sizes").fetchone()[0] == 5
    quotes = con.execute("SELECT article_id, position, text FROM quotes").fetchall()
    assert len(quotes) == sum(len(after[article_id]) for article_id in before)   # but the chrome line's 4
    assert all(after[article_id][position].startswith(text) for article_id, position, text in quotes)
    assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == 0     # the line they were in is gone

    report = load_batch(con, "run1", 5, _site_article(files[5]), [])   # learned before: nothing stored to redo
    assert report.lines_removed_retroactively == 0 and report.lines_removed >= 1
    assert con.execute("SELECT count(*) FROM removed_lines WHERE rule = 'site_repeated' AND text = ?",
                       [CHROME]).fetchone()[0] == 6
    con.close()


def _site_article(path: Path) -> list:
    (article,), failures = articles_from([path])
    assert not failures
    article.site_name = SITE
    return [article]


def test_an_article_the_step_fails_on_is_its_own_failure(tmp_path, db_path, monkeypatch):
    files = _write_site(tmp_path / "site")
    con = connect(db_path)
    _load_one_per_batch(con, files[:4])
    (victim,) = _site_article(files[2])
    real = retro.fingerprint_article

    def fingerprint(article):
        if article.article_id == victim.article_id:
            raise ValueError("a bad paragraph")
        return real(article)

    monkeypatch.setattr(retro, "fingerprint_article", fingerprint)
    report = load_batch(con, "run1", 4, _site_article(files[4]), [])
    assert report.lines_removed_retroactively == 3 and victim.article_id not in report.articles_recleaned
    assert len(report.loaded) == 1                                     # the batch itself went through
    (failure,) = report.failures
    assert (failure.source_uri, failure.reason, failure.error_type) == (victim.source_uri, "reclean error", "ValueError")
    assert con.execute("SELECT source_uri, reason FROM failures").fetchall() == [(victim.source_uri, "reclean error")]
    assert con.execute("SELECT article_id FROM paragraphs WHERE text = ?", [CHROME]).fetchall() == [(victim.article_id,)]
    assert con.execute("SELECT count(*) FROM removed_lines WHERE rule = 'site_repeated'").fetchone()[0] == 4
    con.close()


def test_a_batch_that_fails_later_leaves_the_stored_articles_as_they_were(tmp_path, db_path, monkeypatch):
    files = _write_site(tmp_path / "site")
    con = connect(db_path)
    _load_one_per_batch(con, files[:4])
    before = _paragraphs(con), con.execute("SELECT * FROM removed_lines ORDER BY ALL").fetchall()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("warehouse.load.articles_rows.mark_batch", broken)
    with pytest.raises(RuntimeError):
        load_batch(con, "run1", 4, _site_article(files[4]), [])
    assert (_paragraphs(con), con.execute("SELECT * FROM removed_lines ORDER BY ALL").fetchall()) == before
    assert con.execute("SELECT count(*) FROM internals.site_lines WHERE articles >= 5").fetchone()[0] == 0
    con.close()


@pytest.mark.parametrize("url, site_name", [("https://WWW.Example.org/a/b", None), (None, "Le Monde"),
                                           ("https://news.example.org", ""), (None, None), ("no-scheme/x", None)])
def test_the_sql_outlet_is_the_article_outlet(url: str | None, site_name: str | None):
    con = duckdb.connect()
    expected = Article("x", "s", "u", "h", [], [], url=url, site_name=site_name).outlet
    got = con.execute(f"SELECT {retro.OUTLET_SQL} FROM (SELECT ?::VARCHAR AS url, ?::VARCHAR AS site_name)",
                      [url, site_name]).fetchone()[0]
    assert got == expected
    con.close()
