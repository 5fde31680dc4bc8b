"""URL canonicalisation (courlan), origins, and the small URL helpers fetch and discovery share.

A canonical URL carries no credentials (userinfo is dropped: a `user:secret@` in a URL list must
never be sent as `Authorization` nor stored in the warehouse or its exports) and no dot segments
(`/a/./1` is `/a/1`, RFC 3986 §5.2.4). IPv6 literals keep their brackets everywhere.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

import courlan

WEB_SCHEMES = ("http", "https")
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*://)[^/?#]*@")
_DOT = {".", "%2e"}
_DOT_DOT = {"..", ".%2e", "%2e.", "%2e%2e"}


def strip_userinfo(url: str) -> str:
    """`url` without `user:password@` (everything before the authority's last @, as urlsplit and
    httpx read it). Works on any string, even one urlsplit refuses, so failure rows can use it."""
    return _USERINFO.sub(r"\1", url.strip(), count=1)


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host and a valid port (if any)."""
    try:
        parts = urlsplit(url.strip())
        parts.port   # noqa: B018 — raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 on an absolute path (`%2e` counts as a dot, as browsers read it)."""
    if not path:
        return path
    segments = path.split("/")
    out: list[str] = []
    last = len(segments) - 1
    for i, segment in enumerate(segments):
        folded = segment.lower()
        if folded in _DOT or folded in _DOT_DOT:
            if folded in _DOT_DOT and len(out) > 1:
                out.pop()
            if i == last:
                out.append("")   # "/a/." and "/a/b/.." end with a slash
            continue
        out.append(segment)
    return "/".join(out) if out != [""] else "/"


def canonical_url(url: str) -> str:
    """One spelling per page: no userinfo, lower-case scheme and host, no default port, no dot
    segments, no fragment, sorted query without tracking parameters (utm_*, fbclid, ...).
    Raises ValueError for non-http(s) or malformed URLs (bad port, broken IPv6 literal)."""
    url = strip_userinfo(url)
    if not is_web_url(url):
        raise ValueError(f"not an http(s) URL: {url!r}")
    normalized = urldefrag(courlan.normalize_url(urldefrag(url).url, strict=False)).url
    parts = urlsplit(strip_userinfo(normalized))
    return urlunsplit(parts._replace(path=remove_dot_segments(parts.path)))


def resolve(base: str, href: str) -> str:
    """An href found in a page, feed or sitemap, made absolute."""
    return urljoin(base, href.strip())


def origin(url: str) -> str:
    """scheme://host[:port] — the unit robots.txt and politeness limits apply to. An IPv6 host
    keeps its brackets; a malformed URL (bad port) raises ValueError."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}"


def same_site(a: str, b: str) -> bool:
    """Same host, ignoring a leading www. (a page may only claim a canonical URL on its own site)."""
    def host(u: str) -> str:
        try:
            h = (urlsplit(u).hostname or "").lower()
        except ValueError:
            return ""
        return h[4:] if h.startswith("www.") else h
    return bool(host(a)) and host(a) == host(b)
