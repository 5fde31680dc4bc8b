"""WARC archives end to end through the Prefect flow: a .warc.gz in a folder, a plain .warc named
directly, and a .warc.gz plus a warc.paths.gz list served by a real HTTP server on 127.0.0.1, with
the faults of a real archive in them; a second run adds nothing, and the same page fetched live
is the article the archive gave (unchanged)."""

import gzip
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest
from tasks.sandbox import SandboxConfig
from tasks.web.exchange import FetchConfig
from tests.conftest import EXTRACTION, require
from tests.loopback_server import LoopbackServer, Page, Site
from tests.warc_files import Rec, corrupt_member, truncated, warc_bytes, warcinfo

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


@pytest.fixture(scope="module")
def pages() -> list[bytes]:
    require(EXTRACTION)
    languages = json.loads((EXTRACTION / "languages.json").read_text())
    evaldata = json.loads((EXTRACTION / "evaldata.json").read_text())
    files = sorted(evaldata[u]["file"] for u in evaldata if languages.get(u) == "fr")[:9]
    return [(EXTRACTION / "html" / name).read_bytes() for name in files]


def _noise(host: str) -> list[Rec]:
    return [Rec(f"https://{host}/a", kind="request"), Rec(f"https://{host}/a", kind="metadata"),
            Rec(f"https://{host}/a", kind="revisit"), Rec(f"https://{host}/logo.png", b"PNG", content_type="image/png"),
            Rec(f"https://{host}/gone", b"<html>gone</html>", status=404)]


