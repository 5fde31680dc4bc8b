"""HTML → RawDocument with trafilatura: main text and metadata, then the common cleaning."""

from __future__ import annotations

import logging
from datetime import datetime

import trafilatura

from tasks.models import Failure, Line, RawDocument
from tasks.text import clean_line

# trafilatura logs every page it finds nothing in; our Failure rows say it once, with the reason.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def _parse_date(value: str | None) -> tuple[datetime | None, str | None]:
    if not value:
        return None, None
    for fmt, precision in (("%Y-%m-%d", "day"), ("%Y-%m", "month"), ("%Y", "year")):
        try:
            return datetime.strptime(value[: len(fmt) + 2], fmt), precision
        except ValueError:
            continue
    return None, None


def extract_html(data: bytes, source_id: str, source_uri: str, raw_sha256: str,
                 url: str | None = None) -> RawDocument | Failure:
    """Extract the main text and metadata of an HTML page (bytes: trafilatura finds the charset)."""
    try:
        doc = trafilatura.bare_extraction(data, url=url, with_metadata=True,
                                          include_comments=False, include_tables=True)
    except Exception as exc:  # trafilatura raises many types on broken markup
        return Failure(source_id, source_uri, "extract", "extraction error", f"{type(exc).__name__}: {exc}")
    if doc is None or not (doc.text or "").strip():
        return Failure(source_id, source_uri, "extract", "no content", "no main text found in the page")
    published_at, precision = _parse_date(doc.date)
    lines = [Line(i, clean_line(t)) for i, t in enumerate(doc.text.split("\n")) if clean_line(t)]
    return RawDocument(
        source_id=source_id,
        source_uri=source_uri,
        raw_sha256=raw_sha256,
        lines=lines,
        title=clean_line(doc.title) if doc.title else None,
        site_name=clean_line(doc.sitename) if doc.sitename else None,
        author=clean_line(doc.author) if doc.author else None,
        published_at=published_at,
        published_precision=precision,
        language=doc.language or None,
        image_url=doc.image or None,
        url=doc.url or url,
    )
