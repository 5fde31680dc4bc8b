"""WARC archives (CC-NEWS, Heritrix, wget --warc-file, browsertrix) as fetched pages: pure reading
and filtering, streamed from any iterable of byte chunks (a file, an HTTP download).

The records are framed here (one gzip member per record, or a plain record by its Content-Length)
and parsed by fastwarc. fastwarc stops at the first corrupt gzip member and returns a truncated
record as an empty one; framing them ourselves makes a bad record one Failure (file URI and byte
offset) and lets the reader resynchronise on the next member or ``WARC/1.x`` header, so the rest
of the file loads. HTTP ``response`` records of HTML pages with status 200 become WebPages (the
same extract stage as fetched pages); every other record is skipped with a reason, counted.
Filters (site, declared language, capture date) run before extraction, on headers and a peek at
the start of the body, so scanning a large archive costs little.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import anyio
from anyio.from_thread import start_blocking_portal
from fastwarc.warc import ArchiveIterator, WarcRecordType

from tasks.documents.read import WARC_SUFFIXES
from tasks.isolation import InputError, stage
from tasks.models import Failure, PageRecord, WebPage
from tasks.web.exchange import HTML_TYPES, FetchConfig, FetchError, FetchFailed, parse_content_type
from tasks.web.fetch import Fetcher
from tasks.web.urls import canonical_url

MAX_RECORD_BYTES = 20 * 1024 * 1024   # a bigger record (video, archive) is skipped, never held in memory
FEED_BYTES = 16 * 1024                # compressed bytes given to zlib at a time
LANG_PEEK_BYTES = 4096                # <html lang> is looked for in the first bytes of the body
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_START = re.compile(rb"WARC/1\.[01]\r?\n")   # a record's first line (sought anywhere when resyncing)
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.I)
_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.I)

# Skip reasons (RunSummary.warc_skipped counts them).
SKIP_NOT_HTTP = "not http"
SKIP_STATUS = "status not 200"
SKIP_NOT_HTML = "not html"
SKIP_TOO_LARGE = "too large"
SKIP_SITE = "other site"
SKIP_DATE = "outside dates"
SKIP_LANGUAGE = "other language"
SKIP_NO_LANGUAGE = "language not declared"


def is_warc_name(name: str) -> bool:
    return name.lower().endswith(WARC_SUFFIXES)


@dataclass(frozen=True)
class WarcFilter:
    """Which records to keep, decided before extraction. `sites`: hosts (a subdomain matches its
    site); `language`: the declared one (Content-Language, else <html lang>; a record that declares
    none is skipped); `since`/`until`: the capture time (WARC-Date, UTC), `until` exclusive."""

    sites: frozenset[str] = frozenset()
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.sites or self.language or self.since or self.until)


def site_matches(url: str, sites: frozenset[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(host == s or host.endswith("." + s) for s in sites)


def declared_language(content_language: str | None, body: bytes) -> str | None:
    """The page's declared language as a lower-case primary subtag: Content-Language, else <html lang>."""
    if content_language:
        first = content_language.split(",")[0].strip()
        tag = re.split(r"[-_]", first)[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", tag):
            return tag
    m = _HTML_LANG.search(body[:LANG_PEEK_BYTES])
    return m.group(1).decode().lower() if m else None


@dataclass(frozen=True)
class Frame:
    """One record's bytes (uncompressed) and where it starts in the file (compressed offset for .gz)."""

    offset: int
    data: bytes


@dataclass(frozen=True)
class BadFrame:
    """A record that cannot be read: truncated, corrupt gzip member, or not a WARC header."""

    offset: int
    reason: str
    detail: str


@dataclass(frozen=True)
class TooLarge:
    offset: int


class _Chunks:
    """A pull buffer over an iterable of byte chunks, counting the bytes consumed before it."""

    def __init__(self, chunks: Iterable[bytes]):
        self._it = iter(chunks)
        self.buf = b""
        self.base = 0   # stream offset of buf[0]

    def more(self) -> bool:
        for chunk in self._it:
            if chunk:
                self.buf += chunk
                return True
        return False

    def drop(self, n: int) -> None:
        self.buf = self.buf[n:]
        self.base += n


def frames(chunks: Iterable[bytes]) -> Iterator[Frame | BadFrame | TooLarge]:
    """The records of a WARC stream, gzip-per-record or plain (told by its first bytes)."""
    src = _Chunks(chunks)
    while len(src.buf) < 2 and src.more():
        pass
    if src.buf[:2] == _GZIP_MAGIC[:2]:
        yield from _gzip_frames(src)
    else:
        yield from _plain_frames(src)


def _complete(data: bytes) -> str | None:
    """Why a decompressed record is incomplete (None when its block is all there)."""
    end = data.find(b"\r\n\r\n")
    if not data.startswith(b"WARC/") or end < 0:
        return "no WARC header"
    m = _CONTENT_LENGTH.search(data[: end + 2])
    if not m:
        return "no Content-Length"
    missing = int(m.group(1)) - (len(data) - end - 4)
    return f"{missing} bytes missing of {int(m.group(1))}" if missing > 0 else None


def _gzip_frames(src: _Chunks) -> Iterator[Frame | BadFrame | TooLarge]:
    resyncing = False   # after a corrupt member, until a member reads cleanly: one failure per bad stretch
    while src.buf or src.more():
        start = src.base
        z = zlib.decompressobj(31)
        out, size, pos, error = [], 0, 0, None
        while not z.eof:
            if pos >= len(src.buf) and not src.more():
                break
            # Fed in slices (zlib copies what follows a member's end into unused_data).
            fed = memoryview(src.buf)[pos : pos + FEED_BYTES]
            try:
                piece = z.decompress(fed, 1 << 20)
            except zlib.error as exc:
                error = str(exc)
                break
            # What was not consumed is in unconsumed_tail (output limit) or unused_data (member end).
            pos += len(fed) - len(z.unconsumed_tail) - len(z.unused_data)
            fed.release()
            size += len(piece)
            if size <= MAX_RECORD_BYTES:
                out.append(piece)
            else:   # too large: decompressed and dropped as it goes (the member's bytes are not kept)
                out = []
                src.drop(pos)
                pos = 0
        if z.eof:
            src.drop(pos)
            if size > MAX_RECORD_BYTES:
                resyncing = False
                yield TooLarge(start)
                continue
            data = b"".join(out)
            why = _complete(data) if data else None
            if data and why is None:
                resyncing = False
                yield Frame(start, data)
            elif data and not resyncing:
                yield BadFrame(start, "truncated record", why or "")
            continue
        if error is None:   # the stream ended inside the member
            if not resyncing:
                yield BadFrame(start, "truncated record", "the file ends inside this gzip member")
            return
        if not resyncing:
            yield BadFrame(start, "corrupt gzip member", error)
        resyncing = True
        nxt = _next_magic(src, 1)
        if nxt is None:
            return
        src.drop(nxt)


def _next_magic(src: _Chunks, after: int) -> int | None:
    """Position in src.buf of the next gzip member header after `after` (reads on as needed)."""
    pos = after
    while True:
        found = src.buf.find(_GZIP_MAGIC, pos)
        if found >= 0:
            return found
        pos = max(after, len(src.buf) - 2)
        if not src.more():
            return None


def _plain_frames(src: _Chunks) -> Iterator[Frame | BadFrame | TooLarge]:
    while True:
        while True:   # the blank lines between records
            while len(src.buf) < 8 and src.more():
                pass
            if src.buf[:2] == b"\r\n" or src.buf[:1] == b"\n":
                src.drop(2 if src.buf[:2] == b"\r\n" else 1)
                continue
            break
        if not src.buf:
            return
        start = src.base
        end = src.buf.find(b"\r\n\r\n")
        while end < 0 and len(src.buf) < 64 * 1024 and src.more():
            end = src.buf.find(b"\r\n\r\n")
        if not src.buf.startswith(b"WARC/1.") or end < 0:
            if end < 0 and src.buf.startswith(b"WARC/1.") and len(src.buf) < 64 * 1024:
                yield BadFrame(start, "truncated record", "the file ends inside the WARC header")
                return
            yield BadFrame(start, "corrupt record", "no WARC header here")
            if not _resync_plain(src):
                return
            continue
        if _WARC_START.search(src.buf, 1, end):   # a record cut short inside its header, then the next one
            yield BadFrame(start, "truncated record", "another record starts inside its WARC header")
            if not _resync_plain(src):
                return
            continue
        m = _CONTENT_LENGTH.search(src.buf[: end + 2])
        if not m:
            yield BadFrame(start, "corrupt record", "WARC header without Content-Length")
            if not _resync_plain(src):
                return
            continue
        total = end + 4 + int(m.group(1))
        if int(m.group(1)) > MAX_RECORD_BYTES:
            yield TooLarge(start)
            while len(src.buf) < total:
                total -= len(src.buf)
                src.drop(len(src.buf))
                if not src.more():
                    return
            src.drop(total)
            continue
        while len(src.buf) < total:
            if not src.more():
                yield BadFrame(start, "truncated record",
                               f"{total - len(src.buf)} bytes missing of {int(m.group(1))}")
                return
        while len(src.buf) < total + 4 and src.more():
            pass
        after = src.buf[total:total + 4]
        if after != b"\r\n\r\n" and not (len(after) < 4 and b"\r\n\r\n".startswith(after)):   # at EOF: tolerated
            # The block is not followed by the record separator: its Content-Length swallowed the
            # start of the next record (a record cut short inside the file). Resync inside it.
            yield BadFrame(start, "truncated record", "its block is not followed by the record separator")
            if not _resync_plain(src):
                return
            continue
        data = src.buf[:total]
        src.drop(total)
        yield Frame(start, data)


def _resync_plain(src: _Chunks) -> bool:
    """Drop bytes up to the next line that starts a WARC record; False at the end of the stream."""
    pos = 1
    while True:
        m = _WARC_START.search(src.buf, pos)
        if m:
            src.drop(m.start())
            return True
        pos = max(1, len(src.buf) - 10)
        if not src.more():
            return False


@dataclass
class WarcPage:
    """A record that goes to extraction: the page (its raw bytes are compressed by the extraction
    worker, tasks/documents/article.article_from_archived_page) and its pages-table row."""

    page: WebPage
    record: PageRecord


@dataclass
class WarcBatch:
    pages: list[WarcPage] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    records: int = 0   # every record read (skipped, failed or kept)


def record_outcome(frame: Frame, source_id: str, uri: str, keep: WarcFilter) -> WarcPage | Failure | str:
    """One framed record: a page, a Failure, or the reason it is skipped."""
    where = f"{uri}#offset={frame.offset}"
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(frame.data), parse_http=True, auto_decode="all",
                                           stream_detect=False)), None)
    except OSError as exc:
        return Failure(source_id, where, "read", "corrupt record", str(exc))
    if record is None:
        return Failure(source_id, where, "read", "corrupt record", "fastwarc found no record")
    if record.record_type != WarcRecordType.response:
        return str(record.record_type)   # request, metadata, revisit, warcinfo, resource, ...
    headers = record.http_headers
    if headers is None:
        return SKIP_NOT_HTTP
    if headers.status_code != 200:
        return SKIP_STATUS
    media, charset = parse_content_type(record.http_content_type)
    if media is not None and media not in HTML_TYPES:
        return SKIP_NOT_HTML
    target = (record.headers.get("WARC-Target-URI") or "").strip().strip("<>")
    try:
        url = canonical_url(target)
    except ValueError:
        return Failure(source_id, where, "read", "bad url", f"WARC-Target-URI {target!r} is not an http(s) URL")
    if keep.sites and not site_matches(url, keep.sites):
        return SKIP_SITE
    captured = record.record_date
    fetched_at = captured.astimezone(UTC).replace(tzinfo=None) if captured is not None else None
    if fetched_at is None:
        return Failure(source_id, where, "read", "no capture date", "the record has no readable WARC-Date")
    if (keep.since and fetched_at < keep.since) or (keep.until and fetched_at >= keep.until):
        return SKIP_DATE
    try:
        body = record.reader.read(MAX_RECORD_BYTES + 1)   # bounded: a Content-Encoding bomb stops here
    except OSError as exc:
        return Failure(source_id, where, "read", "corrupt record", f"payload: {exc}")
    if len(body) > MAX_RECORD_BYTES:
        return SKIP_TOO_LARGE
    if keep.language:
        lang = declared_language(headers.get("Content-Language"), body)
        if lang is None:
            return SKIP_NO_LANGUAGE
        if lang != keep.language:
            return SKIP_LANGUAGE
    sha = hashlib.sha256(body).hexdigest()
    charset = charset or (record.http_charset or None)
    return WarcPage(
        WebPage(source_id, url, url, body, charset, sha, content_type=media or "text/html"),
        PageRecord(url, "warc", source_id, fetched_at, final_url=url, status=200, content_type=media,
                   etag=headers.get("ETag"), last_modified=headers.get("Last-Modified"), raw_sha256=sha),
    )


