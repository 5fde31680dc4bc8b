"""Web inputs end to end before the warehouse: discover article URLs, fetch them, and turn a
fetched page into an Article (in the extraction sandbox). No Prefect and no DuckDB here: the
flow passes in what the warehouse remembers (validators, robots.txt) and loads what comes out.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from tasks.isolation import InputError, stage
from tasks.models import Failure, PageHints, PageRecord, RawPage, RobotsEntry, WebPage, compress_raw, utcnow
from tasks.web.exchange import HTML_TYPES, XML_TYPES, FetchConfig, FetchedPage, FetchError
from tasks.web.feeds import DiscoveryError, Link, check_served_as_html, parse_feed, parse_sitemap, parse_url_list
from tasks.web.fetch import Fetcher
from tasks.web.urls import canonical_url, strip_userinfo

MAX_CHILD_SITEMAPS = 50
Validators = dict[str, tuple[str | None, str | None]]   # url → (etag, last_modified)


@dataclass
class WebSources:
    """What to fetch: article URLs, feeds, sitemaps and URL-list files."""

    urls: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    url_lists: list[str] = field(default_factory=list)
    outlets: dict[str, str] = field(default_factory=dict)   # URL as given → the outlet's name in sources.toml

    def __bool__(self) -> bool:
        return bool(self.urls or self.feeds or self.sitemaps or self.url_lists)

    def extend(self, other: WebSources) -> None:
        for name in ("urls", "feeds", "sitemaps", "url_lists"):
            getattr(self, name).extend(getattr(other, name))
        self.outlets.update(other.outlets)


def load_sources_file(path: str | Path) -> WebSources:
    """The outlets file (sources.toml): [[outlet]] tables with feeds, sitemaps, urls lists."""
    with open(path, "rb") as fh:
        config = tomllib.load(fh)
    sources = WebSources()
    for outlet in config.get("outlet", []):
        sources.feeds += outlet.get("feeds", [])
        sources.sitemaps += outlet.get("sitemaps", [])
        sources.urls += outlet.get("urls", [])
        if isinstance(name := outlet.get("name"), str) and name.strip():
            for url in (*outlet.get("feeds", []), *outlet.get("sitemaps", []), *outlet.get("urls", [])):
                sources.outlets[url] = name.strip()
    return sources


@dataclass(frozen=True)
class Target:
    """An article URL to fetch, the source that listed it and what the listing said of it."""

    url: str
    source_id: str
    title: str | None = None
    published: str | None = None          # the listing's date as written (tasks/web/feeds.Link)
    published_source: str | None = None   # feed, feed:updated, sitemap, sitemap:lastmod
    outlet: str | None = None             # the outlet's name in sources.toml

    def hints(self) -> PageHints | None:
        """What extraction may use as evidence from outside the page; None when nothing."""
        if self.title is None and self.published is None and self.outlet is None:
            return None
        return PageHints(self.title, self.published, self.published_source, self.outlet)


@dataclass
class Discovery:
    targets: list[Target] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    pages: list[PageRecord] = field(default_factory=list)   # the feeds and sitemaps read
    requests: int = 0   # HTTP requests discovery sent (robots.txt, retries and redirects included)


def _record(page: FetchedPage | FetchError, kind: str, source_id: str) -> PageRecord:
    if isinstance(page, FetchError):
        return PageRecord(page.url, kind, source_id, utcnow(), status=page.status, outcome=f"failed: {page.reason}")
    return PageRecord(page.url, kind, source_id, page.fetched_at, final_url=page.final_url, status=page.status,
                      content_type=page.content_type, etag=page.etag, last_modified=page.last_modified,
                      raw_sha256=page.sha256 if page.body else None,
                      outcome="not modified" if page.not_modified else None)


def _failure(error: FetchError, source_id: str) -> Failure:
    return Failure(source_id, error.url, "fetch", error.reason, error.detail, error.error_type)


def _bad_url(source_id: str, raw: str) -> Failure:
    return Failure(source_id, strip_userinfo(raw), "discover", "bad url",
                   "only http(s) URLs with a valid host and port are fetched")


async def discover(fetcher: Fetcher, sources: WebSources, validators: Validators) -> Discovery:
    """Article URLs from every source, canonical and each once (the first source in order wins).

    Each feed, sitemap and child sitemap is read at most once per run (by canonical URL, so an
    index that lists itself, or A → B → A, costs one fetch each). Any exception while handling one
    URL (fetch, parse, dates) becomes that URL's failure; the other URLs go on."""
    out = Discovery()
    found: list[Target] = []
    for raw in sources.urls:
        try:
            url = canonical_url(raw)
        except ValueError:
            out.failures.append(_bad_url(f"url:{strip_userinfo(raw)}", raw))
            continue
        found.append(Target(url, f"url:{url}", outlet=sources.outlets.get(raw)))
    for path in sources.url_lists:
        source_id = f"urls:{Path(path).absolute()}"
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            out.failures.append(Failure(source_id, Path(path).absolute().as_uri(), "discover", "unreadable list", str(exc)))
            continue
        try:
            with stage("discover", path):   # one list's fault, not the run's (tasks/isolation.py)
                urls, rejected = parse_url_list(text)
        except InputError as err:
            out.failures.append(err.failure(source_id, Path(path).absolute().as_uri()))
            continue
        found += [Target(u, source_id) for u in urls]
        out.failures += [_bad_url(source_id, line) for line in rejected]

    listed: dict[int, list[Target]] = {}   # by position of the feed/sitemap in the request: deterministic
    visited: set[str] = set()              # listings read this run (canonical URLs)

    async def read_listing(kind: str, url: str, source_id: str, order: int, depth: int = 0,
                           outlet: str | None = None) -> None:
        if url in visited:
            return
        visited.add(url)
        record: PageRecord | None = None
        try:
            with stage("discover", url):   # one listing's fault (parser bug, bad date, bad URL): not the run's
                etag, modified = validators.get(url, (None, None))
                page = await fetcher.fetch(url, accept=XML_TYPES, etag=etag, last_modified=modified)
                record = _record(page, kind, source_id)
                out.pages.append(record)
                if isinstance(page, FetchError):
                    out.failures.append(Failure(source_id, url, "discover", page.reason, page.detail))
                    return
                if page.not_modified:
                    return
                try:
                    if page.content_type in HTML_TYPES:
                        check_served_as_html(page.body, kind, page.content_type)
                    if kind == "feed":
                        links: list[Link] = parse_feed(page.body, page.final_url)
                        children: list[str] = []
                    else:
                        sitemap = parse_sitemap(page.body, page.final_url)
                        links, children = sitemap.links, sitemap.sitemaps
                except DiscoveryError as exc:
                    record.outcome = f"failed: {exc.reason}"
                    out.failures.append(Failure(source_id, url, "discover", exc.reason, exc.detail))
                    return
                children = [c for c in dict.fromkeys(children) if c not in visited]
                record.outcome = "listed"
                listed.setdefault(order, []).extend(Target(link.url, source_id, link.title, link.date_text,
                                                            link.date_source, outlet) for link in links)
        except InputError as err:
            if record is None:
                out.pages.append(PageRecord(url, kind, source_id, utcnow(), outcome=f"failed: {err.reason}"))
            else:
                record.outcome = f"failed: {err.reason}"
            out.failures.append(err.failure(source_id, url))
            return
        if children and depth >= 2:
            out.failures.append(Failure(source_id, url, "discover", "sitemap too deep", "index of indexes of indexes"))
            return
        if len(children) > MAX_CHILD_SITEMAPS:
            out.failures.append(Failure(source_id, url, "discover", "too many sitemaps",
                                        f"{len(children)} child sitemaps; the first {MAX_CHILD_SITEMAPS} are read"))
        for child in children[:MAX_CHILD_SITEMAPS]:
            await read_listing("sitemap", child, source_id, order, depth + 1, outlet)

    async with anyio.create_task_group() as group:
        listings = [("feed", u) for u in sources.feeds] + [("sitemap", u) for u in sources.sitemaps]
        for order, (kind, raw) in enumerate(listings):
            try:
                url = canonical_url(raw)
            except ValueError:
                out.failures.append(_bad_url(f"{kind}:{strip_userinfo(raw)}", raw))
                continue
            group.start_soon(read_listing, kind, url, f"{kind}:{url}", order, 0, sources.outlets.get(raw))
    for order in sorted(listed):
        found.extend(listed[order])
    seen: set[str] = set()
    for target in found:
        if target.url not in seen:
            seen.add(target.url)
            out.targets.append(target)
    return out


