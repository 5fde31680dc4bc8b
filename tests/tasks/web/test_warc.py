"""WARC reading and filtering (pure): records of archives built here, gzip per record and plain,
with the faults a real archive has (a record cut short, a corrupt gzip member)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from tasks.web import warc
from tasks.web.warc import (
    WarcFilter,
    declared_language,
    parse_bound,
    parse_warc_list,
    warc_batches,
    warc_filter,
)
from tests.warc_files import Rec, corrupt_member, html_page, truncated, warc_bytes, warcinfo

PAGE = html_page("Sommet à Vostotchny", ["Le dirigeant nord-coréen a invité son hôte à Pyongyang."] * 3)
ARTICLE = Rec("https://www.lemonde.fr/international/article/2024/03/01/sommet.html?utm_source=rss", PAGE)
OTHERS = [
    Rec("https://www.lemonde.fr/a.html", kind="request"),
    Rec("https://www.lemonde.fr/a.html", kind="metadata"),
    Rec("https://www.lemonde.fr/a.html", kind="revisit"),
    Rec("https://www.lemonde.fr/logo.png", b"\x89PNG....", content_type="image/png"),
    Rec("https://www.lemonde.fr/missing.html", b"<html>not found</html>", status=404),
]
SKIPS = {"request": 1, "metadata": 1, "revisit": 1, warc.SKIP_NOT_HTML: 1, warc.SKIP_STATUS: 1}


KEEP_ALL = WarcFilter()


def read(data: bytes, keep: WarcFilter = KEEP_ALL, chunk: int | None = None, batch_size: int = 100):
    chunks = [data] if chunk is None else [data[i : i + chunk] for i in range(0, len(data), chunk)]
    batches = list(warc_batches(chunks, "warc:/x.warc.gz", "file:///x.warc.gz", keep, batch_size))
    pages = [p for b in batches for p in b.pages]
    failures = [f for b in batches for f in b.failures]
    skipped: dict[str, int] = {}
    for b in batches:
        for reason, n in b.skipped.items():
            skipped[reason] = skipped.get(reason, 0) + n
    return pages, failures, skipped, sum(b.records for b in batches)


@pytest.mark.parametrize("gzipped", [True, False], ids=["gzip-per-record", "plain"])
def test_html_responses_become_pages_and_the_other_records_are_counted_by_reason(gzipped):
    data = warcinfo(gzipped) + warc_bytes([OTHERS[0], ARTICLE, *OTHERS[1:]], gzipped)
    pages, failures, skipped, records = read(data)
    assert failures == [] and records == 7
    assert skipped == {**SKIPS, "warcinfo": 1}
    (page,) = pages
    # The target URI, canonical as a fetched page's (tracking parameters gone); the capture time is the fetch time.
    assert page.page.url == page.page.final_url == "https://www.lemonde.fr/international/article/2024/03/01/sommet.html"
    assert page.record.fetched_at == datetime(2024, 3, 1, 12, 0)
    assert (page.record.kind, page.record.status, page.record.content_type) == ("warc", 200, "text/html")
    assert page.page.body == PAGE and page.page.charset == "utf-8"
    assert hashlib.sha256(PAGE).hexdigest() == page.page.sha256 == page.record.raw_sha256
    assert page.page.content_type == "text/html"


@pytest.mark.parametrize("gzipped", [True, False], ids=["gzip-per-record", "plain"])
def test_reading_does_not_depend_on_how_the_stream_is_cut(gzipped):
    data = warc_bytes([ARTICLE, *OTHERS, Rec("https://www.lefigaro.fr/b.html", PAGE)], gzipped)
    whole = read(data)
    assert read(data, chunk=7)[:3] == whole[:3] and len(whole[0]) == 2


@pytest.mark.parametrize("gzipped", [True, False], ids=["gzip-per-record", "plain"])
def test_a_truncated_record_is_a_failure_at_its_offset_and_the_rest_loads(gzipped):
    before = warc_bytes([Rec("https://a.example/1.html", PAGE)], gzipped)
    cut = truncated(Rec("https://a.example/2.html", PAGE), gzipped)
    after = warc_bytes([Rec("https://a.example/3.html", PAGE)], gzipped)
    pages, failures, _, _ = read(before + cut + after)
    assert [p.page.url for p in pages] == ["https://a.example/1.html", "https://a.example/3.html"]
    (failure,) = failures
    assert (failure.reason, failure.stage) == ("truncated record", "read")
    assert failure.source_uri == f"file:///x.warc.gz#offset={len(before)}"


@pytest.mark.parametrize("gzipped", [True, False], ids=["gzip-per-record", "plain"])
def test_a_file_that_ends_inside_a_record_keeps_the_records_before(gzipped):
    data = warc_bytes([Rec("https://a.example/1.html", PAGE), Rec("https://a.example/2.html", PAGE)], gzipped)
    first = len(warc_bytes([Rec("https://a.example/1.html", PAGE)], gzipped))
    pages, failures, _, _ = read(data[: first + (len(data) - first) // 2])
    assert [p.page.url for p in pages] == ["https://a.example/1.html"]
    assert [(f.reason, f.source_uri) for f in failures] == [("truncated record", f"file:///x.warc.gz#offset={first}")]


def test_a_corrupt_gzip_member_is_one_failure_and_the_next_members_load():
    before = warc_bytes([Rec("https://a.example/1.html", PAGE)])
    data = before + corrupt_member(Rec("https://a.example/2.html", PAGE)) + \
        warc_bytes([Rec("https://a.example/3.html", PAGE), Rec("https://a.example/4.html", PAGE)])
    pages, failures, _, _ = read(data, chunk=100)
    assert [p.page.url for p in pages] == ["https://a.example/1.html", "https://a.example/3.html", "https://a.example/4.html"]
    assert [(f.reason, f.source_uri) for f in failures] == [("corrupt gzip member", f"file:///x.warc.gz#offset={len(before)}")]


def test_garbage_between_plain_records_is_skipped_to_the_next_record():
    before = warc_bytes([Rec("https://a.example/1.html", PAGE)], gzipped=False)
    data = before + b"\x00garbage that is no WARC header\r\n\r\n" + warc_bytes([Rec("https://a.example/2.html", PAGE)], False)
    pages, failures, _, _ = read(data)
    assert [p.page.url for p in pages] == ["https://a.example/1.html", "https://a.example/2.html"]
    assert [(f.reason, f.source_uri) for f in failures] == [("corrupt record", f"file:///x.warc.gz#offset={len(before)}")]


def test_a_record_over_the_size_cap_is_skipped_without_being_kept(monkeypatch):
    monkeypatch.setattr(warc, "MAX_RECORD_BYTES", 5_000)
    big = Rec("https://a.example/big.html", b"<html><body>" + b"x" * 20_000 + b"</body></html>")
    for gzipped in (True, False):
        pages, failures, skipped, _ = read(warc_bytes([big, Rec("https://a.example/1.html", PAGE)], gzipped), chunk=1000)
        assert [p.page.url for p in pages] == ["https://a.example/1.html"] and failures == []
        assert skipped == {warc.SKIP_TOO_LARGE: 1}


def test_a_response_without_a_web_target_uri_is_a_failure():
    pages, failures, _, _ = read(warc_bytes([Rec("ftp://a.example/1.html", PAGE), Rec("https://a.example/2.html", PAGE)]))
    assert [p.page.url for p in pages] == ["https://a.example/2.html"]
    assert [f.reason for f in failures] == ["bad url"]


def test_filters_by_site_language_and_capture_date_before_extraction():
    records = [
        Rec("https://www.lemonde.fr/1.html", PAGE),                                               # fr by <html lang>
        Rec("https://lemonde.fr/2.html", html_page("T", ["x"], lang=None), http_headers=(("Content-Language", "fr-FR"),)),
        Rec("https://www.lemonde.fr/3.html", html_page("T", ["x"], lang="en")),
        Rec("https://www.lemonde.fr/4.html", html_page("T", ["x"], lang=None)),                 # declares none
        Rec("https://notlemonde.fr/5.html", PAGE),                                                # not a subdomain
        Rec("https://www.lemonde.fr/6.html", PAGE, date="2024-02-29T23:59:59Z"),
        Rec("https://www.lemonde.fr/7.html", PAGE, date="2024-03-02T23:59:59Z"),                # until is inclusive
        Rec("https://www.lemonde.fr/8.html", PAGE, date="2024-03-03T00:00:00Z"),
    ]
    keep = warc_filter(["LeMonde.fr"], "fr", "2024-03-01", "2024-03-02")
    pages, failures, skipped, _ = read(warc_bytes(records), keep)
    assert [p.page.url.rsplit("/", 1)[1] for p in pages] == ["1.html", "2.html", "7.html"]
    assert failures == []
    assert skipped == {warc.SKIP_LANGUAGE: 1, warc.SKIP_NO_LANGUAGE: 1, warc.SKIP_SITE: 1, warc.SKIP_DATE: 2}


def test_declared_language_prefers_the_http_header_then_html_lang():
    assert declared_language("de-DE, en", b'<html lang="fr">') == "de"
    assert declared_language(None, b'<!doctype html><html class="x" lang=\'en-GB\'>') == "en"
    assert declared_language("", b"<html><body>") is None


def test_bounds_are_days_or_iso_times_in_utc():
    assert parse_bound("2024-03-01") == datetime(2024, 3, 1)
    assert parse_bound("2024-03-01", end=True) == datetime(2024, 3, 2)
    assert parse_bound("2024-03-01T14:00:00+02:00") == datetime(2024, 3, 1, 12)
    with pytest.raises(ValueError):
        parse_bound("March 1st")


def test_a_warc_list_resolves_common_crawl_paths_against_the_host_and_others_against_the_list():
    import gzip

    data = gzip.compress(b"crawl-data/CC-NEWS/2024/03/CC-NEWS-1.warc.gz\n\nother.warc.gz\nhttps://x.example/y.warc\n")
    assert parse_warc_list(data, "https://data.example.org/crawl-data/CC-NEWS/2024/03/warc.paths.gz") == [
        "https://data.example.org/crawl-data/CC-NEWS/2024/03/CC-NEWS-1.warc.gz",
        "https://data.example.org/crawl-data/CC-NEWS/2024/03/other.warc.gz",
        "https://x.example/y.warc",
    ]


def test_a_streamed_warc_loads_and_one_over_the_size_cap_is_a_failure():
    from tasks.web.exchange import FetchConfig
    from tasks.web.warc import WarcSource, archive_batches
    from tests.loopback_server import LoopbackServer, Page, Site

    data = warc_bytes([Rec("https://a.example/1.html", PAGE), Rec("https://a.example/2.html", PAGE)])
    with LoopbackServer(Site(articles={"/a.warc.gz": Page(data, "application/warc")})) as server:
        source = WarcSource("warc:" + server.url("/a.warc.gz"), server.url("/a.warc.gz"))
        config = FetchConfig(allow_hosts=frozenset({"127.0.0.1"}))
        batches = list(archive_batches([source], KEEP_ALL, 100, config))
        assert [p.page.url for b in batches for p in b.pages] == ["https://a.example/1.html", "https://a.example/2.html"]
        assert [f for b in batches for f in b.failures] == []
        capped = list(archive_batches([source], KEEP_ALL, 100, FetchConfig(allow_hosts=config.allow_hosts,
                                                                               archive_max_bytes=len(data) // 4)))
        assert [p for b in capped for p in b.pages] == []   # the cap is below the first record's end
        # The download's own failure comes last (a partial first chunk would add "truncated record" first).
        assert [(f.reason, f.source_uri) for b in capped for f in b.failures][-1] == ("too large", server.url("/a.warc.gz"))
        # Without the allow-list the guard refuses the loopback address: nothing is sent.
        refused = list(archive_batches([source], KEEP_ALL, 100, FetchConfig(allow_hosts=frozenset())))
        assert [f.reason for b in refused for f in b.failures] == ["blocked address"]
        assert [p for p, _ in server.log] == ["/a.warc.gz", "/a.warc.gz"]


def test_a_gzip_encoded_payload_is_decoded_and_a_bomb_stops_at_the_cap(monkeypatch):
    import gzip

    encoded = Rec("https://a.example/1.html", gzip.compress(PAGE), http_headers=(("Content-Encoding", "gzip"),))
    pages, failures, _, _ = read(warc_bytes([encoded]))
    assert failures == [] and pages[0].page.body == PAGE
    monkeypatch.setattr(warc, "MAX_RECORD_BYTES", 100_000)
    bomb = Rec("https://a.example/bomb.html", gzip.compress(b"<html>" + b" " * 5_000_000),
               http_headers=(("Content-Encoding", "gzip"),))
    pages, failures, skipped, _ = read(warc_bytes([bomb, Rec("https://a.example/2.html", PAGE)]))
    assert [p.page.url for p in pages] == ["https://a.example/2.html"] and skipped == {warc.SKIP_TOO_LARGE: 1}


def test_a_record_the_parser_raises_on_is_that_records_failure(monkeypatch):
    real = warc.record_outcome

    def flaky(frame, source_id, uri, keep):
        if b"/2.html" in frame.data:
            raise RuntimeError("parser bug")
        return real(frame, source_id, uri, keep)

    monkeypatch.setattr(warc, "record_outcome", flaky)
    pages, failures, _, _ = read(warc_bytes([Rec(f"https://a.example/{i}.html", PAGE) for i in (1, 2, 3)]))
    assert [p.page.url for p in pages] == ["https://a.example/1.html", "https://a.example/3.html"]
    assert [(f.stage, f.error_type) for f in failures] == [("read", "RuntimeError")]
