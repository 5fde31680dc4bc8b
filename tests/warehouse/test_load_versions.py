"""Article versions through load_batch, on real DuckDB files: a changed file is version 2 with its
paragraph diff, the same text again is unchanged, copies follow the latest text and the story is
kept, and migration 015 makes every stored article its version 1."""

import shutil
from datetime import timedelta

import pytest

from tasks.documents.article import article_from_file
from tasks.documents.read import discover_files
from tasks.models import Article
from tests.conftest import SEEDS, seed
from tests.helpers import articles_from
from warehouse.db import connect, migrate
from warehouse.enrich import enrich_pending
from warehouse.load import load_batch
from warehouse.load.web import DueRecheck, due_rechecks

TITLE = "Vladimir Poutine accueille Kim Jong-Un au cosmodrome Vostochny"
OLD = "Le dirigeant coréen a déclaré que les relations avec la Russie étaient désormais"
NEW_PARAGRAPH = ("Mise à jour : à l'issue de la rencontre, le Kremlin a annoncé que Vladimir Poutine avait accepté "
                 "l'invitation à se rendre en Corée du Nord, sans préciser de date.")


def load(con, run_id: str, path) -> object:
    """Read the files as the flow does (with their raw bytes, for raw_pages) and load them in one batch."""
    items, failures = discover_files([str(path)])
    results = [article_from_file(item) for item in items]
    articles = [r for r in results if isinstance(r, Article)]
    return load_batch(con, run_id, 0, articles, failures + [r for r in results if not isinstance(r, Article)])


def edited(text: str) -> str:
    """Seed 001 after an update: a new headline, one paragraph rewritten, one added at the end."""
    text = text.replace(TITLE, "Kim Jong-Un invite Vladimir Poutine en Corée du Nord")
    text = text.replace(OLD, "Selon l'agence TASS, le dirigeant coréen a déclaré que les relations avec la Russie étaient")
    return text.rstrip("\n") + "\n\n" + NEW_PARAGRAPH + "\n"


@pytest.fixture
def loaded_seed(db_path, tmp_path):
    """Seed 001 copied to a file of its own and loaded as run1: (connection, path, original text)."""
    path = tmp_path / "article.txt"
    original = seed("001").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    con = connect(db_path)
    load(con, "run1", path)
    return con, path, original


def test_a_changed_file_becomes_version_2_with_its_diff_and_articles_shows_it(loaded_seed):
    con, path, original = loaded_seed
    (article_id, v1_paragraphs), = con.execute("SELECT article_id, paragraphs FROM article_versions").fetchall()
    old_paragraph = con.execute("SELECT position, text FROM paragraphs WHERE starts_with(text, ?)", [OLD]).fetchone()

    path.write_text(edited(original), encoding="utf-8")
    report = load(con, "run2", path)
    assert report.updated == [article_id] and report.failures == [] and report.outcomes == {article_id: "updated"}
    assert con.execute("SELECT article_id, version, title FROM articles").fetchall() == [
        (article_id, 2, "Kim Jong-Un invite Vladimir Poutine en Corée du Nord")]
    assert NEW_PARAGRAPH in con.execute("SELECT body FROM articles").fetchone()[0]
    assert con.execute("SELECT count(*) FROM paragraphs").fetchone()[0] == v1_paragraphs + 1
    diff = con.execute("SELECT diff, paragraphs_added, paragraphs_removed FROM article_versions WHERE version = 2"
                       ).fetchone()
    assert [(c["op"], c["position"]) for c in diff[0]] == [
        ("removed", old_paragraph[0]), ("added", old_paragraph[0]), ("added", v1_paragraphs)]
    assert diff[0][0]["text"] == old_paragraph[1] and diff[0][2]["text"] == NEW_PARAGRAPH
    assert diff[1:] == (2, 1)
    change = con.execute("""SELECT from_version, to_version, old_title, new_title, title_changed,
                                   paragraphs_added, paragraphs_removed, run_id, detected_at > previous_fetched_at
                            FROM article_changes""").fetchall()
    assert change == [(1, 2, TITLE, "Kim Jong-Un invite Vladimir Poutine en Corée du Nord", True, 2, 1, "run2", True)]
    # Version 1 is kept as it was; the new bytes are stored for reextract; the content hash is the body's.
    assert con.execute("SELECT version, title, run_id FROM article_versions ORDER BY version").fetchall() == [
        (1, TITLE, "run1"), (2, "Kim Jong-Un invite Vladimir Poutine en Corée du Nord", "run2")]
    assert con.execute("""SELECT count(*) FROM article_versions v JOIN articles a USING (article_id)
                          WHERE v.version = 2 AND v.content_sha256 = sha256(a.body) AND v.raw_sha256 = a.raw_sha256
                          AND a.raw_sha256 IN (SELECT sha256 FROM raw_pages)""").fetchone()[0] == 1

    # The same text again (same bytes, or other bytes around the same text) adds no version.
    assert load(con, "run3", path).outcomes == {article_id: "unchanged"}
    path.write_text(edited(original) + "\n\n\n", encoding="utf-8")
    assert load(con, "run4", path).outcomes == {article_id: "unchanged"}
    assert con.execute("SELECT max(version), count(*) FROM article_versions").fetchone() == (2, 2)

    # A third text is diffed against the second.
    path.write_text(edited(original).replace(NEW_PARAGRAPH + "\n", ""), encoding="utf-8")
    load(con, "run5", path)
    assert con.execute("SELECT version FROM articles").fetchone() == (3,)
    assert con.execute("SELECT [(c.op, c.position) FOR c IN diff] FROM article_versions WHERE version = 3"
                       ).fetchone()[0] == [("removed", v1_paragraphs)]


