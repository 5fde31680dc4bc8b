"""Nightly maintenance steps on a real warehouse holding the seeds."""

from datetime import timedelta

from tests.conftest import SEEDS
from tests.helpers import articles_from
from warehouse.db import connect, utcnow
from warehouse.load import load_batch
from warehouse.maintenance import checkpoint, prune_raw_pages, refresh_stories
from warehouse.search import has_search_index, rebuild_search_index


def test_refresh_prune_checkpoint(db_path):
    articles, failures = articles_from([SEEDS])
    con = connect(db_path)
    load_batch(con, "r1", 0, articles, failures)
    assert refresh_stories(con) == 0                     # already right
    con.execute("UPDATE stories SET article_count = 1, outlet_count = 9")
    assert refresh_stories(con) == 1
    assert con.execute("SELECT article_count, outlet_count FROM stories").fetchone() == (5, 1)

    now = utcnow()
    con.execute("INSERT INTO raw_pages VALUES ('old', ''::BLOB, 0, NULL, NULL, NULL, ?), "
                "('new', ''::BLOB, 0, NULL, NULL, NULL, ?)", [now - timedelta(days=400), now])
    assert prune_raw_pages(con, retention_days=365) == 1
    assert con.execute("SELECT list(sha256) FROM raw_pages").fetchone()[0] == ["new"]
    assert not has_search_index(con)
    assert rebuild_search_index(con) == 5 and has_search_index(con)
    assert con.execute("SELECT count(*) FROM search('Vostochny cosmodrome')").fetchone()[0] >= 1
    checkpoint(con)
    con.close()
    con = connect(db_path, read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    con.close()
