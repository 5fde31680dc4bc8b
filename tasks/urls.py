"""URL canonicalisation (courlan) and the small URL helpers fetch and discovery share."""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin, urlsplit

import courlan

WEB_SCHEMES = ("http", "https")


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def canonical_url(url: str) -> str:
    """One spelling per page: lower-case scheme and host, no default port, no fragment, sorted query
    without tracking parameters (utm_*, fbclid, ...). Raises ValueError for non-http(s) URLs."""
    url = url.strip()
    if not is_web_url(url):
        raise ValueError(f"not an http(s) URL: {url!r}")
    normalized = courlan.normalize_url(urldefrag(url).url, strict=False)
    return urldefrag(normalized).url


def resolve(base: str, href: str) -> str:
    """An href found in a page, feed or sitemap, made absolute."""
    return urljoin(base, href.strip())


def origin(url: str) -> str:
    """scheme://host[:port] — the unit robots.txt and politeness limits apply to."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{port}"


def same_site(a: str, b: str) -> bool:
    """Same host, ignoring a leading www. (a page may only claim a canonical URL on its own site)."""
    def host(u: str) -> str:
        h = (urlsplit(u).hostname or "").lower()
        return h[4:] if h.startswith("www.") else h
    return bool(host(a)) and host(a) == host(b)