def test_a_headline_change_alone_is_a_version_with_an_empty_diff(loaded_seed):
    con, path, original = loaded_seed
    path.write_text(original.replace(TITLE, "Poutine reçoit Kim au cosmodrome"), encoding="utf-8")
    load(con, "run2", path)
    assert con.execute("SELECT to_version, old_title, new_title, paragraphs_added, paragraphs_removed "
                       "FROM article_changes").fetchall() == [(2, TITLE, "Poutine reçoit Kim au cosmodrome", 0, 0)]
    assert con.execute("SELECT diff FROM article_versions WHERE version = 2").fetchone() == ([],)


def test_copies_follow_the_latest_version_and_the_story_is_kept(db_path, tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    con = connect(db_path)
    load(con, "run1", folder)
    (copy_id, original_id), = con.execute("SELECT article_id, duplicate_of FROM duplicates").fetchall()
    story = con.execute("SELECT story_id FROM story_articles WHERE article_id = ?", [copy_id]).fetchone()
    copy_path = con.execute("SELECT source_uri FROM articles WHERE article_id = ?", [copy_id]).fetchone()[0]
    fingerprints = con.execute("SELECT count(*) FROM internals.fingerprints WHERE article_id = ?", [copy_id]).fetchone()
    path = folder / copy_path.rsplit("/", 1)[1]
    # The copy is rewritten from scratch: no paragraph of the original is left in it.
    title = path.read_text(encoding="utf-8").splitlines()[1]
    path.write_text(title + "\n" + "\n\n".join(
        f"Paragraphe {i} entièrement nouveau sur la rencontre, rédigé par la rédaction après coup, "
        f"avec des détails inédits sur le programme spatial et la délégation numéro {i}." for i in range(5)) + "\n",
        encoding="utf-8")
    report = load(con, "run2", folder)
    assert report.updated == [copy_id] and report.unchanged == 4
    assert con.execute("SELECT count(*) FROM duplicates").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM copied_paragraphs").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM internals.fingerprints WHERE article_id = ?", [copy_id]).fetchone() \
        != fingerprints
    assert con.execute("SELECT story_id FROM story_articles WHERE article_id = ?", [copy_id]).fetchone() == story
    assert con.execute("SELECT article_count FROM stories").fetchone() == (5,)
    # Back to the copied text: version 3, and the copy link is found again.
    shutil.copy(SEEDS / path.name, path)
    load(con, "run3", folder)
    assert con.execute("SELECT version FROM articles WHERE article_id = ?", [copy_id]).fetchone() == (3,)
    assert con.execute("SELECT article_id, duplicate_of FROM duplicates").fetchall() == [(copy_id, original_id)]