def warc_batches(chunks: Iterable[bytes], source_id: str, uri: str, keep: WarcFilter,
                 batch_size: int) -> Iterator[WarcBatch]:
    """Batches of at most `batch_size` pages (and the failures and skips met on the way)."""
    batch = WarcBatch()
    for frame in frames(chunks):
        batch.records += 1
        if isinstance(frame, BadFrame):
            batch.failures.append(Failure(source_id, f"{uri}#offset={frame.offset}", "read", frame.reason, frame.detail))
            continue
        if isinstance(frame, TooLarge):
            outcome: WarcPage | Failure | str = SKIP_TOO_LARGE
        else:
            where = f"{uri}#offset={frame.offset}"
            try:
                with stage("read", where):   # one record's fault (a parser bug included), not the file's
                    outcome = record_outcome(frame, source_id, uri, keep)
            except InputError as err:
                outcome = err.failure(source_id, where)
        if isinstance(outcome, str):
            batch.skipped[outcome] = batch.skipped.get(outcome, 0) + 1
        elif isinstance(outcome, Failure):
            batch.failures.append(outcome)
        else:
            batch.pages.append(outcome)
            if len(batch.pages) >= batch_size:
                yield batch
                batch = WarcBatch()
    if batch.records or batch.failures:
        yield batch


