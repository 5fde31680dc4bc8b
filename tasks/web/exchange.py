"""What one HTTP exchange needs and gives: the fetch settings, the page or the error, a robots.txt
entry, header parsing, and a Content-Encoding decoder bounded in output (tasks/web/fetch.py runs
the exchanges)."""

from __future__ import annotations

import email.utils
import hashlib
import re
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import brotli

from tasks.web.netguard import allow_hosts_from_env

DEFAULT_USER_AGENT = "newsflow/0.1 (news ingestion; +https://github.com/newsflow/newsflow)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
             "application/rdf+xml", "application/x-gzip", "application/gzip", "application/octet-stream",
             "text/plain")
REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class FetchConfig:
    """Fetch settings; every field has a production default (tests shorten the waits)."""

    user_agent: str = DEFAULT_USER_AGENT
    deadline: float = 30.0              # seconds per attempt, whole exchange including the body
    connect_timeout: float = 10.0
    read_timeout: float = 10.0
    max_bytes: int = 10_000_000         # decompressed
    max_redirects: int = 5
    retries: int = 3                    # extra attempts on 429/5xx/timeouts/connection errors
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0      # a longer Retry-After gives up at once
    per_host_concurrency: int = 2
    per_host_delay: float = 0.25        # minimum seconds between request starts on one host
    max_crawl_delay: float = 10.0
    concurrency: int = 16               # requests in flight overall
    obey_robots: bool = True
    robots_ttl: timedelta = timedelta(hours=24)   # a robots.txt that could not be fetched is not cached
    robots_max_bytes: int = 500_000
    allow_hosts: frozenset[str] = field(default_factory=allow_hosts_from_env)
    archive_max_bytes: int = 8_000_000_000   # a streamed WARC download (CC-NEWS files are about 1 GB)
    archive_deadline: float = 3600.0         # seconds for a whole streamed download


@dataclass
class FetchedPage:
    """A successful exchange: 200 with a body, or 304 (not modified) without one."""

    url: str                 # as requested
    final_url: str           # after redirects
    status: int
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    body: bytes
    fetched_at: datetime
    elapsed: float

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True)
class FetchError:
    """Why a URL gave no page. `reason` is a short fixed vocabulary; `detail` says more."""

    url: str
    reason: str   # robots, status, timeout, too large, blocked address, not html, redirect loop, ...
    detail: str
    status: int | None = None
    error_type: str | None = None   # the exception's type, when an unexpected error ended the exchange




class FetchFailed(Exception):
    """Raised inside an exchange to end it with this error (no retry)."""

    def __init__(self, error: FetchError):
        super().__init__(error.detail)
        self.error = error


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header."""
    if not value:
        return None, None
    media, _, params = value.partition(";")
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.I)
    return media.strip().lower() or None, (m.group(1).lower() if m else None)


class BoundedDecoder:
    """Content-Encoding decoder that never produces more than `limit` bytes (bombs stop early)."""

    def __init__(self, encoding: str | None, limit: int):
        self.encoding = (encoding or "identity").strip().lower()
        self.limit, self.total = limit, 0
        if self.encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.encoding == "deflate":
            self._z, self._raw_deflate = zlib.decompressobj(), None
        elif self.encoding == "br":
            self._br = brotli.Decompressor()
        elif self.encoding not in ("identity", ""):
            raise FetchFailed(FetchError("", "unsupported encoding", f"Content-Encoding {self.encoding}"))

    def _count(self, data: bytes) -> bytes:
        self.total += len(data)
        if self.total > self.limit:
            raise FetchFailed(FetchError("", "too large", f"more than {self.limit} bytes once decompressed"))
        return data

    def feed(self, chunk: bytes) -> bytes:
        if self.encoding in ("identity", ""):
            return self._count(chunk)
        room = self.limit - self.total + 1
        if self.encoding == "br":
            out = [self._count(self._br.process(chunk, output_buffer_limit=room))]
            while not self._br.can_accept_more_data():
                out.append(self._count(self._br.process(b"", output_buffer_limit=self.limit - self.total + 1)))
            return b"".join(out)
        try:
            out = [self._count(self._z.decompress(chunk, room))]
            while self._z.unconsumed_tail:
                out.append(self._count(self._z.decompress(self._z.unconsumed_tail, self.limit - self.total + 1)))
        except zlib.error:
            if self.encoding == "deflate" and self._raw_deflate is None and self.total == 0:
                self._raw_deflate, self._z = True, zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate
                return self.feed(chunk)
            raise FetchFailed(FetchError("", "bad encoding", f"corrupt {self.encoding} stream")) from None
        return b"".join(out)
