"""Read local files into RawDocuments: discovery, decoding, and the scraped-text header format.

The text format is what third-party scrapers produce (see seeds/): an optional ``date YYYY-MM[-DD]``
marker before the first line, a markdown image line, a section label, a title line and a
site-name line, then the article's paragraphs, one per line or separated by blank lines.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tasks.dates import plausible
from tasks.documents.extract import extract_html
from tasks.documents.published import When, parse_when
from tasks.isolation import stage
from tasks.models import Failure, Line, RawDocument, RemovedLine
from tasks.text import clean_line, is_terminated

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
MAX_FILE_BYTES = 20 * 1024 * 1024
_RULES_FILE = Path(__file__).parents[1] / "rules" / "boilerplate.toml"


@dataclass(frozen=True)
class InputFile:
    """A file to ingest and the source (the path argument) it was found under."""

    source_id: str
    path: str

    @property
    def uri(self) -> str:
        return Path(self.path).as_uri()


@dataclass(frozen=True)
class StoredFile:
    """A file input's bytes as kept in raw_pages (uncompressed), to read again (newsflow reextract)."""

    source_id: str
    uri: str
    data: bytes


def source_id_for_path(path: str | Path) -> str:
    return "files:" + str(Path(path).resolve())


WARC_SUFFIXES = (".warc", ".warc.gz")   # read as archives of pages (tasks/web/warc.py), not as documents


