"""The story-alert flow (run by the prefect.yaml trigger), through Prefect's temporary server."""

from flows.alerts import story_alert
from tests.conftest import SEEDS
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.load import load_batch


def test_an_alert_for_a_story_merged_since_reports_the_story_it_is_part_of(tmp_path):
    db = tmp_path / "news.duckdb"
    with connect(db) as con:
        articles, failures = articles_from(sorted(SEEDS.iterdir()))
        assert not failures
        load_batch(con, "seeds", 0, articles, [])
        (story_id,) = con.execute("SELECT story_id FROM stories").fetchone()
        con.execute("INSERT INTO story_aliases VALUES ('s_merged_since', ?, 'seeds', now())", [story_id])
    assert story_alert(story_id, str(db)) == 5
    assert story_alert("s_merged_since", str(db)) == 5   # resolved through story_aliases
    assert story_alert("s_never_was", str(db)) == 0
