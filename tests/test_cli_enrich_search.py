"""`newsflow enrich` fills quotes and entities and builds the search index; `newsflow search` uses it."""

from newsflow.cli import main
from tests.conftest import SEEDS
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.load import load_batch


def test_enrich_then_search(tmp_path, capsys):
    db = tmp_path / "news.duckdb"
    con = connect(db)
    articles, failures = articles_from([SEEDS])
    load_batch(con, "r1", 0, articles, failures)
    con.close()
    assert main(["search", "missile", "--db", str(db)]) == 1                 # no index before enrichment
    assert "newsflow enrich" in capsys.readouterr().err
    assert main(["enrich", "--db", str(db)]) == 0
    assert "5 articles enriched" in capsys.readouterr().out
    assert main(["search", "missile", "--db", str(db)]) == 0
    assert "Vladimir Poutine accueille Kim Jong-Un" in capsys.readouterr().out
    assert main(["enrich", "--db", str(db)]) == 0
    assert "0 articles enriched" in capsys.readouterr().out
