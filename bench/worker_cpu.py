"""CPU per page of the extraction workers' function against bare trafilatura, same run (issue 17).

    PYTHONPATH=. .venv/bin/python bench/worker_cpu.py [--limit N] [--rounds 3] [--against DIR]

Measures CPU-seconds (time.process_time, so a busy machine inflates it far less than wall time)
over the pages of ../shared/eval/extraction/html of:
- `ours`: tasks.documents.article.article_from_file, what an extraction worker runs per file
  (read, decode, parse, trafilatura's text, dates, metadata, dropped blocks, cleaning, language,
  fingerprints, the raw bytes compressed);
- `bare`: trafilatura.extract(html, with_metadata=True) on the same bytes (read beforehand);
- with --against DIR, `ours@DIR`: the same function of another checkout (e.g. `git archive main`
  unpacked in /tmp), to compare two versions of the code on the same machine.
Each variant runs in its own interpreter (its own imports and caches, which warm up along a run as
in a worker; a shared one would favour whichever runs second); they take turns slice by slice
(`--slices`, the order rotating), one at a time, so that all see the same machine: on a shared VM
the speed drifts by more than the effect measured. `--rounds` passes over the pages. Prints
ms/page of each round, the means, and the ratio bare / ours (>= 1.0: a worker spends no more CPU
per page than bare trafilatura).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "eval" / "extraction" / "html"
WARM_UP = 5   # pages each interpreter runs once, unmeasured, before the measured passes


def pages(limit: int) -> list[Path]:
    """The corpus pages, in a fixed order."""
    return sorted(CORPUS.glob("*.html"))[: limit or None]


def runner(variant: str, tree: Path, limit: int) -> Callable[[int, int], float]:
    """A function running `variant` on pages[i:j] and returning its CPU-seconds."""
    sys.path.insert(0, str(tree))
    paths = pages(limit)
    if variant == "bare":
        import trafilatura

        blobs = [p.read_bytes() for p in paths]

        def bare(i: int, j: int) -> float:
            start = time.process_time()
            for data in blobs[i:j]:
                trafilatura.extract(data, with_metadata=True)
            return time.process_time() - start
        return bare
    from tasks.documents.article import article_from_file
    from tasks.documents.read import InputFile, source_id_for_path

    items = [InputFile(source_id_for_path(CORPUS), str(p)) for p in paths]

    def ours(i: int, j: int) -> float:
        start = time.process_time()
        for item in items[i:j]:
            article_from_file(item)
        return time.process_time() - start
    return ours


def serve(variant: str, tree: Path, limit: int) -> None:
    """Child loop: read "i j" lines, run that slice, answer its CPU-seconds."""
    run = runner(variant, tree, limit)
    run(0, WARM_UP)   # first calls load stop lists, compile patterns: a worker pays that once
    print("ready", flush=True)
    for line in sys.stdin:
        i, j = map(int, line.split())
        print(json.dumps(run(i, j)), flush=True)


class Child:
    """One variant in its own interpreter (its own imports and caches, as a worker)."""

    def __init__(self, variant: str, tree: Path, limit: int):
        self.proc = subprocess.Popen([sys.executable, __file__, "--child", variant, "--tree", str(tree),
                                      "--limit", str(limit)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, cwd=tree)
        assert self.proc.stdout.readline().strip() == "ready"

    def run(self, i: int, j: int) -> float:
        self.proc.stdin.write(f"{i} {j}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="pages to use (default: all)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the pages of each variant")
    parser.add_argument("--slices", type=int, default=20, help="the variants alternate slice by slice")
    parser.add_argument("--against", type=Path, help="another checkout whose worker function is measured too")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent (put ../shared/eval beside the checkout)")
        return 0
    if args.child:
        serve(args.child, args.tree, args.limit)
        return 0
    n = len(pages(args.limit))
    variants = [("ours", ROOT), ("bare", ROOT)] + ([(f"ours@{args.against}", args.against.resolve())]
                                                  if args.against else [])
    children = {name: Child("bare" if name == "bare" else "ours", tree, args.limit) for name, tree in variants}
    seconds: dict[str, list[float]] = {name: [] for name, _ in variants}
    size = -(-n // args.slices)
    print(f"{n} pages in {args.slices} slices, {args.rounds} rounds; CPU ms/page (process_time), "
          "the variants alternating slice by slice")
    for r in range(args.rounds):
        total = dict.fromkeys(seconds, 0.0)
        for k, i in enumerate(range(0, n, size)):
            shift = (r * args.slices + k) % len(variants)
            for name, _ in variants[shift:] + variants[:shift]:
                total[name] += children[name].run(i, i + size)
        for name in seconds:
            seconds[name].append(total[name])
        print(f"round {r + 1}: " + ", ".join(f"{name} {1000 * total[name] / n:.1f}" for name, _ in variants)
              + f"; bare / ours {total['bare'] / total['ours']:.2f}")
    for child in children.values():
        child.close()
    mean = {name: 1000 * sum(s) / len(s) / n for name, s in seconds.items()}
    for name, _ in variants:
        print(f"mean {name}: {mean[name]:.1f} ms/page (rounds {', '.join(f'{1000 * x / n:.1f}' for x in seconds[name])})")
    for name, _ in variants:
        if name != "bare":
            worst = min(b / o for b, o in zip(seconds["bare"], seconds[name], strict=True))
            print(f"ratio bare / {name}: {mean['bare'] / mean[name]:.2f} (worst round {worst:.2f})")
    if args.against:
        other = variants[2][0]
        worst = min(a / o for a, o in zip(seconds[other], seconds["ours"], strict=True))
        print(f"ratio {other} / ours (CPU saved): {mean[other] / mean['ours']:.2f} (worst round {worst:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
