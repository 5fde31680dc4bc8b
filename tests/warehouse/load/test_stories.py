"""The story headline: the most central of its articles' headlines, not the first one's; the per-batch
silhouette cut over one article per copy group."""

from datetime import datetime
from pathlib import Path

import duckdb

from tasks.stories import consolidation
from tests.conftest import RPM2, SEEDS, require
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.load import load_batch
from warehouse.load import stories as stories_stage
from warehouse.load.stories import story_aggregates


def _aggregates(rows: list[tuple]) -> dict[str, tuple]:
    con = duckdb.connect()
    con.execute("CREATE TABLE story_articles (story_id VARCHAR, article_id VARCHAR)")
    con.execute("""CREATE TABLE articles (article_id VARCHAR, title VARCHAR, published_at TIMESTAMP,
                   ingested_at TIMESTAMP, source_uri VARCHAR, site_name VARCHAR, url VARCHAR)""")
    for i, (story, title, day, site) in enumerate(rows):
        con.execute("INSERT INTO story_articles VALUES (?, ?)", [story, f"a{i}"])
        con.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, NULL)",
                    [f"a{i}", title, day and datetime(2024, 5, day), datetime(2024, 6, 1), f"file:///{i}", site])
    return {sid: (n, headline, outlets, first, last) for sid, n, headline, outlets, first, last
            in con.execute(story_aggregates()).fetchall()}


def test_the_central_headline_names_the_story_not_the_first():
    story = _aggregates([
        ("s", "Les marchés saluent la décision", 1, "A"),   # first, but a side angle
        ("s", "Incendie géant à Marseille : des milliers d'hectares brûlés", 2, "B"),
        ("s", "Marseille : l'incendie a brûlé 3 000 hectares", 3, "C"),
        ("s", "Incendie près de Marseille, les pompiers mobilisés", None, "C"),
    ])["s"]
    assert story[0] == 4 and story[2] == 3
    # the headline whose words (marseille, incendie, hectares) the others share most, per word
    assert story[1] == "Marseille : l'incendie a brûlé 3 000 hectares"
    assert story[3] == datetime(2024, 5, 1) and story[4] == datetime(2024, 5, 3)   # undated articles don't count


def test_two_headlines_or_none_shared_take_the_earliest():
    stories = _aggregates([
        ("pair", "Second report", 4, "A"), ("pair", "First report", 2, "B"),
        ("untitled", None, 1, "A"),
    ])
    assert stories["pair"][1] == "First report"
    assert stories["untitled"][1] is None and stories["untitled"][0] == 1


def _with_copies(dest: Path, topics: tuple[str, ...]) -> list[Path]:
    """RPM2 articles of `topics` and a near copy of each (its last paragraph signed "(avec AFP)")."""
    files = []
    for source in sorted(p for t in topics for p in require(RPM2 / "documents").glob(f"{t}_*.txt")):
        lines = source.read_text(encoding="utf-8-sig").splitlines()
        for name, text in ((source.name, lines), ("copy_" + source.name, lines[:-1] + [lines[-1] + " (avec AFP)"])):
            (dest / name).write_text("\n".join(text), encoding="utf-8")
            files.append(dest / name)
    return files


def test_the_batch_cut_counts_each_copy_group_once(tmp_path):
    """Three RPM2 stories, each article with its near copy: the copy links the loader stored make
    batch_cut see one article per pair, so it chooses what the originals alone choose; over every
    article the silhouette would take the grid's top cut (every story split into its pairs)."""
    articles, failures = articles_from(_with_copies(tmp_path, ("T01", "T05", "T08")))
    assert not failures and len(articles) == 120
    con = connect(tmp_path / "news.duckdb")
    load_batch(con, "copies", 0, articles, [])
    assert con.execute("SELECT count(*) FROM duplicates WHERE kind = 'near'").fetchone()[0] >= 60
    uris = dict(con.execute("SELECT article_id, source_uri FROM articles").fetchall())
    ids = sorted(uris)
    vectors = stories_stage.stored_vectors(con, ids, len(ids))
    published = dict(con.execute("SELECT article_id, published_at FROM articles").fetchall())
    originals = [vectors[a] for a in ids if "copy_" not in uris[a]]
    assert consolidation.silhouette_cut([vectors[a] for a in ids]) == consolidation.SILHOUETTE_GRID[-1]
    assert stories_stage.batch_cut(con, ids, vectors, published) == (
        consolidation.silhouette_cut(originals) or consolidation.CUT) < consolidation.SILHOUETTE_GRID[-1]


def test_the_seeds_stay_one_story_with_the_silhouette_cut(tmp_path, monkeypatch):
    """The seeds are one story at every cut of the grid: no silhouette, so the batch falls back to CUT."""
    monkeypatch.setattr(stories_stage, "SILHOUETTE_CUT", True)
    chosen = []
    inner = stories_stage.batch_cut
    monkeypatch.setattr(stories_stage, "batch_cut", lambda *a: chosen.append(inner(*a)) or chosen[-1])
    articles, failures = articles_from([SEEDS])
    assert not failures
    con = connect(tmp_path / "news.duckdb")
    half = len(articles) // 2
    for batch_no, batch in enumerate((articles[:half], articles[half:])):
        load_batch(con, "seeds", batch_no, batch, [])
    assert con.execute("SELECT count(DISTINCT story_id) FROM story_articles").fetchone()[0] == 1
    assert chosen and set(chosen) == {consolidation.CUT}
