"""Which headline names a story: the first article's, or the most central one (story_aggregates).

    .venv/bin/python bench/story_titles.py [--orders 5]

RPM2 dev (200 French articles, 10 gold stories) is loaded into a temporary warehouse in 4 shuffled
batches (as tests/warehouse/test_clustering_quality.py does), `--orders` times. For every stored
story of 3 articles or more, the headline each rule picks is judged by the gold: does its article
belong to the story's majority gold story (a title taken from a misassigned article names another
story)? And how many words of 4+ letters does it share with the gold story's other headlines
(mean per story)? Both rules run on the same stored stories.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import articles_from  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.load import load_batch  # noqa: E402

RPM2 = ROOT.parent / "shared" / "eval" / "clustering" / "rpm2"
FIRST = """SELECT sa.story_id, first(a.article_id ORDER BY a.published_at NULLS LAST, a.ingested_at, a.source_uri)
           FROM story_articles sa JOIN articles a USING (article_id) WHERE a.title IS NOT NULL GROUP BY ALL"""


def words(title: str) -> set[str]:
    return {w for w in re.split(r"[^\w]+", title.lower()) if len(w) >= 4}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=5)
    args = ap.parse_args()
    if not (RPM2 / "labels.csv").exists():
        print(f"{RPM2} is absent: put ../shared/eval beside the checkout")
        return 0
    with open(RPM2 / "labels.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    label = {str((RPM2 / r["file"]).resolve()): r["story_label"] for r in rows}
    results: dict[str, list] = {"first": [], "central": []}
    for order in range(args.orders):
        files = [RPM2 / r["file"] for r in rows]
        random.Random(order).shuffle(files)
        with tempfile.TemporaryDirectory() as tmp, connect(Path(tmp) / "news.duckdb") as con:
            for b in range(4):
                articles, _ = articles_from(files[b * 50:(b + 1) * 50])
                load_batch(con, "titles", b, articles, [])
            gold = {aid: label[uri.removeprefix("file://")] for aid, uri in
                    con.execute("SELECT article_id, source_uri FROM articles").fetchall()}
            title = dict(con.execute("SELECT article_id, title FROM articles").fetchall())
            members: dict[str, list[str]] = {}
            for sid, aid in con.execute("SELECT story_id, article_id FROM story_articles").fetchall():
                members.setdefault(sid, []).append(aid)
            first = dict(con.execute(FIRST).fetchall())
            central = {sid: aid for sid, aid in con.execute("""
                SELECT s.story_id, min(a.article_id) FROM stories s JOIN story_articles sa USING (story_id)
                JOIN articles a USING (article_id) WHERE a.title = s.title GROUP BY ALL""").fetchall()}
            for sid, ids in members.items():
                if len(ids) < 3:
                    continue
                majority = Counter(gold[i] for i in ids).most_common(1)[0][0]
                peers = [title[i] for i in ids if gold[i] == majority and title[i]]
                for rule, pick in (("first", first), ("central", central)):
                    aid = pick.get(sid)
                    shared = statistics.fmean(len(words(title[aid]) & words(p)) for p in peers if p != title[aid]) \
                        if aid and len(peers) > 1 else 0.0
                    results[rule].append((aid is not None and gold[aid] == majority, shared))
    for rule, rs in results.items():
        print(f"{rule:<8} stories {len(rs)}: title from the majority story {sum(ok for ok, _ in rs) / len(rs):.3f}, "
              f"words shared with its other headlines {statistics.fmean(s for _, s in rs):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