async def fetch_pages(fetcher: Fetcher, targets: Sequence[Target], validators: Validators
                      ) -> list[FetchedPage | FetchError]:
    """Fetch article pages concurrently (the fetcher enforces per-host limits); results in order.
    An exception while fetching one URL becomes that URL's FetchError; the others go on."""
    results: list[FetchedPage | FetchError | None] = [None] * len(targets)

    async def one(i: int, target: Target) -> None:
        try:
            with stage("fetch", target.url):   # one URL's fault, not the run's
                etag, modified = validators.get(target.url, (None, None))
                results[i] = await fetcher.fetch(target.url, accept=HTML_TYPES, etag=etag, last_modified=modified)
        except InputError as err:
            results[i] = FetchError(target.url, err.reason, err.detail, error_type=err.error_type)

    async with anyio.create_task_group() as group:
        for i, target in enumerate(targets):
            group.start_soon(one, i, target)
    return results  # type: ignore[return-value]


@dataclass
class FetchBatch:
    """A fetched batch: pages for extraction, failures, page records and raw bodies for the warehouse."""

    pages: list[WebPage] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    records: list[PageRecord] = field(default_factory=list)
    raw: list[RawPage] = field(default_factory=list)
    robots: list[RobotsEntry] = field(default_factory=list)
    requests: int = 0


