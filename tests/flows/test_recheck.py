"""The re-check flow end to end through Prefect, against a real HTTP server on 127.0.0.1 whose page
changes between runs: a recent article is fetched again at its checkpoints with conditional
requests; a 304 adds no version, a changed page becomes version 2 with its diff, and each check
is recorded once."""

from email.utils import formatdate

import duckdb
import pytest

from flows.ingest import ingest
from flows.recheck import recheck
from tasks.sandbox import SandboxConfig
from tasks.web.exchange import FetchConfig
from tests.loopback_server import LoopbackServer, Page, Site

PATH = "/articles/seisme"
TITLE = "Séisme dans le Haut Atlas : 12 morts"
NEW_TITLE = "Séisme dans le Haut Atlas : le bilan s'alourdit à 37 morts"
PARAGRAPHS = [
    "Un séisme de magnitude 6,1 a frappé mardi matin la région montagneuse du Haut Atlas, au Maroc, "
    "selon l'institut national de géophysique, qui a enregistré plusieurs répliques dans la journée.",
    "Le bilan provisoire fait état de 12 morts et d'une cinquantaine de blessés, ont annoncé les autorités "
    "locales, qui redoutent que ce chiffre augmente à mesure que les secours atteignent les villages isolés.",
    "Des équipes de la protection civile ont été dépêchées depuis Marrakech, à deux heures de route, avec "
    "des engins de déblaiement et des tentes pour les familles dont les maisons se sont effondrées.",
    "Les habitants de plusieurs douars ont passé la nuit dehors par crainte de nouvelles secousses, "
    "a rapporté un correspondant de l'agence officielle présent sur place au lever du jour.",
]
UPDATED = ("Le bilan provisoire fait état de 37 morts et d'une centaine de blessés, ont annoncé mercredi les autorités "
           "locales, qui redoutent que ce chiffre augmente à mesure que les secours atteignent les villages isolés.")
ADDED = ("Le roi a ordonné l'envoi d'une aide d'urgence et la mise en place d'un hôpital de campagne dans la "
         "province d'Al Haouz, la plus touchée, selon un communiqué du palais publié dans la soirée.")


def page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html lang="fr"><head><meta charset="utf-8"><title>{title} - Le Quotidien</title>'
            f'<meta property="og:title" content="{title}"></head><body><nav>Accueil | Monde | Sport</nav>'
            f"<article><h1>{title}</h1>{body}</article><footer>Tous droits réservés</footer></body></html>").encode()


@pytest.fixture
def config(monkeypatch):
    monkeypatch.setenv("NEWSFLOW_ALLOW_HOSTS", "127.0.0.1")
    return dict(fetch_config=FetchConfig(per_host_delay=0, deadline=5, retries=0),
                sandbox=SandboxConfig(workers=1, timeout=60))


def later(db: str, hours: float) -> None:
    """Move the warehouse's clock `hours` back: the article first seen, and checked, that much earlier."""
    con = duckdb.connect(db)
    shift = [int(hours * 3_600_000_000)]
    con.execute("UPDATE articles SET ingested_at = ingested_at - to_microseconds(?::BIGINT)", shift)
    con.execute("UPDATE article_checks SET checked_at = checked_at - to_microseconds(?::BIGINT)", shift)
    con.close()


def test_recheck_finds_the_update_as_version_2_and_a_304_adds_nothing(tmp_path, config):
    db = str(tmp_path / "news.duckdb")
    site = Site(articles={PATH: Page(page(TITLE, PARAGRAPHS))})
    with LoopbackServer(site) as server:
        assert ingest(urls=[server.url(PATH)], db=db, **config).articles_loaded == 1

        # Not an hour old yet: nothing is due, nothing is fetched.
        assert recheck(db=db, **config).pages_fetched == 0 and len(server.requests_to(PATH)) == 1

        # At 1 h the page has not changed: a conditional request, a 304, no new version.
        later(db, 1.5)
        first = recheck(db=db, checkpoints_hours=[1, 6, 24, 72], **config)
        assert first.not_modified == 1 and first.articles_updated == 0
        assert server.requests_to(PATH)[-1].get("if-none-match") == site.articles[PATH].etag
        # The 1 h checkpoint is covered: checking again right away fetches nothing.
        recheck(db=db, **config)
        assert len(server.requests_to(PATH)) == 2

        # The outlet updates the page (new toll, new headline, one paragraph more); at 6 h it is found.
        site.articles[PATH] = Page(page(NEW_TITLE, [PARAGRAPHS[0], UPDATED, *PARAGRAPHS[2:], ADDED]),
                                   last_modified=formatdate(1_700_000_000, usegmt=True))
        later(db, 5)
        second = recheck(db=db, **config)
        assert second.articles_updated == 1 and second.articles_loaded == 0 and not second.failures

    con = duckdb.connect(db, read_only=True)
    assert con.execute("SELECT count(*), max(version) FROM articles").fetchone() == (1, 2)
    assert UPDATED in con.execute("SELECT body FROM articles").fetchone()[0]
    # The page's <h1> is the body's first paragraph too: the new headline is a changed paragraph as well.
    assert con.execute("SELECT old_title, new_title, paragraphs_added, paragraphs_removed FROM article_changes"
                       ).fetchall() == [(TITLE, NEW_TITLE, 3, 2)]
    diff = con.execute("SELECT [(c.op, c.text) FOR c IN diff] FROM article_versions WHERE version = 2").fetchone()[0]
    assert diff == [("removed", TITLE), ("added", NEW_TITLE), ("removed", PARAGRAPHS[1]), ("added", UPDATED),
                    ("added", ADDED)]
    assert con.execute("SELECT checkpoint_hours, outcome FROM article_checks ORDER BY checked_at").fetchall() == [
        (1.0, "not modified"), (6.0, "updated")]
    # The new version's page is kept for reextract, and its validators serve the next check.
    assert con.execute("""SELECT count(*) FROM pages p JOIN raw_pages r ON r.sha256 = p.raw_sha256
                          WHERE p.outcome = 'updated' AND p.last_modified LIKE '%2023%'""").fetchone()[0] == 1
    con.close()