def test_migration_015_makes_every_stored_article_its_version_1(db_path):
    con = connect(db_path)
    articles, failures = articles_from([SEEDS])
    load_batch(con, "run1", 0, articles, failures)
    expected = con.execute("""SELECT article_id, 1, ingested_at, run_id, raw_sha256, sha256(body), title, word_count
                              FROM articles ORDER BY article_id""").fetchall()
    # The warehouse as migration 014 left it, with these articles in it.
    con.execute("DROP VIEW article_changes")
    con.execute("DROP TABLE article_versions")
    con.execute("DROP TABLE article_checks")
    con.execute("ALTER TABLE articles DROP COLUMN version")
    con.execute("DELETE FROM schema_migrations WHERE version = 15")
    assert migrate(con) == [15]
    assert con.execute("""SELECT article_id, version, fetched_at, run_id, raw_sha256, content_sha256, title, word_count
                          FROM article_versions ORDER BY article_id""").fetchall() == expected
    assert con.execute("""SELECT count(*) FROM article_versions v WHERE diff IS NULL AND paragraphs_added IS NULL
                          AND paragraphs = (SELECT count(*) FROM paragraphs p WHERE p.article_id = v.article_id)
                          """).fetchone()[0] == 5
    assert con.execute("SELECT DISTINCT version FROM articles").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM article_changes").fetchone()[0] == 0


def test_rechecks_are_due_for_recent_web_articles_only(db_path):
    con = connect(db_path)
    articles, failures = articles_from([SEEDS])
    load_batch(con, "run1", 0, articles, failures)
    now = con.execute("SELECT max(ingested_at) FROM articles").fetchone()[0] + timedelta(hours=2)
    assert due_rechecks(con, [1, 6], now, 30) == []   # file inputs are read again by ingest, not fetched
    web_ids = sorted(a.article_id for a in articles)[:2]
    con.execute("UPDATE articles SET source_id = 'url:http://127.0.0.1/a', source_uri = 'http://127.0.0.1/' || article_id "
                "WHERE article_id IN (?, ?)", web_ids)
    con.execute("UPDATE articles SET ingested_at = ingested_at - INTERVAL 100 HOUR WHERE article_id = ?", [web_ids[1]])
    assert due_rechecks(con, [1, 6], now, 30) == [
        DueRecheck(web_ids[0], "url:http://127.0.0.1/a", f"http://127.0.0.1/{web_ids[0]}", 1.0)]


def test_a_new_version_is_enriched_again_from_its_new_paragraphs(db_path, tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    con = connect(db_path)
    load(con, "run1", folder)
    enrich_pending(con, "enrich1")
    (path,) = folder.glob("001_*.txt")
    article_id = con.execute("SELECT article_id FROM articles WHERE source_uri LIKE '%/001_%'").fetchone()[0]
    assert con.execute("SELECT count(*) FROM mentions WHERE article_id = ?", [article_id]).fetchone()[0] > 0
    path.write_text(edited(path.read_text(encoding="utf-8")), encoding="utf-8")
    load(con, "run2", folder)
    # Quotes and mentions pointed at the old paragraphs: gone, and the article is pending again.
    for table in ("quotes", "mentions", "internals.enriched"):
        assert con.execute(f"SELECT count(*) FROM {table} WHERE article_id = ?", [article_id]).fetchone()[0] == 0
    assert enrich_pending(con, "enrich2").articles == 1
    assert con.execute("""SELECT count(*) FROM mentions m JOIN paragraphs p USING (article_id, position)
                          WHERE m.article_id = ? AND p.text = ?""", [article_id, NEW_PARAGRAPH]).fetchone()[0] > 0
