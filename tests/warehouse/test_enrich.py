"""The enrichment stage on the seeds' warehouse: quotes linked across outlets, run once per article."""

from tests.conftest import RPM2, SEEDS, require
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.enrich import count_pending, enrich_pending
from warehouse.load import load_batch


def test_quotes_are_extracted_once_and_linked_across_outlets(db_path):
    con = connect(db_path)
    articles, failures = articles_from([SEEDS])
    load_batch(con, "r1", 0, articles, failures)
    assert count_pending(con) == 5
    batches: list[int] = []
    report = enrich_pending(con, "e1", batch_size=2, on_batch=batches.append)          # several batches
    assert report.articles == 5 and report.quotes >= 20 and report.linked >= 5
    assert batches == [2, 2, 1] and count_pending(con) == 0          # the progress bar reaches its total
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


def test_the_seeds_name_each_person_and_place_once_and_rightly(db_path):
    """Issue 15, one article per batch so that every merge across articles is the warehouse's: "Kim
    Jong" is no entity beside Kim Jong Un, RPDC is Corée du Nord, Washington a place, "Ukraine – qu’"
    is Ukraine, and Sud, Industrie, Unification, Nord-coréen are no places."""
    con = connect(db_path)
    articles, failures = articles_from([SEEDS])
    load_batch(con, "r1", 0, articles, failures)
    enrich_pending(con, "e1", batch_size=1)
    entities = {name: (kind, set(surfaces)) for name, kind, surfaces in con.execute("""
        SELECT e.name, e.kind, list(DISTINCT m.surface) FROM entities e JOIN mentions m USING (entity_id)
        GROUP BY ALL""").fetchall()}
    assert "Kim Jong" not in entities and "Kim Jong-un" in entities["Kim Jong Un"][1]
    assert entities["Corée du Nord"] == ("place", {"Corée du Nord", "RPDC", "République populaire démocratique de Corée"})
    assert entities["Washington"][0] == "place" and entities["Ukraine"][0] == "place"
    assert not {"Sud", "Industrie", "Unification", "Nord-coréen"} & set(entities)
    assert not [name for name in entities if "qu’" in name or "–" in name]
    con.close()


def test_variants_merge_across_articles(db_path):
    """An entity joins the one entity of its kind an article already merged its name into, or the one
    longer name of its kind it begins, if that is mentioned more often; never an entity of another kind."""
    from warehouse.enrich import _merge_variants

    con = connect(db_path)
    entities = [("e_afld", "afld", "AFLD", "organisation"), ("e_agence", "agenc francais de lutt contr le dopag",
                "Agence française de lutte contre le dopage", "organisation"),
                ("e_kj", "kim jong", "Kim Jong", "person"), ("e_kju", "kim jong un", "Kim Jong Un", "person"),
                ("e_wash", "wachington", "Washington", "place"), ("e_george", "georg wachington", "George Washington", "person")]
    con.executemany("INSERT INTO entities (entity_id, name, kind, key) VALUES (?, ?, ?, ?)",
                    [(eid, name, kind, key) for eid, key, name, kind in entities])
    mentions = [("a1", "e_agence", "AFLD"), ("a1", "e_agence", "Agence française de lutte contre le dopage"),
                ("a2", "e_afld", "AFLD"), ("a3", "e_kj", "Kim Jong"), ("a3", "e_kju", "Kim Jong Un"),
                ("a4", "e_kju", "Kim Jong Un"), ("a5", "e_wash", "Washington"), ("a6", "e_george", "Washington")]
    kind = {eid: k for eid, _, _, k in entities}
    con.executemany("INSERT INTO mentions (article_id, entity_id, surface, position, start, label) VALUES (?, ?, ?, 0, ?, ?)",
                    [(a, eid, s, i, kind[eid]) for i, (a, eid, s) in enumerate(mentions)])
    assert _merge_variants(con) == {"e_agence", "e_kju"}
    left = {eid for (eid,) in con.execute("SELECT DISTINCT entity_id FROM mentions").fetchall()}
    assert left == {"e_agence", "e_kju", "e_wash", "e_george"}
    con.close()
