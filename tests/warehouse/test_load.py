import duckdb
import pytest

from tasks.models import Failure
from tests.conftest import SEEDS, seed
from tests.helpers import articles_from
from warehouse.db import connect, migrate, migrations
from warehouse.load import load_batch

TABLES = {"runs", "batches", "sources", "articles", "paragraphs", "removed_lines", "duplicates", "copied_paragraphs",
          "stories", "story_articles", "failures", "schema_migrations", "pages", "raw_pages", "quotes", "entities",
          "mentions", "article_authors", "metadata_sources", "article_versions", "article_checks", "snapshot_info",
          "story_events", "story_aliases"}


def count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_migrations_create_documented_tables(db_path):
    con = connect(db_path)
    tables = {t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    assert tables == TABLES
    undocumented = con.execute("""
        SELECT table_name || '.' || column_name FROM duckdb_columns()
        WHERE schema_name = 'main' AND NOT internal AND table_name <> 'schema_migrations'
              AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main')
              AND comment IS NULL""").fetchall()
    assert undocumented == []
    views = dict(con.execute(
        "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal").fetchall())
    assert set(views) == {"passage_reuse", "story_overview", "outlet_originality", "articles_per_day", "quotes_per_speaker",
                          "article_changes"}
    assert all(views.values())
    assert [v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()] == [
        v for v, _, _ in migrations()]
    assert migrate(con) == []  # idempotent


def test_seeds_load_into_the_expected_rows(db_path):
    con = connect(db_path)
    articles, failures = articles_from([SEEDS])
    report = load_batch(con, "run1", 0, articles, failures)
    assert len(report.loaded) == 5 and not report.failures
    assert count(con, "articles") == 5
    assert count(con, "stories") == 1 and count(con, "story_articles") == 5
    assert con.execute("SELECT article_count, outlet_count, title FROM stories").fetchone() == (
        5, 1, "Vladimir Poutine accueille Kim Jong-Un au cosmodrome Vostochny")
    dup = con.execute("""
        SELECT regexp_extract(a.source_uri, '(\\d{3})_', 1), regexp_extract(o.source_uri, '(\\d{3})_', 1), d.kind
        FROM duplicates d JOIN articles a USING (article_id) JOIN articles o ON o.article_id = d.duplicate_of
    """).fetchall()
    assert dup == [("002", "000", "near")]
    assert count(con, "copied_paragraphs") == 3
    row = con.execute("""SELECT title, site_name, image_url IS NOT NULL, published_at, published_precision, language
                         FROM articles WHERE source_uri LIKE '%/002_%'""").fetchone()
    assert row == ("Kim prône un grand rapprochement avec Moscou lors de sa rencontre avec Poutine",
                   "Le Journal de Montréal", True, None, None, "fr")
    assert con.execute("SELECT published_precision FROM articles WHERE source_uri LIKE '%/000_%'").fetchone() == ("month",)
    # paragraphs and body agree; removed lines are recorded with their rule
    assert con.execute("""SELECT count(*) FROM articles a WHERE body <>
        (SELECT string_agg(text, chr(10) || chr(10) ORDER BY position) FROM paragraphs p
         WHERE p.article_id = a.article_id)""").fetchone()[0] == 0
    assert con.execute("SELECT rule FROM removed_lines WHERE text = 'Leave a Reply'").fetchone() == ("comment_widget",)
    assert count(con, "batches") == 1


def test_reloading_adds_nothing_and_keeps_ids(db_path):
    con = connect(db_path)
    articles, _ = articles_from([SEEDS])
    load_batch(con, "run1", 0, articles, [])
    before = con.execute("SELECT article_id, story_id FROM story_articles ORDER BY 1").fetchall()
    tables = ["articles", "paragraphs", "removed_lines", "duplicates", "stories", "internals.fingerprints"]
    counts = {t: count(con, t) for t in tables}
    again, _ = articles_from([SEEDS])
    report = load_batch(con, "run2", 0, again, [])
    assert report.loaded == [] and report.unchanged == 5
    assert {t: count(con, t) for t in tables} == counts
    assert con.execute("SELECT article_id, story_id FROM story_articles ORDER BY 1").fetchall() == before


def test_second_batch_joins_existing_story_and_finds_copy_in_warehouse(db_path):
    con = connect(db_path)
    first, _ = articles_from([seed("000"), seed("001"), seed("003")])
    load_batch(con, "run1", 0, first, [])
    second, _ = articles_from([seed("002"), seed("004")])
    report = load_batch(con, "run2", 0, second, [])
    assert report.stories_created == set() and len(report.stories_grown) == 1
    assert [(lk.kind, lk.duplicate_of) for lk in report.links] == [("near", first[0].article_id)]
    assert count(con, "stories") == 1
    assert con.execute("SELECT article_count FROM stories").fetchone() == (5,)


def test_error_mid_batch_rolls_back_everything(db_path, monkeypatch):
    con = connect(db_path)
    articles, _ = articles_from([SEEDS])
    import warehouse.load.stories as load_module

    def broken_write_stories(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(load_module, "write_stories", broken_write_stories)
    with pytest.raises(RuntimeError, match="disk on fire"):
        load_batch(con, "run1", 0, articles, [])
    for table in ["articles", "paragraphs", "removed_lines", "duplicates", "story_articles", "batches",
                  "internals.fingerprints", "internals.term_df"]:
        assert count(con, table) == 0, table
    monkeypatch.undo()
    report = load_batch(con, "run2", 0, articles, [])  # the connection is usable, the batch loads whole
    assert len(report.loaded) == 5


def test_constraint_violation_rolls_back(db_path):
    con = connect(db_path)
    articles, _ = articles_from([SEEDS])
    load_batch(con, "run1", 0, articles[:2], [])
    with pytest.raises(duckdb.ConstraintException):
        load_batch(con, "run1", 0, articles[2:], [])  # same (run, batch) marker: primary key violation
    assert count(con, "articles") == 2


def test_changed_input_becomes_version_2_not_a_duplicate(db_path, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(seed("004").read_text(encoding="utf-8"), encoding="utf-8")
    con = connect(db_path)
    first, _ = articles_from([path])
    load_batch(con, "run1", 0, first, [])
    path.write_text(seed("003").read_text(encoding="utf-8"), encoding="utf-8")
    second, _ = articles_from([path])
    report = load_batch(con, "run2", 0, second, [])
    assert report.failures == [] and report.updated == [first[0].article_id] and report.loaded == []
    assert count(con, "articles") == 1 and count(con, "failures") == 0
    assert con.execute("SELECT version, body FROM articles").fetchone() == (2, second[0].body)
    assert con.execute("SELECT version, run_id FROM article_versions ORDER BY version").fetchall() == [
        (1, "run1"), (2, "run2")]


def test_failures_are_stored_with_source(db_path):
    con = connect(db_path)
    failure = Failure("files:/x", "file:///x/bad.txt", "read", "empty file")
    load_batch(con, "run1", 0, [], [failure])
    assert con.execute("SELECT source_uri, stage, reason FROM failures").fetchall() == [
        ("file:///x/bad.txt", "read", "empty file")]
    assert con.execute("SELECT kind, uri FROM sources").fetchall() == [("files", "file:///x")]


def test_payloads_are_stored_literally(db_path, tmp_path):
    evil = "Titre'); DROP TABLE articles; -- read_text('/etc/passwd')"
    path = tmp_path / "evil.txt"
    path.write_text(f"{evil}\nLe corps de l'article ' \" ; DROP TABLE stories; -- est bien là.\n", encoding="utf-8")
    con = connect(db_path)
    articles, _ = articles_from([path])
    load_batch(con, "run1", 0, articles, [])
    assert con.execute("SELECT title FROM articles").fetchone() == (evil,)
    assert count(con, "stories") == 1


def test_constraint_violation_mid_batch_rolls_everything_back(db_path, monkeypatch):
    """Articles and paragraphs are already inserted when a later statement of the batch violates
    a primary key: the whole batch is rolled back, and the connection stays usable."""
    import warehouse.load.stories as load_module

    articles, failures = articles_from([SEEDS])
    con = connect(db_path)
    real = load_module.write_stories

    def violating(con, *args):
        con.execute("INSERT INTO batches VALUES ('r1', 0, now(), 0, 0)")
        con.execute("INSERT INTO batches VALUES ('r1', 0, now(), 0, 0)")   # duplicate key
        return real(con, *args)

    monkeypatch.setattr(load_module, "write_stories", violating)
    with pytest.raises(duckdb.ConstraintException):
        load_batch(con, "r1", 0, articles, failures)
    for table in ("articles", "paragraphs", "removed_lines", "batches", "story_articles", "internals.fingerprints"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    monkeypatch.setattr(load_module, "write_stories", real)
    assert len(load_batch(con, "r1", 0, articles, failures).loaded) == 5
    con.close()
