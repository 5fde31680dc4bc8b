"""Per-site learned boilerplate removes chrome, never a site's shared sentences (issue 13)."""

from pathlib import Path

from tasks.documents.clean import is_chrome_line
from tests.conftest import RPM2, require
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.load import load_batch

SITE = "Le Courrier du Matin"
# A real 24-word sentence of the RPM2 corpus (T01_C1_10), shared by all 300 articles.
SENTENCE = ("Jimmy Carter, aux Etats-Unis, a perdu des élections pour avoir échoué dans une tentative de "
            "libérer par la force les otages américains de Téhéran.")
CHROME = ["Accueil > International", "Newsletter", "Partager", "Publicité", "Lire la suite"]


def _documents() -> list[list[str]]:
    docs = []
    for path in sorted(require(RPM2 / "documents").glob("T0[2-9]_*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
        if len(lines) >= 5:
            docs.append(lines)
    return docs


def _write_site(folder: Path, n: int) -> None:
    """n articles of one site from real RPM2 text: every one different (two documents mixed), all
    with the shared sentence and the site's chrome around and inside the text."""
    docs = _documents()
    folder.mkdir()
    for i in range(n):
        a, b = docs[i % len(docs)], docs[(i % len(docs) + 1 + i // len(docs)) % len(docs)]
        lines = [a[0], CHROME[0], a[1], CHROME[1], a[2], SENTENCE, CHROME[2], b[1], b[2], CHROME[3], b[3],
                 CHROME[4]]
        (folder / f"{i:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _load_as_site(con, folder: Path, batch_size: int) -> None:
    articles, failures = articles_from([folder])
    assert not failures
    for article in articles:
        article.site_name = SITE    # any source can claim a site's name
    for batch_no, start in enumerate(range(0, len(articles), batch_size)):
        load_batch(con, "run1", batch_no, articles[start:start + batch_size], [])


def test_a_sentence_300_articles_share_is_kept_and_chrome_removed(tmp_path, db_path):
    _write_site(tmp_path / "site", 300)
    con = connect(db_path)
    _load_as_site(con, tmp_path / "site", batch_size=100)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 300
    assert con.execute("SELECT count(DISTINCT article_id) FROM paragraphs WHERE text = ?", [SENTENCE]).fetchone()[0] == 300
    assert con.execute("SELECT count(*) FROM removed_lines WHERE text = ?", [SENTENCE]).fetchone()[0] == 0
    for line in CHROME:   # removed from every article, by a line rule or as the site's boilerplate
        assert con.execute("SELECT count(*) FROM paragraphs WHERE text = ?", [line]).fetchone()[0] == 0, line
    learned = dict(con.execute("SELECT text, count(*) FROM removed_lines WHERE rule = 'site_repeated' GROUP BY ALL"
                               ).fetchall())
    assert {line: learned.get(line) for line in ("Accueil > International", "Newsletter", "Lire la suite")} == {
        "Accueil > International": 300, "Newsletter": 300, "Lire la suite": 300}
    # What else was learned is short chrome-shaped text of the real documents (datelines such as
    # "PARIS (Reuters) -"), never a sentence.
    assert all(is_chrome_line(text) for text in learned), learned


def test_copies_of_one_text_teach_the_site_no_boilerplate(tmp_path, db_path):
    """Ten copies of one article under one site name: its short lines recur, but always next to the
    same text, so they are that article's content, not the site's chrome."""
    doc = _documents()[0]
    subhead = "Les réactions"
    folder = tmp_path / "copies"
    folder.mkdir()
    for i in range(10):
        (folder / f"{i}.txt").write_text("\n".join([doc[0], doc[1], subhead, *doc[2:5]]) + "\n", encoding="utf-8")
    con = connect(db_path)
    _load_as_site(con, folder, batch_size=5)
    assert con.execute("SELECT count(*) FROM removed_lines WHERE rule = 'site_repeated'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM paragraphs WHERE text = ?", [subhead]).fetchone()[0] == 10
