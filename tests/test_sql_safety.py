"""Hostile strings are stored literally (values always go through parameters or Arrow), and
`newsflow sql --safe` cannot reach files or the network."""

import pytest

from newsflow.cli import main
from tasks.models import Article
from warehouse.db import connect
from warehouse.load import load_batch

PAYLOADS = [
    "'; DROP TABLE articles; --",
    "x' || (SELECT content FROM read_text('/etc/passwd')) || '",
    "Robert'); DELETE FROM stories; --",
    "\"quoted\" and `backticks` and $1 and ? and %s",
]


@pytest.fixture
def hostile_db(tmp_path):
    db = tmp_path / "news.duckdb"
    con = connect(db)
    articles = [Article(f"id{i}", "files:/hostile", f"https://example.org/{p}", f"sha{i}",
                        [f"Paragraphe numéro {i} qui contient {p} et assez de mots pour compter."], [], [0],
                        title=p, site_name=p, url=f"https://example.org/a?q={p}")
                for i, p in enumerate(PAYLOADS)]
    load_batch(con, "r1", 0, articles, [])
    con.close()
    return db


def test_payloads_are_stored_literally(hostile_db):
    con = connect(hostile_db, read_only=True)
    assert sorted(t for (t,) in con.execute("SELECT title FROM articles").fetchall()) == sorted(PAYLOADS)
    assert con.execute("SELECT count(*) FROM stories").fetchone()[0] >= 1
    assert all(p in body for p, (body,) in zip(PAYLOADS, con.execute("SELECT body FROM articles ORDER BY article_id").fetchall(),
                                               strict=True))
    con.close()


@pytest.mark.parametrize("query", [
    "SELECT * FROM read_text('/etc/passwd')",
    "COPY articles TO '/tmp/newsflow-leak.csv'",
    "ATTACH '/tmp/other.duckdb' AS other",
    "SELECT * FROM read_csv('https://example.org/x.csv')",
    "SET enable_external_access = true",
])
def test_safe_mode_refuses_file_and_network_access(hostile_db, query, capsys):
    assert main(["sql", "--safe", query, "--db", str(hostile_db)]) == 1
    assert "newsflow:" in capsys.readouterr().err


def test_safe_mode_still_answers_questions(hostile_db, capsys):
    assert main(["sql", "--safe", "SELECT count(*) AS n FROM articles", "--db", str(hostile_db)]) == 0
    assert "4" in capsys.readouterr().out
    assert main(["sql", "SELECT count(*) FROM read_text('/etc/passwd')", "--db", str(hostile_db)]) == 0  # trusted