def fetch_batch(targets: Sequence[Target], config: FetchConfig, validators: Validators,
                robots: Sequence[RobotsEntry] = ()) -> FetchBatch:
    """Fetch a batch of article URLs (blocking: runs its own event loop)."""
    async def run() -> tuple[list[FetchedPage | FetchError], Fetcher]:
        async with Fetcher(config, robots) as fetcher:
            return await fetch_pages(fetcher, targets, validators), fetcher

    results, fetcher = anyio.run(run)
    out = FetchBatch(robots=list(fetcher.robots_fetched), requests=fetcher.requests)
    for target, result in zip(targets, results, strict=True):
        try:
            with stage("fetch", target.url):   # one page's fault, not the run's
                record = _record(result, "article", target.source_id)
                if isinstance(result, FetchError):
                    failure = _failure(result, target.source_id)
                elif not result.not_modified:
                    page = WebPage(target.source_id, target.url, result.final_url, result.body,
                                   result.charset, result.sha256, target.hints())
                    raw = RawPage(result.sha256, compress_raw(result.body), len(result.body),
                                  result.content_type, result.charset, result.final_url)
        except InputError as err:
            out.records.append(PageRecord(target.url, "article", target.source_id, utcnow(),
                                          outcome=f"failed: {err.reason}"))
            out.failures.append(err.failure(target.source_id, target.url))
            continue
        out.records.append(record)
        if isinstance(result, FetchError):
            out.failures.append(failure)
        elif not result.not_modified:
            out.pages.append(page)
            out.raw.append(raw)
    return out


def discover_sources(sources: WebSources, config: FetchConfig, validators: Validators,
                     robots: Sequence[RobotsEntry] = ()) -> tuple[Discovery, list[RobotsEntry]]:
    """Blocking wrapper of discover()."""
    async def run() -> tuple[Discovery, Fetcher]:
        async with Fetcher(config, robots) as fetcher:
            return await discover(fetcher, sources, validators), fetcher

    found, fetcher = anyio.run(run)
    found.requests = fetcher.requests
    return found, list(fetcher.robots_fetched)
