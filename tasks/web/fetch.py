"""Polite, bounded, guarded HTTP fetching (httpx, async).

One `Fetcher` per run: robots.txt per origin (Protego, RFC 9309), at most N requests in flight
per host with a minimum delay (Crawl-delay honoured up to a cap), retries with jittered
exponential backoff on 429/5xx/timeouts honouring Retry-After, an overall deadline per
attempt (httpx timeouts are per read), a cap on decompressed bytes, manual redirects with a
limit and loop detection, a content-type check, and the connect-time address guard of
tasks/web/netguard.py. Every outcome is a `FetchedPage` or a `FetchError` with a reason; nothing
raises to the caller for a bad page.
"""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import AsyncIterator, Iterable
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx
from protego import Protego

from tasks.models import UNREACHABLE, RobotsEntry, utcnow
from tasks.web.exchange import (
    HTML_TYPES,
    REDIRECTS,
    BoundedDecoder,
    FetchConfig,
    FetchedPage,
    FetchError,
    FetchFailed,
    parse_content_type,
    retry_after_seconds,
)
from tasks.web.netguard import BlockedAddress, GuardedBackend, Resolver, system_resolver
from tasks.web.urls import WEB_SCHEMES, origin, resolve, strip_userinfo


class _Retry(Exception):
    def __init__(self, error: FetchError, wait: float | None = None):
        super().__init__(error.detail)
        self.error, self.wait = error, wait


class _HostGate:
    """At most N requests in flight on a host, and a minimum delay between their starts."""

    def __init__(self, concurrency: int):
        self.slots = anyio.Semaphore(concurrency)
        self.lock = anyio.Lock()
        self.next_start = 0.0

    async def wait_turn(self, delay: float) -> None:
        async with self.lock:
            now = time.monotonic()
            if self.next_start > now:
                await anyio.sleep(self.next_start - now)
            self.next_start = max(now, self.next_start) + delay


