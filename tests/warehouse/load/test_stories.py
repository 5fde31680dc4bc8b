"""The story headline: the most central of its articles' headlines, not the first one's."""

from datetime import datetime

import duckdb

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
