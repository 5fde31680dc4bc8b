"""One name per site: an article whose page names no outlet takes the name its site declares.

A site's pages do not all carry og:site_name (or JSON-LD publisher): without this, one outlet
shows as two in every count (its name for some articles, its host for the others) and its copies
and stories are attributed twice. The name is the one the site's own pages declare most often
(stored articles and this batch); an article that declares a name keeps its own.
"""

from __future__ import annotations

from collections import Counter

from tasks.models import Article
from warehouse.sql import keys

SITE_NAME_SOURCE = "site"   # metadata_sources value: named by its site's other articles


def host_of(url: str | None) -> str | None:
    """The host of a URL, lowercased, without a leading www. (how the same site is recognised)."""
    if not url or "://" not in url:
        return None
    host = url.split("://", 1)[1].split("/", 1)[0].split("@")[-1].split(":")[0].lower()
    return host.removeprefix("www.") or None


_HOST_SQL = "regexp_replace(lower(split_part(split_part(split_part(url, '://', 2), '/', 1), ':', 1)), '^www\\.', '')"


def name_sites(con, new: list[Article]) -> None:
    """Give each unnamed article of the batch its site's declared name, when its site has one."""
    unnamed = {h for a in new if not a.site_name and (h := host_of(a.url))}
    if not unnamed:
        return
    votes: Counter[tuple[str, str]] = Counter()
    for host, name, n in con.execute(
            f"SELECT {_HOST_SQL} AS host, site_name, count(*) FROM articles "
            f"WHERE site_name IS NOT NULL AND {_HOST_SQL} IN {keys(con, sorted(unnamed), '_hosts')} GROUP BY ALL").fetchall():
        votes[(host, name)] += n
    for a in new:
        if a.site_name and (h := host_of(a.url)) in unnamed:
            votes[(h, a.site_name)] += 1
    best: dict[str, tuple[int, str]] = {}
    for (host, name), n in votes.items():
        if host not in best or (n, name) > best[host]:   # most declared; ties: the same one every time
            best[host] = (n, name)
    for a in new:
        if not a.site_name and (h := host_of(a.url)) in best:
            a.site_name = best[h][1]
            a.metadata_sources = {**a.metadata_sources, "site_name": SITE_NAME_SOURCE}
