"""The enrichment stage on the seeds' warehouse: quotes linked across outlets, run once per article."""

from tests.conftest import RPM2, SEEDS, require
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.enrich import enrich_pending
from warehouse.load import load_batch


def test_quotes_are_extracted_once_and_linked_across_outlets(db_path):
    con = connect(db_path)
    articles, failures = articles_from([SEEDS])
    load_batch(con, "r1", 0, articles, failures)
    report = enrich_pending(con, "e1", batch_size=2)          # several batches
    assert report.articles == 5 and report.quotes >= 20 and report.linked >= 5
    (quote_id, reports, speakers), = con.execute("""
        SELECT quote_id, count(*), list(DISTINCT speaker ORDER BY speaker) FROM quotes
        WHERE text LIKE 'Je suis très content de vous voir%' GROUP BY quote_id""").fetchall()
    assert reports == 3 and speakers == ["Poutine", "Vladimir Poutine"]
    assert enrich_pending(con, "e2").articles == 0              # nothing left to do
    assert con.execute("SELECT count(*) FROM quotes").fetchone()[0] == report.quotes
    people = dict(con.execute("""
        SELECT e.name, list(DISTINCT m.surface ORDER BY m.surface) FROM entities e JOIN mentions m USING (entity_id)
        WHERE e.kind = 'person' GROUP BY ALL""").fetchall())
    assert {"Kim", "Kim Jong Un", "Kim Jong-Un", "M. Kim"} <= set(people["Kim Jong Un"])
    assert {"Poutine", "M. Poutine", "Vladimir Poutine"} <= set(people["Vladimir Poutine"])
    assert "Poutine" not in people and "Kim" not in people                 # no split entities
    places = con.execute("""SELECT count(DISTINCT m.article_id), list(DISTINCT m.surface) FROM entities e
                            JOIN mentions m USING (entity_id) WHERE e.key = 'vostochni'""").fetchone()
    assert places[0] == 5 and {"Vostochny", "cosmodrome de Vostotchny"} <= set(places[1])
    con.close()


def test_speakers_are_linked_to_entities_and_counted_once(db_path):
    con = connect(db_path)
    articles, failures = articles_from([SEEDS])
    load_batch(con, "r1", 0, articles, failures)
    enrich_pending(con, "e1", batch_size=2)
    assert con.execute("SELECT count(*) FROM quotes WHERE speaker IS NOT NULL AND speaker_entity_id IS NULL").fetchone() == (0,)
    speakers = {row[0]: row[1:] for row in con.execute(
        "SELECT speaker, written_as, quotes, articles FROM quotes_per_speaker").fetchall()}
    assert {"Kim Jong Un", "Vladimir Poutine"} <= set(speakers)
    assert not {"Kim", "Kim Jong-un", "Poutine"} & set(speakers)          # "Kim" and "Kim Jong-un" are one speaker
    assert {"Kim", "Kim Jong-un"} <= set(speakers["Kim Jong Un"][0])
    assert speakers["Vladimir Poutine"][0] == ["Poutine", "Vladimir Poutine"]
    # A speaker no entity matches stays under its own name.
    con.execute("""INSERT INTO quotes (quote_id, article_id, position, start, text, speaker, run_id)
                   SELECT 'q_x', article_id, 99, 0, 'des mots sans auteur connu', 'Jean Inconnu', 'e2' FROM articles LIMIT 1""")
    assert con.execute("SELECT quotes, entity_id FROM quotes_per_speaker WHERE speaker = 'Jean Inconnu'").fetchone() == (1, None)
    con.close()


def test_new_entities_counts_the_rows_actually_in_entities(db_path):
    """A one-word person inserted by one batch ("Betancourt") and merged into the full name by a
    later batch ("Ingrid Betancourt") is not a new entity: the report counts what `entities` holds."""
    docs = sorted(require(RPM2 / "documents").glob("*.txt"))[:40]
    con = connect(db_path)
    articles, failures = articles_from(docs)
    load_batch(con, "r1", 0, articles, failures)
    report = enrich_pending(con, "e1", batch_size=7)
    assert report.articles == 40
    assert report.new_entities == con.execute("SELECT count(*) FROM entities").fetchone()[0]
    assert len(report.inserted) > report.new_entities     # the case happened: an inserted entity was merged
    con.close()


def test_an_article_whose_quotes_raise_costs_its_quotes_not_the_run(db_path, monkeypatch):
    """One poison article must not stop the scheduled enrichment run every 15 minutes."""
    import warehouse.enrich

    con = connect(db_path)
    articles, failures = articles_from([SEEDS])
    load_batch(con, "r1", 0, articles, failures)
    poison = next(a for a in articles if "002_" in a.source_uri)
    real = warehouse.enrich.extract_quotes

    def extract(paragraphs):
        if paragraphs == poison.paragraphs:
            raise IndexError("injected fault")
        return real(paragraphs)

    monkeypatch.setattr(warehouse.enrich, "extract_quotes", extract)
    report = enrich_pending(con, "e1")
    assert report.articles == 5 and report.failed == 1 and report.quotes > 0
    assert con.execute("SELECT count(*) FROM quotes WHERE article_id = ?", [poison.article_id]).fetchone()[0] == 0
    assert con.execute("SELECT count(DISTINCT article_id) FROM quotes").fetchone()[0] == 4
    assert enrich_pending(con, "e2").articles == 0     # not retried forever
