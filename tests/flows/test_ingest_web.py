"""Web sources end to end through the Prefect flow: a feed, a sitemap index (with a Google News
sitemap) and a URL list served by a real HTTP server on 127.0.0.1, with every fault in the same
run, then a second run that sends conditional requests and adds nothing."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest
from tasks.sandbox import SandboxConfig
from tasks.web.exchange import FetchConfig
from tests.conftest import EXTRACTION, require
from tests.loopback_server import LoopbackServer, site_from_corpus
from tests.web_faults import FaultServer

USERINFO = ":".join(("newsflowuser", "hunter2pw"))   # credentials in a URL, spelled so that no scanner takes them for real ones

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
FAULTS = {   # path → the reason recorded in failures
    "/fault/503": "status", "/fault/404": "status", "/fault/429-long": "status", "/fault/slow": "timeout",
    "/fault/gzip-bomb": "too large", "/fault/loop-a": "redirect loop", "/fault/redirect-private": "blocked address",
    "/fault/redirect-file": "bad scheme", "/fault/pdf": "not html", "/private/secret": "robots",
    "/fault/empty": "no content after cleaning", "/fault/deep": "nesting too deep",
}
RECOVERS = ["/fault/429", "/fault/429-date", "/fault/cp1252"]   # faults that end in an article


@pytest.fixture(scope="module")
def site():
    require(EXTRACTION)
    languages = json.loads((EXTRACTION / "languages.json").read_text())
    evaldata = json.loads((EXTRACTION / "evaldata.json").read_text())
    files = sorted(evaldata[u]["file"] for u in evaldata if languages.get(u) == "fr")[:12]
    return site_from_corpus(EXTRACTION / "html", files)


def test_feed_sitemap_and_list_load_with_every_fault_recorded(site, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_ALLOW_HOSTS", "127.0.0.1")
    config = FetchConfig(per_host_delay=0, deadline=1.5, retries=1, backoff_base=0.05, max_retry_after=5,
                         max_bytes=5_000_000)
    sandbox = SandboxConfig(workers=2, timeout=30)
    db = str(tmp_path / "news.duckdb")
    with LoopbackServer(site) as server:
        url_list = tmp_path / "urls.txt"
        url_list.write_text("# articles and faults\n" + "\n".join(
            [server.url(p) for p in site.sitemap_paths[:2]] + [server.url(p) for p in [*FAULTS, *RECOVERS]]) + "\n")
        kwargs = dict(feeds=[server.url("/feed.xml"), server.url("/fault/billion-laughs"), server.url("/fault/xxe-feed"),
                             server.url("/fault/malformed-feed")],
                      sitemaps=[server.url("/sitemap_index.xml")], url_lists=[str(url_list)], db=db,
                      fetch_config=config, sandbox=sandbox)
        first = ingest(**kwargs)

        articles = len(site.articles) + len(RECOVERS)
        assert first.articles_loaded == articles
        con = duckdb.connect(db, read_only=True)
        reasons = dict(con.execute(
            "SELECT regexp_extract(source_uri, ':[0-9]+(/.*)$', 1), reason FROM failures").fetchall())
        assert reasons == {**FAULTS, "/fault/billion-laughs": "malformed feed", "/fault/xxe-feed": "malformed feed",
                           "/fault/malformed-feed": "malformed feed"}
        outcomes = dict(con.execute(
            "SELECT regexp_extract(url, ':[0-9]+(/.*)$', 1), outcome FROM pages").fetchall())
        assert {p: outcomes[p] for p in ("/feed.xml", "/sitemap_index.xml", "/sitemap.xml", "/news-sitemap.xml")} == \
            dict.fromkeys(("/feed.xml", "/sitemap_index.xml", "/sitemap.xml", "/news-sitemap.xml"), "listed")
        assert all(outcomes[p] == "loaded" for p in [*site.articles, *RECOVERS])
        assert all(outcomes[p] == f"failed: {r}" for p, r in FAULTS.items())
        # One article per URL although the feed and the list both name some (with utm_ and #fragments).
        assert con.execute("SELECT count(*), count(DISTINCT source_uri) FROM articles").fetchone() == (articles, articles)
        # Raw HTML kept, compressed and content-addressed, for every loaded page.
        assert con.execute("SELECT count(*) FROM articles a JOIN raw_pages r ON r.sha256 = a.raw_sha256").fetchone()[0] \
            == articles
        body = con.execute("SELECT body FROM articles WHERE source_uri LIKE '%/fault/cp1252'").fetchone()[0]
        assert "Je suis très content" in body and "\ufffd" not in body
        run = con.execute("SELECT status, pages_fetched, requests FROM runs").fetchone()
        assert run[0] == "completed" and run[1] == articles + 2 and run[2] > articles   # + empty, deep
        con.close()

        requests_before = len(server.log)
        assert run[2] >= requests_before   # every request the server saw is counted (and attempts it never saw)
        second = ingest(**kwargs)
        assert second.articles_loaded == 0 and second.not_modified == 2     # the two listed pages of the URL list
        c = second.counts()   # a 304 page is unchanged, and every input is loaded, unchanged or not loaded
        assert c["unchanged"] >= 2 and c["files_seen"] == c["articles_loaded"] + c["unchanged"] + c["failures"]
        sent = [h for p, h in server.log[requests_before:] if p.startswith(("/articles/", "/feed.xml", "/sitemap"))]
        assert sent and all("if-none-match" in h for h in sent)
    con = duckdb.connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == articles
    assert con.execute("SELECT outcome FROM pages WHERE url LIKE '%/feed.xml'").fetchone()[0] == "not modified"
    assert con.execute("SELECT max(fetches) FROM pages").fetchone()[0] == 2
    con.close()


def test_cli_ingests_a_feed_with_allow_host(site, tmp_path):
    db = tmp_path / "cli.duckdb"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("NEWSFLOW_ALLOW_HOSTS", None)
    with LoopbackServer(site) as server:
        denied = subprocess.run([NEWSFLOW, "ingest", "--feed", server.url("/feed.xml"), "--db", str(db)],
                                capture_output=True, text=True, env=env, timeout=300)
        assert denied.returncode == 0 and "blocked address" in denied.stdout
        assert not [p for p, _ in server.log]                       # nothing reached the server
        done = subprocess.run([NEWSFLOW, "ingest", "--allow-host", "127.0.0.1", "--feed", server.url("/feed.xml"),
                               "--db", str(db)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{len(site.feed_paths)} loaded" in done.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == len(site.feed_paths)
    con.close()


def test_fetch_config_allow_list_is_additive():
    config = replace(FetchConfig(allow_hosts=frozenset()), allow_hosts=frozenset({"127.0.0.1"}))
    assert "127.0.0.1" in config.allow_hosts


def test_hostile_web_inputs_beside_good_ones_load_the_good_ones(site, tmp_path, monkeypatch):
    """Issue 13 in one run: a feed dated 9999 and a sitemap dated 0001 (+01:00) beside a good feed, a
    URL list with credentials, a dot segment, an IPv6 literal and an unsolicited 304, and a sitemap
    index that lists itself. The good inputs load, the run completes, the bad ones are failure rows,
    no credential is sent or stored, and each listing is fetched once."""
    monkeypatch.setenv("NEWSFLOW_ALLOW_HOSTS", "127.0.0.1")
    config = FetchConfig(per_host_delay=0, deadline=1.5, retries=0, max_bytes=5_000_000)
    db = str(tmp_path / "news.duckdb")
    with FaultServer(site) as server:
        news, listed = site.news_paths, site.sitemap_paths
        server.feed_items["/x/feed-9999.xml"] = [(news[0], "Fri, 31 Dec 9999 23:59:59 -0500")]
        server.urlset_items["/x/sitemap-0001.xml"] = [(news[1], "0001-01-01T00:00:00+01:00")]
        url_list = tmp_path / "urls.txt"
        url_list.write_text("\n".join([
            f"http://{USERINFO}@127.0.0.1:{server.port}{listed[0]}",
            server.url(listed[1].replace("/articles/", "/articles/./")),
            server.url(listed[1]),
            f"http://[::1]:{server.port}{listed[2]}",
            server.url("/x/304"),
        ]) + "\n")
        summary = ingest(feeds=[server.url("/x/feed-9999.xml"), server.url("/feed.xml")],
                         sitemaps=[server.url("/x/sitemap-0001.xml"), server.url("/x/self-index.xml")],
                         url_lists=[str(url_list)], db=db, fetch_config=config,
                         sandbox=SandboxConfig(workers=2, timeout=30))
        log = list(server.log)
        hits = dict(server.hits)
    loaded = len(site.feed_paths) + 4
    assert summary.articles_loaded == loaded
    assert not [h for _, h in log if "authorization" in h]
    assert hits["/x/self-index.xml"] == 1 and hits[listed[1]] == 1 and hits["/robots.txt"] == 1
    con = duckdb.connect(db, read_only=True)
    assert con.execute("SELECT status FROM runs").fetchone()[0] == "completed"
    reasons = sorted(con.execute("SELECT reason, regexp_extract(source_uri, '(/[^/]+)$', 1) FROM failures").fetchall())
    assert reasons == [("blocked address", "/" + listed[2].rsplit("/", 1)[1]), ("unexpected 304", "/304")]
    assert con.execute("SELECT count(*) FROM articles WHERE source_uri IN (?, ?)",
                       [server.url(news[0]), server.url(news[1])]).fetchone()[0] == 2
    tables = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()
    leaks = {t: n for (t,) in tables if (n := con.execute(
        f"SELECT count(*) FROM {t} AS r WHERE r::VARCHAR LIKE '%hunter2pw%' OR r::VARCHAR LIKE '%newsflowuser%'"
    ).fetchone()[0])}
    assert leaks == {}
    assert con.execute("SELECT count(*) FROM articles WHERE source_uri = ?", [server.url(listed[0])]).fetchone()[0] == 1
    con.close()
