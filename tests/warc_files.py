"""WARC archives built by hand for tests and benchmarks (WARC/1.0 as CC-NEWS writes it): response,
request, metadata and revisit records, gzip per record or plain, and the faults (a record cut
short, a corrupt gzip member)."""

from __future__ import annotations

import gzip
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Rec:
    """One record: `kind` is response, request, metadata or revisit; HTTP parts for responses."""

    uri: str
    body: bytes = b""
    kind: str = "response"
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    date: str = "2024-03-01T12:00:00Z"
    http_headers: tuple[tuple[str, str], ...] = ()

    def block(self) -> bytes:
        if self.kind == "request":
            return f"GET / HTTP/1.1\r\nHost: {self.uri.split('/')[2]}\r\n\r\n".encode()
        if self.kind == "metadata":
            return b"fetchTimeMs: 120\r\n"
        headers = [f"HTTP/1.1 {self.status} {'OK' if self.status == 200 else 'Not Found'}"]
        if self.content_type:
            headers.append(f"Content-Type: {self.content_type}")
        headers += [f"{k}: {v}" for k, v in self.http_headers]
        if self.kind == "revisit":
            return ("\r\n".join(headers) + "\r\n\r\n").encode()
        headers.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(headers) + "\r\n\r\n").encode() + self.body

    def record(self) -> bytes:
        block = self.block()
        content_type = {"request": "application/http; msgtype=request", "metadata": "application/warc-fields"
                        }.get(self.kind, "application/http; msgtype=response")
        record_id = uuid.uuid5(uuid.NAMESPACE_URL, self.kind + self.uri)
        header = (f"WARC/1.0\r\nWARC-Type: {self.kind}\r\nWARC-Target-URI: {self.uri}\r\n"
                  f"WARC-Date: {self.date}\r\nWARC-Record-ID: <urn:uuid:{record_id}>\r\n"
                  + ("WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest\r\n"
                     if self.kind == "revisit" else "")
                  + f"Content-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n")
        return header.encode() + block + b"\r\n\r\n"


def warc_bytes(records: list[Rec], gzipped: bool = True) -> bytes:
    """The archive: one gzip member per record (as .warc.gz files are), or plain."""
    parts = [r.record() for r in records]
    return b"".join(gzip.compress(p, 6) for p in parts) if gzipped else b"".join(parts)


def warcinfo(gzipped: bool = True) -> bytes:
    block = b"software: newsflow-tests\r\nformat: WARC File Format 1.0\r\n"
    record = (f"WARC/1.0\r\nWARC-Type: warcinfo\r\nWARC-Date: 2024-03-01T12:00:00Z\r\n"
              f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\nContent-Type: application/warc-fields\r\n"
              f"Content-Length: {len(block)}\r\n\r\n").encode() + block + b"\r\n\r\n"
    return gzip.compress(record) if gzipped else record


def truncated(record: Rec, gzipped: bool = True) -> bytes:
    """A record cut short: the block ends half-way (in a complete gzip member, when gzipped)."""
    data = record.record()
    cut = data[: len(data) - len(record.body) // 2 - 4]
    return gzip.compress(cut) if gzipped else cut


def corrupt_member(record: Rec) -> bytes:
    """A gzip member whose deflate data is damaged in the middle."""
    member = bytearray(gzip.compress(record.record()))
    middle = len(member) // 2
    member[middle : middle + 16] = b"\xff" * 16
    return bytes(member)


def html_page(title: str, paragraphs: list[str], lang: str | None = "fr") -> bytes:
    attrs = f' lang="{lang}"' if lang else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html{attrs}><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1>{body}</article></body></html>").encode()