def test_warc_file_folder_and_url_load_with_faults_and_a_rerun_adds_nothing(pages, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_ALLOW_HOSTS", "127.0.0.1")
    site = Site(robots=None)
    with LoopbackServer(site) as server:
        live = "/articles/live"
        site.articles[live] = Page(pages[8])
        folder = tmp_path / "crawl"
        (folder / "sub").mkdir(parents=True)
        good = warc_bytes([Rec(f"https://www.one.example/a{i}.html", pages[i]) for i in range(2)])
        cut = truncated(Rec("https://www.one.example/cut.html", pages[2]))
        info = warcinfo()
        gz_data = info + good + cut + \
            corrupt_member(Rec("https://www.one.example/bad.html", pages[2])) + \
            warc_bytes([Rec("https://www.one.example/a2.html", pages[2]), *_noise("www.one.example")])
        (folder / "sub" / "one.warc.gz").write_bytes(gz_data)
        (folder / "notes.pdf").write_bytes(b"%PDF")   # not an input: ignored while walking
        plain = tmp_path / "two.warc"
        plain.write_bytes(warc_bytes([Rec("https://two.example/b3.html", pages[3]),
                                      Rec(server.url(live), pages[8]), *_noise("two.example")], gzipped=False))
        site.articles["/cc/three.warc.gz"] = Page(warc_bytes([Rec("https://three.example/c4.html", pages[4])]),
                                                  "application/warc")
        site.articles["/cc/four.warc.gz"] = Page(warc_bytes([Rec("https://four.example/d5.html", pages[5]),
                                                             Rec("https://four.example/d6.html", pages[6])]),
                                                 "application/octet-stream")
        site.articles["/cc/warc.paths.gz"] = Page(gzip.compress(b"cc/four.warc.gz\ncc/missing.warc.gz\n"),
                                                  "application/gzip")
        kwargs = dict(paths=[str(folder), str(plain)], warcs=[server.url("/cc/three.warc.gz"), server.url("/cc/warc.paths.gz")],
                      db=str(tmp_path / "news.duckdb"), fetch_config=FetchConfig(per_host_delay=0, retries=0),
                      sandbox=SandboxConfig(workers=2, timeout=30), batch_size=3)
        first = ingest(**kwargs)

        assert first.articles_loaded == 8
        assert first.warc_records == 1 + 2 + 2 + 1 + 5 + 2 + 5 + 1 + 2
        assert dict(first.warc_skipped) == {"warcinfo": 1, "request": 2, "metadata": 2, "revisit": 2,
                                            "not html": 2, "status not 200": 2}
        assert "WARC: 21 records read, 11 skipped" in first.warc_line()
        con = duckdb.connect(kwargs["db"], read_only=True)
        offset = len(info) + len(good)
        failures = sorted(con.execute("SELECT source_id, source_uri, stage, reason FROM failures").fetchall())
        one = (folder / "sub" / "one.warc.gz").resolve().as_uri()
        assert failures == sorted([
            (f"warc:{folder.resolve()}", f"{one}#offset={offset}", "read", "truncated record"),
            (f"warc:{folder.resolve()}", f"{one}#offset={offset + len(cut)}", "read", "corrupt gzip member"),
            (f"warc:{server.url('/cc/warc.paths.gz')}", server.url("/cc/missing.warc.gz"), "fetch", "status"),
        ])
        rows = con.execute("SELECT source_uri, source_id FROM articles ORDER BY source_uri").fetchall()
        assert [u for u, _ in rows] == sorted([
            "https://www.one.example/a0.html", "https://www.one.example/a1.html", "https://www.one.example/a2.html",
            "https://two.example/b3.html", server.url(live), "https://three.example/c4.html",
            "https://four.example/d5.html", "https://four.example/d6.html"])
        # The page state of each record: kind warc, fetched at the capture time, the raw HTML kept for reextract.
        assert con.execute("SELECT DISTINCT kind, outcome, first_fetched FROM pages").fetchall() == \
            [("warc", "loaded", datetime(2024, 3, 1, 12))]
        assert con.execute("SELECT count(*) FROM articles a JOIN raw_pages r ON r.sha256 = a.raw_sha256").fetchone()[0] == 8
        con.close()

        second = ingest(**kwargs)
        assert (second.articles_loaded, second.unchanged) == (0, 8)
        # The page the archive gave, fetched live: the same article (unchanged), not a second one.
        fetched = ingest(urls=[server.url(live)], db=kwargs["db"], fetch_config=kwargs["fetch_config"],
                         sandbox=kwargs["sandbox"])
        assert (fetched.articles_loaded, fetched.unchanged, fetched.pages_fetched) == (0, 1, 1)
    con = duckdb.connect(kwargs["db"], read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT source_uri) FROM articles").fetchone() == (8, 8)
    assert con.execute("SELECT count(*), max(fetches) FROM pages").fetchone() == (8, 3)   # 2 captures + the live fetch
    assert con.execute("SELECT count(*) FROM failures").fetchone()[0] == 6   # the same three, once per run
    con.close()


def test_cli_reads_a_warc_with_filters_and_refuses_a_loopback_warc_url_without_allow_host(pages, tmp_path):
    archive = tmp_path / "news.warc.gz"
    archive.write_bytes(warc_bytes([
        Rec("https://www.lemonde.fr/a.html", pages[0]),
        Rec("https://www.lemonde.fr/b.html", pages[1], date="2023-01-01T00:00:00Z"),
        Rec("https://other.example/c.html", pages[2]), Rec("https://www.lemonde.fr/d", kind="request")]))
    db = tmp_path / "cli.duckdb"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("NEWSFLOW_ALLOW_HOSTS", None)
    with LoopbackServer(Site(articles={"/x.warc.gz": Page(archive.read_bytes(), "application/warc")})) as server:
        done = subprocess.run([NEWSFLOW, "ingest", str(archive), "--warc", server.url("/x.warc.gz"), "--site", "lemonde.fr",
                               "--since", "2024-01-01", "--db", str(db)], capture_output=True, text=True, env=env, timeout=300)
        assert not server.log   # nothing reached the server
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 loaded" in done.stdout
    assert "WARC: 4 records read, 3 skipped (other site 1, outside dates 1, request 1)." in done.stdout
    assert "blocked address" in done.stdout
    bad = subprocess.run([NEWSFLOW, "ingest", str(archive), "--until", "soon", "--db", str(db)],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "--since/--until" in bad.stderr
