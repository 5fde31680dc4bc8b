"""Fetch throughput on loopback: the guarded, polite fetcher next to a bare httpx client on the
same pages from the same local server, in the same run.

    .venv/bin/python bench/fetch_throughput.py [--pages N] [--concurrency C]

Both sides fetch the real pages of ../shared/eval/extraction/html served by the test server
(tests/loopback_server.py) on 127.0.0.1. Baseline: httpx.AsyncClient, C requests in flight, no
checks. newsflow: Fetcher (robots.txt, address guard at connect time, bounded decoding, deadline,
content-type check), per-host delay 0 and per-host concurrency C so that only the overhead of the
checks is measured (the production per-host politeness caps a single host far below this).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import anyio  # noqa: E402
import httpx  # noqa: E402

from tasks.web.exchange import FetchConfig, FetchedPage  # noqa: E402
from tasks.web.fetch import Fetcher  # noqa: E402
from tests.loopback_server import LoopbackServer, site_from_corpus  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "extraction" / "html"


async def bare(urls: list[str], concurrency: int) -> int:
    done = 0
    limit = anyio.Semaphore(concurrency)
    async with httpx.AsyncClient() as client:
        async def one(url: str) -> None:
            nonlocal done
            async with limit:
                r = await client.get(url)
                done += r.status_code == 200 and bool(r.content)
        async with anyio.create_task_group() as group:
            for url in urls:
                group.start_soon(one, url)
    return done


async def guarded(urls: list[str], concurrency: int) -> int:
    config = FetchConfig(allow_hosts=frozenset({"127.0.0.1"}), per_host_delay=0, per_host_concurrency=concurrency,
                         concurrency=concurrency)
    done = 0
    async with Fetcher(config) as fetcher:
        async def one(url: str) -> None:
            nonlocal done
            result = await fetcher.fetch(url)   # (not `done += await …`: that reads done before awaiting)
            done += isinstance(result, FetchedPage)
        async with anyio.create_task_group() as group:
            for url in urls:
                group.start_soon(one, url)
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=0, help="pages (default: the whole corpus)")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent (put ../shared/eval beside the checkout)")
        return 0
    files = sorted(p.name for p in CORPUS.glob("*.html"))
    if args.pages:
        files = files[: args.pages]
    site = site_from_corpus(CORPUS, files)
    with LoopbackServer(site) as server:
        urls = [server.url(p) for p in sorted(site.articles)]
        mb = sum(len(p.body) for p in site.articles.values()) / 1e6
        timings = {}
        for name, run in (("httpx", bare), ("newsflow", guarded)):
            start = time.perf_counter()
            ok = anyio.run(run, urls, args.concurrency)
            timings[name] = time.perf_counter() - start
            print(f"{name:9} {ok:5} pages  {len(urls) / timings[name]:8.1f} pages/s  {mb / timings[name]:6.1f} MB/s")
    print(f"ratio newsflow/httpx (pages/s): {timings['httpx'] / timings['newsflow']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
