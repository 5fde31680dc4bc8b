"""`newsflow enrich` fills quotes and entities and builds the search index; `newsflow search` uses it."""

import os
import subprocess
import sys

from newsflow.cli import main, search_rows
from tests.conftest import ROOT, SEEDS
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.load import load_batch
from warehouse.search import load_fts


def con_rows(db, query: str) -> list[tuple[str, ...]]:
    with connect(db, read_only=True) as con:
        load_fts(con)
        return search_rows(con, query, 20)


def test_enrich_then_search(tmp_path, capsys):
    db = tmp_path / "news.duckdb"
    con = connect(db)
    articles, failures = articles_from([SEEDS])
    load_batch(con, "r1", 0, articles, failures)
    con.close()
    assert main(["search", "missile", "--db", str(db)]) == 1                 # no index before enrichment
    assert "newsflow enrich" in capsys.readouterr().err
    assert main(["enrich", "--db", str(db)]) == 0
    printed = capsys.readouterr()
    assert "5 articles enriched" in printed.out and "enriching" not in printed.err   # no bar off a terminal
    assert main(["search", "missile", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Vladimir Poutine accueille Kim Jong-Un" in out
    # Untitled articles (two of the three hits) show their id, file name and first words, never NULL;
    # dates at their precision (the seeds know the month only).
    assert "NULL" not in out and "None" not in out
    hits = con_rows(db, "missile")
    assert len(hits) == 3 and all(all(cell for cell in hit) for hit in hits)
    assert {hit[1] for hit in hits} <= set(out.split())
    assert {"003_cb0cc9f21df14eb2.txt", "004_fb521709f6e19025.txt"} <= set(out.split())
    assert "2023-09 " in out and "2023-09-01" not in out and "undated" in out
    assert "Kim Jong Un a promis son soutien" in out          # an untitled article's first words
    assert main(["search", "xyzzy", "--db", str(db)]) == 0
    assert "No article matches 'xyzzy'" in capsys.readouterr().out
    assert main(["enrich", "--db", str(db)]) == 0
    assert "0 articles enriched" in capsys.readouterr().out

    # --safe locks the settings with external access off: the search() macro still works, with
    # the fts extension from the package, not installed in ~/.duckdb (HOME is a fresh folder here).
    home = tmp_path / "home"
    home.mkdir()
    safe = subprocess.run([sys.executable, "-m", "newsflow.cli", "sql", "--safe", "--db", str(db),
                           "SELECT article_id FROM search('missile') ORDER BY score DESC"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(home)})
    assert safe.returncode == 0, safe.stderr
    assert [hit[1] for hit in hits] == [line.strip("│ ") for line in safe.stdout.splitlines()
                                        if line.strip("│ ") in {hit[1] for hit in hits}]
    assert not any(home.iterdir())   # nothing installed, nothing written


def test_enrich_shows_a_progress_bar_on_a_terminal(tmp_path):
    """On a TTY (a real pseudo-terminal as stderr) `newsflow enrich` draws its bar; on a pipe it stays quiet."""
    import pty

    db = tmp_path / "news.duckdb"
    con = connect(db)
    articles, failures = articles_from(sorted(SEEDS.glob("00[12]_*.txt")))
    load_batch(con, "r1", 0, articles, failures)
    con.close()
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm", "COLUMNS": "100"}
    proc = subprocess.Popen([sys.executable, "-m", "newsflow.cli", "enrich", "--db", str(db)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:   # the terminal closed: the command ended
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0
    assert b"enriching" in drawn and b"/2" in drawn   # the bar, with its total
    assert "2 articles enriched" in out.decode()