class Fetcher:
    """Use as `async with Fetcher(config) as f: await f.fetch(url)`."""

    def __init__(self, config: FetchConfig | None = None, robots: Iterable[RobotsEntry] = (),
                 resolver: Resolver = system_resolver, network_backend: httpcore.AsyncNetworkBackend | None = None):
        self.config = config or FetchConfig()
        self.robots: dict[str, RobotsEntry] = {r.origin: r for r in robots}
        self.robots_fetched: list[RobotsEntry] = []   # new entries, for the warehouse
        self._parsers: dict[str, Protego | None] = {}
        self._robots_locks: dict[str, anyio.Lock] = {}
        self._gates: dict[str, _HostGate] = {}
        self._backend = GuardedBackend(self.config.allow_hosts, resolver, network_backend)
        self._client: httpx.AsyncClient | None = None
        self._slots = anyio.Semaphore(self.config.concurrency)
        self.requests = 0

    async def __aenter__(self) -> Fetcher:
        c = self.config
        transport = httpx.AsyncHTTPTransport(trust_env=False)
        # httpx has no public hook for the network backend: give its transport a pool that has one.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=c.concurrency * 2,
            network_backend=self._backend,
        )
        self._client = httpx.AsyncClient(
            transport=transport, trust_env=False, follow_redirects=False,
            timeout=httpx.Timeout(c.read_timeout, connect=c.connect_timeout),
            headers={"User-Agent": c.user_agent, "Accept-Encoding": "gzip, deflate, br"},
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self._client is not None:
            await self._client.aclose()

    # -- public -------------------------------------------------------------------------------

    async def fetch(self, url: str, accept: tuple[str, ...] = HTML_TYPES, etag: str | None = None,
                    last_modified: str | None = None) -> FetchedPage | FetchError:
        """GET one URL with retries; conditional when validators are given. Credentials in the URL
        are dropped (never sent, never in the result)."""
        url = strip_userinfo(url)
        headers = {"Accept": ", ".join((*accept, "*/*;q=0.1"))}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._slots:
            return await self._with_retries(url, headers, accept, robots_file=False)

    async def _with_retries(self, url: str, headers: dict[str, str], accept: tuple[str, ...],
                            robots_file: bool) -> FetchedPage | FetchError:
        c = self.config
        attempt = 0
        while True:
            try:
                return await self._attempt(url, headers, accept, robots_file)
            except FetchFailed as fail:
                return _with_url(fail.error, url)
            except _Retry as retry:
                if attempt >= (0 if robots_file else c.retries):
                    return _with_url(retry.error, url)
                if retry.wait is not None and retry.wait > c.max_retry_after:
                    return FetchError(url, retry.error.reason, f"{retry.error.detail}; Retry-After "
                                      f"{retry.wait:.0f} s is over the {c.max_retry_after:.0f} s cap",
                                      retry.error.status)
                backoff = min(c.backoff_max, c.backoff_base * 2 ** attempt) * random.uniform(0.5, 1.5)
                await anyio.sleep(max(backoff, retry.wait or 0.0))
                attempt += 1

    async def robots_entry(self, url: str) -> RobotsEntry:
        """robots.txt of the URL's origin: cached (≤ robots_ttl), else fetched now."""
        key = origin(url)
        lock = self._robots_locks.setdefault(key, anyio.Lock())
        async with lock:
            entry = self.robots.get(key)
            if entry is None or utcnow() - entry.fetched_at > self.config.robots_ttl:
                entry = await self._fetch_robots(key)
                self.robots[key] = entry
                if entry.unreachable_reason is None:   # a failure is not remembered past this fetcher
                    self.robots_fetched.append(entry)
                self._parsers.pop(key, None)
            return entry

    async def allowed(self, url: str) -> tuple[bool, float]:
        """(may fetch, crawl delay in seconds) for the configured user agent."""
        if not self.config.obey_robots:
            return True, 0.0
        entry = await self.robots_entry(url)
        if entry.rule != "parse":
            return entry.rule == "allow", 0.0
        key = entry.origin
        if key not in self._parsers:
            self._parsers[key] = entry.parser()
        parser = self._parsers[key]
        agent = self.config.user_agent.split("/", 1)[0]
        delay = parser.crawl_delay(agent) or 0.0
        return parser.can_fetch(url, agent), float(delay)

    async def stream(self, url: str, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        """GET a large file (a WARC archive) and yield its bytes as they come, never whole: the
        address guard, redirects, the status check, archive_max_bytes (decompressed) and the
        archive_deadline as for pages. An archive is a data set named by the user, not a page of a
        site being crawled: robots.txt is not consulted. Raises FetchFailed (no retries: a part
        already handed on cannot be taken back)."""
        c = self.config
        assert self._client is not None, "use Fetcher as an async context manager"
        current = strip_userinfo(url)
        seen = [current]
        ends = time.monotonic() + c.archive_deadline
        for _hop in range(c.max_redirects + 1):
            if current.split(":", 1)[0].lower() not in WEB_SCHEMES or not urlsplit(current).hostname:
                raise FetchFailed(FetchError(url, "bad url", f"not an http(s) URL with a host: {current}"))
            try:
                self.requests += 1
                async with self._client.stream("GET", current, headers={"Accept": "*/*"}) as resp:
                    status = resp.status_code
                    if status in REDIRECTS:
                        location = resp.headers.get("location")
                        if not location:
                            raise FetchFailed(FetchError(url, "status", f"{status} without Location", status))
                        nxt = strip_userinfo(resolve(current, location))
                        if nxt in seen:
                            raise FetchFailed(FetchError(url, "redirect loop", " → ".join([*seen, nxt])))
                        seen.append(nxt)
                        current = nxt
                        continue
                    if status != 200:
                        raise FetchFailed(FetchError(url, "status", f"HTTP {status} from {current}", status))
                    decoder = BoundedDecoder(resp.headers.get("content-encoding"), c.archive_max_bytes)
                    async for raw in resp.aiter_raw(chunk_size):
                        if time.monotonic() > ends:
                            raise FetchFailed(FetchError(url, "timeout", f"download of {current} not finished "
                                                         f"within {c.archive_deadline:g} s"))
                        if data := decoder.feed(raw):
                            yield data
                    return
            except _EXCHANGE_ERRORS as exc:   # a download is not retried: its records may already be loaded
                error, _ = _exchange_error(exc, url, current, f"{type(exc).__name__} reading {current}")
                raise FetchFailed(error) from None
        raise FetchFailed(FetchError(url, "too many redirects", f"more than {c.max_redirects}: " + " → ".join(seen)))

    # -- internals ----------------------------------------------------------------------------

    async def _fetch_robots(self, key: str) -> RobotsEntry:
        url = key + "/robots.txt"
        now = utcnow()
        # Not through the overall slots: the page fetch waiting for it already holds one.
        result = await self._with_retries(url, {"Accept": "text/plain, */*;q=0.1"}, (), robots_file=True)
        if isinstance(result, FetchedPage):
            return RobotsEntry(key, now, result.status, result.body.decode("utf-8", "replace"), "parse")
        if result.reason == "too large":
            # RFC 9309: parse at least the first 500 KiB. We refuse rather than cut a rule in half.
            return RobotsEntry(key, now, None, None, "deny", "robots.txt over the size cap")
        if result.reason == "status" and result.status is not None and 400 <= result.status < 500:
            return RobotsEntry(key, now, result.status, None, "allow", f"robots.txt status {result.status}")
        # RFC 9309 §2.3.1.4: any other failure (5xx, network error, a redirect to a blocked address,
        # TLS error, timeout) means complete disallow. A 5xx is a robots refusal, the rest keep their cause.
        cause = "robots" if result.reason == "status" else result.reason
        return RobotsEntry(key, now, result.status, None, "deny", f"{UNREACHABLE} ({cause}): {result.detail}")

    def _robots_refusal(self, url: str, site: str) -> FetchError:
        """Why robots.txt stops `url`: its rules, or the real cause when it could not be fetched."""
        entry = self.robots.get(site)
        cause = entry.unreachable_reason if entry is not None else None
        if cause is None:
            return FetchError(url, "robots", f"disallowed by {site}/robots.txt"
                              + (f" ({entry.detail})" if entry is not None and entry.detail else ""))
        return FetchError(url, cause, f"{entry.detail}; RFC 9309: a robots.txt that cannot be fetched "
                          "disallows the whole site", entry.status)

    def _gate(self, url: str) -> _HostGate:
        key = origin(url)
        if key not in self._gates:
            self._gates[key] = _HostGate(self.config.per_host_concurrency)
        return self._gates[key]

    async def _attempt(self, url: str, headers: dict[str, str], accept: tuple[str, ...],
                       robots_file: bool) -> FetchedPage:
        c = self.config
        started = time.monotonic()
        current = strip_userinfo(url)   # credentials are never sent (httpx would make them Basic auth)
        seen = [current]
        for _hop in range(c.max_redirects + 1):
            scheme = current.split(":", 1)[0].lower()
            if scheme not in WEB_SCHEMES:
                raise FetchFailed(FetchError(url, "bad scheme", f"{scheme}: URLs are not fetched ({current})"))
            try:
                site = origin(current)
                if not urlsplit(current).hostname:
                    raise ValueError("no host")
            except ValueError as exc:   # a bad port or a broken IPv6 literal, given or redirected to
                raise FetchFailed(FetchError(url, "bad url", f"{current}: {exc}")) from None
            may, crawl_delay = (True, 0.0) if robots_file else await self.allowed(current)
            if not may:
                raise FetchFailed(self._robots_refusal(url, site))
            gate = self._gate(current)
            async with gate.slots:
                await gate.wait_turn(max(c.per_host_delay, min(crawl_delay, c.max_crawl_delay)))
                limit = c.robots_max_bytes if robots_file else c.max_bytes
                page_or_location = await self._exchange(url, current, headers, accept, started, limit)
            if isinstance(page_or_location, FetchedPage):
                return page_or_location
            nxt = page_or_location
            if nxt in seen:
                raise FetchFailed(FetchError(url, "redirect loop", " → ".join([*seen, nxt])))
            seen.append(nxt)
            current = nxt
        raise FetchFailed(FetchError(url, "too many redirects", f"more than {c.max_redirects}: " + " → ".join(seen)))

    async def _exchange(self, url: str, current: str, headers: dict[str, str], accept: tuple[str, ...],
                        started: float, limit: int) -> FetchedPage | str:
        """One request; returns the page, or the next URL of a redirect."""
        c = self.config
        assert self._client is not None, "use Fetcher as an async context manager"
        t0 = time.monotonic()
        try:
            with anyio.fail_after(c.deadline):
                self.requests += 1
                async with self._client.stream("GET", current, headers=headers) as resp:
                    status = resp.status_code
                    if status in REDIRECTS:
                        location = resp.headers.get("location")
                        if not location:
                            raise FetchFailed(FetchError(url, "status", f"{status} without Location", status))
                        return strip_userinfo(resolve(current, location))
                    if status == 304:
                        if not {"If-None-Match", "If-Modified-Since"} & headers.keys():
                            raise FetchFailed(FetchError(url, "unexpected 304", f"304 Not Modified from {current} to a "
                                                   "request without If-None-Match or If-Modified-Since", status))
                        return self._page(url, current, resp, b"", time.monotonic() - started)
                    if status == 429 or status >= 500:
                        raise _Retry(FetchError(url, "status", f"HTTP {status} from {current}", status),
                                     retry_after_seconds(resp.headers.get("retry-after")))
                    if status >= 400 or status < 200 or status == 204:
                        raise FetchFailed(FetchError(url, "status", f"HTTP {status} from {current}", status))
                    media, _ = parse_content_type(resp.headers.get("content-type"))
                    if accept and media is not None and media not in accept and not _xml_ok(media, accept):
                        kind = "not html" if accept == HTML_TYPES else "wrong content type"
                        raise FetchFailed(FetchError(url, kind, f"Content-Type {media} from {current}", status))
                    length = resp.headers.get("content-length")
                    if length and length.isdigit() and int(length) > limit and \
                            resp.headers.get("content-encoding", "identity") == "identity":
                        raise FetchFailed(FetchError(url, "too large", f"Content-Length {length} > {limit}", status))
                    decoder = BoundedDecoder(resp.headers.get("content-encoding"), limit)
                    chunks = [decoder.feed(chunk) async for chunk in resp.aiter_raw()]
                    return self._page(url, current, resp, b"".join(chunks), time.monotonic() - started)
        except TimeoutError:
            raise _Retry(FetchError(url, "timeout", f"no complete answer from {current} within {c.deadline:g} s")) from None
        except _EXCHANGE_ERRORS as exc:
            error, transient = _exchange_error(exc, url, current,
                                               f"{type(exc).__name__} after {time.monotonic() - t0:.1f} s")
            raise (_Retry(error) if transient else FetchFailed(error)) from None

    def _page(self, url: str, current: str, resp: httpx.Response, body: bytes, elapsed: float) -> FetchedPage:
        media, charset = parse_content_type(resp.headers.get("content-type"))
        return FetchedPage(url=url, final_url=current, status=resp.status_code, content_type=media,
                           charset=charset, etag=resp.headers.get("etag"),
                           last_modified=resp.headers.get("last-modified"), body=body,
                           fetched_at=utcnow(), elapsed=elapsed)


_EXCHANGE_ERRORS = (BlockedAddress, FetchFailed, httpx.TransportError, httpcore.ConnectError, httpx.InvalidURL)


def _exchange_error(exc: BaseException, url: str, current: str, timed_out: str) -> tuple[FetchError, bool]:
    """What an exception raised during an exchange with `current` (asked as `url`) means: the
    failure, and whether it is transient (a timeout or a dropped connection may pass on a retry; a
    blocked address, a TLS mismatch or a bad URL will not). One mapping for pages and downloads."""
    if isinstance(exc, BlockedAddress):
        return FetchError(url, "blocked address", str(exc)), False
    if isinstance(exc, FetchFailed):
        return _with_url(exc.error, url), False
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(url, "timeout", timed_out), True
    if isinstance(exc, httpx.InvalidURL):
        return FetchError(url, "bad url", str(exc)), False
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, BlockedAddress):
        return FetchError(url, "blocked address", str(cause)), False
    if _is_tls_error(exc):   # deterministic (e.g. https:// on a plain-HTTP port)
        after = " after a redirect" if current != strip_userinfo(url) else ""
        return FetchError(url, "tls error", f"TLS error{after} connecting to {current}: {exc}"), False
    return FetchError(url, "connection error", f"{type(exc).__name__}: {exc}"), True


def _is_tls_error(exc: BaseException) -> bool:
    """Whether a transport error is a failed TLS handshake (ssl.SSLError anywhere in its chain)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return "[SSL" in str(exc)


def _xml_ok(media: str, accept: tuple[str, ...]) -> bool:
    """Whether a listing's (feed, sitemap) type may hold XML: text/html too, as many servers send
    it for feeds; discovery sniffs the body then (tasks.web.feeds.check_served_as_html)."""
    return accept != HTML_TYPES and (media.endswith("+xml") or media.endswith("/xml") or media in HTML_TYPES)


def _with_url(error: FetchError, url: str) -> FetchError:
    return error if error.url == url else FetchError(url, error.reason, error.detail, error.status)