def file_chunks(path: str, size: int = 64 * 1024) -> Iterator[bytes]:
    """A file's bytes, chunk by chunk (a WARC is never read whole)."""
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def parse_warc_list(data: bytes, list_url: str) -> list[str]:
    """WARC URLs from a list (CC-NEWS warc.paths.gz: gzipped, one path per line). A relative path
    whose first segment is also the list URL's first segment (crawl-data/…) is relative to the
    host's root, as Common Crawl writes them; any other relative path is relative to the list."""
    if data[:2] == _GZIP_MAGIC[:2]:
        data = gzip.decompress(data)
    root_segment = urlsplit(list_url).path.lstrip("/").split("/", 1)[0]
    urls = []
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "://" in line:
            urls.append(line)
        elif root_segment and line.lstrip("/").split("/", 1)[0] == root_segment:
            urls.append(urljoin(list_url, "/" + line.lstrip("/")))
        else:
            urls.append(urljoin(list_url, line))
    return urls


def is_warc_list_url(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith((".paths", ".paths.gz", ".txt", ".txt.gz"))


def parse_bound(text: str, end: bool = False) -> datetime:
    """--since / --until: a day (YYYY-MM-DD; as `until`, the whole day is included) or an ISO
    time (UTC when no offset is given), as naive UTC. Raises ValueError for anything else."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = datetime.fromisoformat(text)
        return day + timedelta(days=1) if end else day
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def warc_filter(sites: Iterable[str] = (), language: str | None = None, since: str | None = None,
                until: str | None = None) -> WarcFilter:
    """The filter from the command line's words (hosts lower-cased, `www.` kept as written)."""
    return WarcFilter(frozenset(s.strip().lower().rstrip(".") for s in sites if s.strip()),
                      language.strip().lower().split("-")[0] if language else None,
                      parse_bound(since) if since else None, parse_bound(until, end=True) if until else None)


@dataclass(frozen=True)
class WarcSource:
    """A WARC to read: a local file (path) or a URL, and the source it counts for."""

    source_id: str
    uri: str
    path: str | None = None


MAX_LIST_BYTES = 50_000_000


def download_chunks(url: str, config: FetchConfig, errors: list[FetchError]) -> Iterator[bytes]:
    """A URL's bytes as they arrive, through the guarded fetcher (Fetcher.stream) running in its own
    event loop thread; at most a few chunks wait in memory. A failed download ends the chunks and
    leaves its FetchError in `errors`."""
    with start_blocking_portal() as portal:
        send, receive = anyio.create_memory_object_stream[bytes | FetchError](4)

        async def produce() -> None:
            async with send:
                try:
                    async with Fetcher(config) as fetcher:
                        async for chunk in fetcher.stream(url):
                            await send.send(chunk)
                except FetchFailed as fail:
                    await send.send(fail.error)
                except Exception as exc:   # one URL's fault, never the run's
                    await send.send(FetchError(url, "download error", str(exc), error_type=type(exc).__name__))

        future = portal.start_task_soon(produce)
        try:
            while True:
                try:
                    item = portal.call(receive.receive)
                except anyio.EndOfStream:
                    break
                if isinstance(item, FetchError):
                    errors.append(item)
                    break
                yield item
        finally:
            future.cancel()
            portal.call(receive.aclose)


def warc_sources(files: Iterable[tuple[str, str, str]], urls: Iterable[str], config: FetchConfig
                 ) -> Iterator[WarcSource | Failure]:
    """The WARCs to read: files (source id, URI, path), then URLs; a URL that names a list
    (warc.paths.gz, .txt) is downloaded and stands for the WARCs it lists, in order."""
    for source_id, uri, path in files:
        yield WarcSource(source_id, uri, path)
    for url in urls:
        source_id = f"warc:{url}"
        if not is_warc_list_url(url):
            yield WarcSource(source_id, url)
            continue
        errors: list[FetchError] = []
        data, size = [], 0
        for chunk in download_chunks(url, config, errors):
            data.append(chunk)
            size += len(chunk)
            if size > MAX_LIST_BYTES:
                errors.append(FetchError(url, "too large", f"a WARC list over {MAX_LIST_BYTES} bytes"))
                break
        if errors:
            yield Failure(source_id, url, "discover", errors[0].reason, errors[0].detail, errors[0].error_type)
            continue
        try:
            listed = parse_warc_list(b"".join(data), url)
        except (OSError, EOFError, zlib.error) as exc:
            yield Failure(source_id, url, "discover", "bad gzip file", str(exc))
            continue
        for warc_url in listed:
            yield WarcSource(source_id, warc_url)


def archive_batches(sources: Iterable[WarcSource | Failure], keep: WarcFilter, batch_size: int,
                    config: FetchConfig) -> Iterator[WarcBatch]:
    """Batches of every WARC in turn (a batch never mixes two WARCs). A WARC that cannot be
    opened or downloaded, or breaks off, is a failure after the records read from it."""
    for source in sources:
        if isinstance(source, Failure):
            yield WarcBatch(failures=[source])
            continue
        errors: list[FetchError] = []
        chunks = file_chunks(source.path) if source.path else download_chunks(source.uri, config, errors)
        last: WarcBatch | None = None
        try:
            for batch in warc_batches(chunks, source.source_id, source.uri, keep, batch_size):
                if last is not None:
                    yield last
                last = batch
        except OSError as exc:
            last = last or WarcBatch()
            last.failures.append(Failure(source.source_id, source.uri, "read", "unreadable file", str(exc)))
        last = last or WarcBatch()
        if errors:
            stage = "fetch" if not last.records else "read"
            last.failures.append(Failure(source.source_id, source.uri, stage, errors[0].reason,
                                         errors[0].detail, errors[0].error_type))
        yield last
