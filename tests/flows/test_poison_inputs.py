"""A folder of poison inputs beside good ones, through the real CLI (its own Prefect temporary
server): the good ones load, each poison input is a failure row or an article with the right text,
the run completes with rc 0, and so does the re-run that meets the same inputs again."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SEEDS

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
PARAGRAPH = ("Le conseil municipal a voté mardi soir le budget de la ville pour l'année prochaine, après "
             "un long débat sur le financement des écoles et des transports publics.")
# Python's codec registry knows these labels; no browser honours them for a page.
NOT_TEXT_ENCODINGS = ["hex", "base64", "rot13", "zlib", "undefined", "punycode"]


def _page(title: str, head: str = "") -> str:
    return (f"<html><head>{head}<title>{title}</title></head><body><article><h1>{title}</h1>"
            + f"<p>{PARAGRAPH}</p>" * 4 + "</article></body></html>")


def _text(title: str, header: str = "") -> str:
    return f"{header}{title}\nLe Courrier de Test\n\n" + "\n\n".join([PARAGRAPH.replace("mardi", day)
                                                                      for day in ("lundi", "mardi", "jeudi")])


@pytest.fixture
def poison_folder(tmp_path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    for label in NOT_TEXT_ENCODINGS:
        (folder / f"charset-{label}.html").write_text(_page(f"Budget voté ({label})", f'<meta charset="{label}">'))
    (folder / "meta-utf16.html").write_text(_page("Budget en ASCII", '<meta charset="utf-16">'))
    (folder / "utf7.html").write_text(_page("Budget +AGEA- voté", '<meta charset="utf-7">'))
    random.seed(13)
    (folder / "random.html").write_bytes(bytes(random.randrange(1, 256) for _ in range(60_000)))
    (folder / "year-one.txt").write_text(_text("Budget de l'an un", "date 0001-01-01\n"))
    (folder / "year-9999.txt").write_text(_text("Budget de l'an 9999", "date 9999-12-31\n"))
    (folder / "feb-30.txt").write_text(_text("Budget du 30 février", "date 2023-02-30\n"))
    (folder / "markup.txt").write_text(_text("Alerte [/dim] rouge [bold"))
    return folder


def _ingest(folder: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSFLOW, "ingest", str(folder), "--db", str(db)], capture_output=True, text=True,
                          env=os.environ | {"COLUMNS": "200"}, timeout=600)


def test_poison_inputs_beside_good_ones_load_the_good_ones_with_rc_0(poison_folder, tmp_path):
    db = tmp_path / "news.duckdb"
    run = _ingest(poison_folder, db)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Alerte [/dim] rouge [bold" in run.stdout     # printed as text, not as rich markup

    con = duckdb.connect(str(db), read_only=True)
    failures = dict(con.execute("SELECT regexp_extract(source_uri, '[^/]+$'), reason FROM failures").fetchall())
    assert failures == {"random.html": "not text"}
    articles = {name: (title, published, body) for name, title, published, body in con.execute(
        "SELECT regexp_extract(source_uri, '[^/]+$'), title, published_at, body FROM articles").fetchall()}
    assert len(articles) == 5 + len(NOT_TEXT_ENCODINGS) + 6
    for label in NOT_TEXT_ENCODINGS:   # decoded as the UTF-8 (ASCII) they are
        title, _, body = articles[f"charset-{label}.html"]
        assert title == f"Budget voté ({label})" and "conseil municipal a voté mardi" in body
    assert articles["meta-utf16.html"][0] == "Budget en ASCII"
    assert articles["utf7.html"][0] == "Budget +AGEA- voté"   # UTF-7 is not applied
    for name in ("year-one.txt", "year-9999.txt", "feb-30.txt"):   # not dates: undated, the marker is no title
        assert articles[name][1] is None
    assert articles["feb-30.txt"][0] == "Budget du 30 février"
    assert articles["markup.txt"][0] == "Alerte [/dim] rouge [bold"
    assert con.execute("SELECT status FROM runs").fetchall() == [("completed",)]
    con.close()

    again = _ingest(poison_folder, db)            # the poison is still there: the re-run completes too
    assert again.returncode == 0, again.stderr[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == len(articles)
    assert con.execute("SELECT list(status) FROM runs").fetchone()[0] == ["completed", "completed"]
    stories = subprocess.run([NEWSFLOW, "stories", "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert stories.returncode == 0, stories.stderr[-3000:]
