"""What the fork server's warm-up (tasks/documents/worker_warmup.py) spares each extraction worker.

    PYTHONPATH=. .venv/bin/python bench/worker_warmup.py [--pages 150] [--offset 300] [--rounds 2]

A worker forked from the fork server starts with its modules imported (and, with the warm-up, the
date parsers' caches filled); its first pages pay whatever is still lazy. Each variant runs in a
fresh interpreter that imports tasks.documents.article (as the fork server does), then:
- `cold`: runs article_from_file on `--pages` corpus pages from `--offset`;
- `warm`: imports tasks.documents.worker_warmup first (untimed: the fork server pays it once,
  while Prefect's server starts), then the same pages.
The variants alternate `--rounds` times. Prints CPU-seconds (process_time) of the pages, the
warm-up's own, and the ratio cold / warm.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "eval" / "extraction" / "html"

CHILD = """
import json, sys, time
from pathlib import Path
from tasks.documents.article import article_from_file
from tasks.documents.read import InputFile
warm, offset, n = sys.argv[1] == "warm", int(sys.argv[2]), int(sys.argv[3])
pages = sorted(Path(sys.argv[4]).glob("*.html"))[offset:offset + n]
start = time.process_time()
if warm:
    import tasks.documents.worker_warmup  # noqa: F401
warm_up = time.process_time() - start
start = time.process_time()
for page in pages:
    article_from_file(InputFile("bench", str(page.resolve())))
print(json.dumps({"pages": time.process_time() - start, "warm_up": warm_up}))
"""


def run(variant: str, offset: int, n: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, variant, str(offset), str(n), str(CORPUS)], cwd=ROOT,
                         capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--offset", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent")
        return 0
    seconds: dict[str, list[float]] = {"cold": [], "warm": []}
    warm_up = []
    for r in range(args.rounds):
        for variant in (("cold", "warm") if r % 2 == 0 else ("warm", "cold")):
            result = run(variant, args.offset, args.pages)
            seconds[variant].append(result["pages"])
            if variant == "warm":
                warm_up.append(result["warm_up"])
            print(f"round {r + 1} {variant}: {result['pages']:.2f} CPU-s for {args.pages} pages", flush=True)
    cold, warm = statistics.fmean(seconds["cold"]), statistics.fmean(seconds["warm"])
    print(f"mean: cold {cold:.2f} CPU-s, warm {warm:.2f} CPU-s (warm-up itself {statistics.fmean(warm_up):.2f} CPU-s, "
          f"paid once by the fork server); spared per worker {cold - warm:.2f} CPU-s; ratio cold / warm {cold / warm:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
