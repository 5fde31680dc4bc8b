"""Stories on the synthetic corpus's story truth, through load_batch: the single threshold, with and without
consolidation (warehouse/load/stories.py CONSOLIDATE), consolidation with the per-batch silhouette cut
(SILHOUETTE_CUT: one article per copy group, from the warehouse's copy links), the join model, and
the silhouette cut with consolidation's split step (consolidation.COHERENCE_RATIO = SPLIT_RATIO).

    .venv/bin/python bench/story_synthetic.py [--n 10000] [--batch-size 500] [--only 1,2,3,4,5]

Inputs: `n` articles of bench/corpus.py built from the RPM2 texts only (word salad with a story's
vocabulary, 30% near-copies, dated), written once to bench/out/synth-<n>-rpm2-1000/; `--texts all`:
from RPM2 and the extraction pages (many languages), bench/out/synth-<n>/ as bench/scale.py. Each method
loads them in generation order, in batches, each into a fresh DuckDB file (warehouse.load.load_batch,
no Prefect), and are scored by BCubed against the corpus's story labels. Also prints the seconds of
the first and last 5 batches, whole load_batch and the stories stage alone (stories.assign and
write_stories, timed by wrapping them): its cost as the warehouse grows (a proxy, not
bench/scale.py's 100,000-article ratio).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpus import base_texts, rpm2_texts, write_files  # noqa: E402
from bench.metrics import bcubed  # noqa: E402
from tests.helpers import articles_from  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.load import load_batch  # noqa: E402
from warehouse.load import stories as stories_stage  # noqa: E402

# Row 5: the silhouette cut with consolidation's split step (consolidation.COHERENCE_RATIO) at this ratio.
SPLIT_RATIO = 0.65


class StageClock:
    """Seconds spent in the stories stage's two calls, per batch (wrapped in warehouse.load.stories,
    where load_batch looks them up)."""

    def __init__(self) -> None:
        self.spent = 0.0
        for name in ("assign", "write_stories"):
            setattr(stories_stage, name, self._timed(getattr(stories_stage, name)))

    def _timed(self, fn):
        def run(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.spent += time.perf_counter() - t0
        return run

    def take(self) -> float:
        spent, self.spent = self.spent, 0.0
        return spent


def tally_cuts(chosen: list[float | None]) -> None:
    """Record each batch's silhouette choice, None where it falls back to CUT (wraps
    consolidation.silhouette_cut, which warehouse.load.stories looks up there)."""
    inner = stories_stage.consolidation.silhouette_cut

    def run(*a, **k):
        chosen.append(inner(*a, **k))
        return chosen[-1]
    stories_stage.consolidation.silhouette_cut = run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--only", default="", help="comma-separated row numbers (1-based) of the methods to run")
    ap.add_argument("--texts", choices=("rpm2", "all"), default="rpm2",
                    help="base texts: RPM2 alone (French), or RPM2 and the extraction pages (many languages, "
                         "as bench/scale.py)")
    args = ap.parse_args()
    only = {int(k) for k in args.only.split(",") if k}
    dest = ROOT / "bench" / "out" / (f"synth-{args.n}-rpm2-1000" if args.texts == "rpm2" else f"synth-{args.n}")
    if not (dest / "truth.csv").exists():
        write_files(dest, args.n, per_folder=1000, texts=rpm2_texts() if args.texts == "rpm2" else base_texts())
    with open(dest / "truth.csv", encoding="utf-8") as fh:
        truth = {str((dest / r["path"]).resolve()): r["story"] for r in csv.DictReader(fh)}
    start = time.perf_counter()
    articles, failures = articles_from(sorted(dest.glob("*/*.txt")))
    print(f"{len(articles)} articles read in {time.perf_counter() - start:.0f} s, {len(failures)} failures, "
          f"{len(set(truth.values()))} true stories")
    print(f"{'method':<20} {'F1':>6} {'P':>6} {'R':>6} {'stories':>7} {'load s':>7} {'first 5 batches s':>17} "
          f"{'last 5':>7} {'stories stage s, first 5':>24} {'last 5':>7}")
    base = None
    clock = StageClock()
    cuts: list[float | None] = []
    tally_cuts(cuts)
    configured = stories_stage.USE_JOIN_MODEL, stories_stage.CONSOLIDATE, stories_stage.SILHOUETTE_CUT
    configured_ratio = stories_stage.consolidation.COHERENCE_RATIO
    methods = (("single threshold", False, False, False, None), ("threshold + consolid.", False, True, False, None),
               ("consolid., silhouette", False, True, True, None), ("join model", True, False, False, None),
               (f"silh. + split {SPLIT_RATIO}", False, True, True, SPLIT_RATIO))
    for name, use_model, consolidate, silhouette, ratio in (m for k, m in enumerate(methods, 1)
                                                            if not only or k in only):
        stories_stage.USE_JOIN_MODEL, stories_stage.CONSOLIDATE, stories_stage.SILHOUETTE_CUT = (
            use_model, consolidate, silhouette)
        stories_stage.consolidation.COHERENCE_RATIO = ratio
        cpu = time.process_time()
        with tempfile.TemporaryDirectory() as tmp:
            con = connect(Path(tmp) / "news.duckdb")
            took, staged = [], []
            for b in range(0, len(articles), args.batch_size):
                t0 = time.perf_counter()
                load_batch(con, "synthetic", b // args.batch_size, articles[b:b + args.batch_size], [])
                took.append(time.perf_counter() - t0)
                staged.append(clock.take())
            gold = {aid: truth[uri.removeprefix("file://")]
                    for aid, uri in con.execute("SELECT article_id, source_uri FROM articles").fetchall()}
            predicted = dict(con.execute("SELECT article_id, story_id FROM story_articles").fetchall())
            con.close()
        p, r, f = bcubed(predicted, gold)
        base = base or f
        print(f"{name:<20} {f:>6.3f} {p:>6.3f} {r:>6.3f} {len(set(predicted.values())):>7} {sum(took):>7.0f} "
              f"{statistics.fmean(took[:5]):>17.2f} {statistics.fmean(took[-5:]):>7.2f} "
              f"{statistics.fmean(staged[:5]):>24.2f} {statistics.fmean(staged[-5:]):>7.2f}   F1/threshold {f / base:.3f}")
        print(f"    CPU s of the whole row (this process, loading and scoring): {time.process_time() - cpu:.1f}")
        if silhouette:
            print(f"    silhouette cut per batch (None: CUT {stories_stage.consolidation.CUT}): "
                  f"{' '.join('None' if c is None else f'{c:g}' for c in cuts)}")
        cuts.clear()
    stories_stage.USE_JOIN_MODEL, stories_stage.CONSOLIDATE, stories_stage.SILHOUETTE_CUT = configured
    stories_stage.consolidation.COHERENCE_RATIO = configured_ratio


if __name__ == "__main__":
    main()