def is_supported(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(TEXT_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES)


def discover_files(paths: list[str], root: str | Path | None = None) -> tuple[list[InputFile], list[Failure]]:
    """Expand files and folders (recursively, sorted) into unique input files.

    A missing path or an explicitly named unsupported file is a Failure; unsupported files met
    while walking a folder are ignored; hidden files and folders are skipped. Refused with a
    reason: a symlink leading outside the folder being walked, a device, FIFO or socket with a
    supported name, and (when `root` is given, e.g. for deployments) any path outside `root`.
    """
    found: dict[str, InputFile] = {}
    failures: list[Failure] = []
    boundary = Path(root).resolve() if root is not None else None
    for arg in paths:
        path = Path(arg)
        source_id = source_id_for_path(path)
        if boundary is not None and not path.resolve().is_relative_to(boundary):
            failures.append(Failure(source_id, path.absolute().as_uri(), "discover", "outside the input root",
                                    f"{path.resolve()} is not under {boundary}"))
        elif not path.exists():
            failures.append(Failure(source_id, path.absolute().as_uri(), "discover", "missing path"))
        elif path.is_dir():
            top = path.resolve()
            for child in sorted(path.rglob("*")):
                rel_parts = child.relative_to(path).parts
                if any(part.startswith(".") for part in rel_parts) or not is_supported(child):
                    continue
                resolved = child.resolve()
                if not resolved.is_relative_to(top):
                    failures.append(Failure(source_id, child.absolute().as_uri(), "discover", "outside the input folder",
                                            f"a symlink to {resolved}"))
                elif child.is_dir():
                    continue
                elif not resolved.is_file():
                    failures.append(Failure(source_id, child.absolute().as_uri(), "discover", "not a regular file",
                                            "a device, FIFO, socket or broken link"))
                else:
                    found.setdefault(str(resolved), InputFile(source_id, str(resolved)))
        elif not path.is_file():
            failures.append(Failure(source_id, path.absolute().as_uri(), "discover", "not a regular file"))
        elif not is_supported(path):
            failures.append(
                Failure(source_id, path.resolve().as_uri(), "discover", "unsupported file type",
                        f"expected one of {', '.join(TEXT_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES)}")
            )
        else:
            resolved = str(path.resolve())
            found.setdefault(resolved, InputFile(source_id, resolved))
    return list(found.values()), failures


def read_input(item: InputFile) -> RawDocument | Failure:
    """Read one file into a RawDocument, or a Failure saying why it cannot be used."""
    data = read_bytes(item)
    return data if isinstance(data, Failure) else document_from_bytes(data, item.source_id, item.uri, item.path)


def read_bytes(item: InputFile) -> bytes | Failure:
    """The bytes of one file (gunzipped for .gz), or a Failure saying why they cannot be read."""
    uri = item.uri
    try:
        # Non-blocking and no symlink: a file swapped for a FIFO or a link after discovery cannot
        # block or redirect the read; anything but a regular file is refused.
        fd = os.open(item.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return Failure(item.source_id, uri, "read", "not a regular file")
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return Failure(item.source_id, uri, "read", "unreadable file", str(exc))
    if len(data) > MAX_FILE_BYTES:
        return Failure(item.source_id, uri, "read", "file too large", f"over {MAX_FILE_BYTES} bytes")
    if item.path.lower().endswith(".gz"):
        try:
            data = _gunzip(data)
        except (OSError, EOFError, ValueError) as exc:
            return Failure(item.source_id, uri, "read", "bad gzip file", str(exc))
    return data


def is_html_name(name: str) -> bool:
    """Whether a file (path or file URI) is read as HTML rather than as scraped text: by its name."""
    return name.lower().endswith(HTML_SUFFIXES)


def document_from_bytes(data: bytes, source_id: str, uri: str, name: str) -> RawDocument | Failure:
    """A file's (uncompressed) bytes into a RawDocument, as HTML or text by the file's `name`:
    the second half of read_input, also what re-extraction runs on the bytes kept in raw_pages."""
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return Failure(source_id, uri, "read", "empty file")
    if is_html_name(name):
        return extract_html(data, source_id, uri, sha)
    with stage("decode", uri):
        text = decode_text(data)
    if text is None:
        return Failure(source_id, uri, "read", "undecodable bytes",
                       "not UTF-8 text, and not plausible Windows-1252 text either")
    with stage("parse", uri):
        return parse_text(text, source_id, uri, sha)


def _gunzip(data: bytes) -> bytes:
    decompressor = gzip.GzipFile(fileobj=io.BytesIO(data))
    out = decompressor.read(MAX_FILE_BYTES + 1)
    if len(out) > MAX_FILE_BYTES:
        raise ValueError(f"decompresses to over {MAX_FILE_BYTES} bytes")
    return out


def decode_text(data: bytes) -> str | None:
    """Decode UTF-8 (with or without BOM), else Windows-1252 if the result is plausible text."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    letters = sum(1 for c in text if c.isalpha())
    if controls or letters < 0.5 * len(text.replace(" ", "").replace("\n", "")):
        return None
    return text


_DATE_MARKER = re.compile(r"^\s*date\s+(\d{4})(?:-(\d{2}))?(?:-(\d{2})"
                          r"(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}(?!\d))?))?)?(?![\d:])\s*")
_MD_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)\s*$")
_NAME_CONNECTORS = frozenset(["de", "du", "des", "la", "le", "les", "l", "d", "et", "of", "the", "and", "for", "à", "a", "en"])


def _load_sections() -> frozenset[str]:
    with open(_RULES_FILE, "rb") as fh:
        sections = tomllib.load(fh).get("sections", {})
    return frozenset(label.casefold() for labels in sections.values() for label in labels)


SECTION_LABELS = _load_sections()


def parse_date_marker(line: str) -> tuple[datetime | None, str | None, str] | None:
    """Parse a leading ``date YYYY[-MM[-DD[THH:MM[:SS][offset]]]]`` marker: (datetime, precision,
    marker text); with an offset the datetime is UTC (date_marker keeps the offset). An impossible
    date (2023-02-30) or one outside the plausible window (0001-01-01) is still the marker, so it
    is not taken for the title, but gives no date: (None, None, marker text)."""
    marker = date_marker(line)
    if marker is None:
        return None
    when, text = marker
    return (when.at, when.precision, text) if when else (None, None, text)


def date_marker(line: str) -> tuple[When | None, str] | None:
    """The leading date marker as a When (tasks/documents/published.py: a time is kept, with its
    offset when one is written) and the marker text; None when the line has no marker."""
    m = _DATE_MARKER.match(line)
    if not m:
        return None
    year, month, day, clock = m.groups()
    if clock:
        when = parse_when(f"{year}-{month}-{day}T{clock}")
    else:
        try:
            at = plausible(datetime(int(year), int(month or 1), int(day or 1)))
        except ValueError:
            at = None
        when = When(at, None, "day" if day else "month" if month else "year") if at else None
    return when, m.group(0).strip()


def looks_like_title(text: str) -> bool:
    return 0 < len(text) <= 250 and len(text.split()) <= 30 and not text.endswith((".", ";", ","))


def looks_like_site_name(text: str) -> bool:
    """A short line whose words are all capitalised but for connectors: 'Le Journal de Montréal'."""
    tokens = text.replace("'", " ").replace("’", " ").split()
    if not 1 <= len(tokens) <= 6 or len(text) > 60 or is_terminated(text) or not text[0].isupper():
        return False
    return all(t[0].isupper() or t.casefold() in _NAME_CONNECTORS for t in tokens)


def parse_text(text: str, source_id: str, source_uri: str, raw_sha256: str) -> RawDocument:
    """Split a scraped text into lines and take its header (date, image, section, title, site)."""
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [Line(i, clean_line(t)) for i, t in enumerate(raw_lines) if clean_line(t)]
    doc = RawDocument(source_id=source_id, source_uri=source_uri, raw_sha256=raw_sha256, lines=[])
    if lines:
        marker = date_marker(lines[0].text)
        if marker:
            when, marker_text = marker
            if when:
                doc.published_at, doc.published_offset, doc.published_precision = when.at, when.offset, when.precision
                doc.metadata_sources["published_at"] = "text:date"
            doc.removed.append(RemovedLine(lines[0].position, marker_text,
                                           "meta:date" if doc.published_at else "meta:invalid_date"))
            rest = lines[0].text[_DATE_MARKER.match(lines[0].text).end():].strip()
            lines[0] = Line(lines[0].position, rest)
            if not rest:
                lines.pop(0)
    body_start = _take_header(lines, doc)
    doc.lines = lines[body_start:]
    return doc


def _take_header(lines: list[Line], doc: RawDocument) -> int:
    """Consume image, section, title and site-name lines at the top; return the body start."""
    i = 0
    while i < len(lines) and i < 4:
        line = lines[i]
        image = _MD_IMAGE.match(line.text)
        if image:
            doc.image_url = doc.image_url or image.group("url")
            doc.removed.append(RemovedLine(line.position, line.text, "markdown_image"))
        elif line.text.casefold() in SECTION_LABELS and doc.title is None:
            doc.section = doc.section or line.text
            doc.removed.append(RemovedLine(line.position, line.text, "section_label"))
        elif doc.title is None and i + 1 < len(lines) and looks_like_title(line.text):
            doc.title = line.text
            doc.metadata_sources["title"] = "text:title"
            doc.removed.append(RemovedLine(line.position, line.text, "meta:title"))
        elif doc.title is not None and doc.site_name is None and looks_like_site_name(line.text):
            doc.site_name = line.text
            doc.metadata_sources["site_name"] = "text:site_name"
            doc.removed.append(RemovedLine(line.position, line.text, "meta:site_name"))
            i += 1
            break
        else:
            break
        i += 1
    return i
