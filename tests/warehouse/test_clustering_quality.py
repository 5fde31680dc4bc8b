"""Story quality on real data: the RPM2 corpus (200 French articles, 10 stories), in batches."""

import csv
import random

from bench.metrics import bcubed
from tasks.stories.evidence import MODEL_MASK
from tests.conftest import RPM2, require
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.load import load_batch
from warehouse.load.report import RunSummary

# The pipeline's method (the single threshold while USE_JOIN_MODEL is off, then consolidation at the
# per-batch silhouette cut, with its split step and its reassignment pass: the same here): 0.986 in
# this order (P 1.000, R 0.973, 13 stories; 0.954, P 0.967, R 0.941 before the reassignment pass,
# whose 4 T03 articles in T02 it puts back; before the split step, at the fixed CUT 0.958,
# P 0.967, R 0.950, 12 stories; 0.912 without consolidation); with the join
# model and no consolidation 0.970 (trained on these 200 articles, so in-sample). The floor leaves
# room for order effects, not for a regression.
BCUBED_F1_FLOOR = 0.93


def test_rpm2_stories_in_four_batches(db_path):
    labels = require(RPM2 / "labels.csv")
    with open(labels, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    files = [RPM2 / r["file"] for r in rows]
    random.Random(0).shuffle(files)
    con = connect(db_path)
    gold: dict[str, str] = {}
    reported = []
    summary = RunSummary("quality", str(db_path))
    for batch_no in range(4):
        articles, failures = articles_from(files[batch_no * 50 : (batch_no + 1) * 50])
        assert not failures
        report = load_batch(con, "quality", batch_no, articles, [])
        reported += report.story_events
        summary.add(report)
    story_label = {str((RPM2 / r["file"]).resolve()): r["story_label"] for r in rows}
    for article_id, uri in con.execute("SELECT article_id, source_uri FROM articles").fetchall():
        gold[article_id] = story_label[uri.removeprefix("file://")]
    predicted = dict(con.execute("SELECT article_id, story_id FROM story_articles").fetchall())
    precision, recall, f1 = bcubed(predicted, gold)
    print(f"rpm2 story BCubed P={precision:.3f} R={recall:.3f} F1={f1:.3f}, "
          f"{len(set(predicted.values()))} stories")
    assert len(predicted) == 200
    assert f1 >= BCUBED_F1_FLOOR
    assert_consolidation_kept_the_books(con)
    # what the batches report (the flow emits them as Prefect events) is what story_events holds
    stored = con.execute("SELECT kind, story_id, into_story_id, articles, articles_before FROM story_events").fetchall()
    assert reported and sorted((e.kind, e.story_id, e.into_story_id, e.articles, e.articles_before)
                               for e in reported) == sorted(stored)
    # Into an empty warehouse every story is new: the run's count is the table's, after the merges
    # (a story opened in one batch and merged away in a later one is not counted) and the splits.
    assert any(e.kind == "merge" for e in reported)
    stories = con.execute("SELECT story_id, article_count FROM stories").fetchall()
    assert summary.stories_created == len(stories) and summary.stories_grown == 0
    # and so is the per-source table's (each story under the source of the article that opened it)
    assert sum(rep.new_stories for rep in summary.per_source.values()) == len(stories)
    assert {sid: n for sid, n in stories} == {sid: c.articles_after for sid, c in summary.stories.items()}
    assert summary.neighbourhoods_skipped == 0


def assert_consolidation_kept_the_books(con) -> None:
    """After consolidation: every story's count is its articles', no story is empty, every merged
    id resolves to a current story and is gone from stories, and every event names real stories."""
    assert con.execute("""SELECT count(*) FROM stories s LEFT JOIN (SELECT story_id, count(*) AS n FROM story_articles
                          GROUP BY ALL) sa USING (story_id) WHERE coalesce(sa.n, 0) <> s.article_count
                          OR s.article_count = 0""").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM story_articles WHERE story_id NOT IN (SELECT story_id FROM stories)"
                       ).fetchone()[0] == 0
    assert con.execute("""SELECT count(*) FROM story_aliases WHERE into_story_id NOT IN (SELECT story_id FROM stories)
                          OR story_id IN (SELECT story_id FROM stories)""").fetchone()[0] == 0
    merged = {sid for (sid,) in con.execute("SELECT story_id FROM story_events WHERE kind = 'merge'").fetchall()}
    assert merged == {sid for (sid,) in con.execute("SELECT story_id FROM story_aliases").fetchall()}
    assert con.execute("SELECT count(*) FROM story_events WHERE articles < 1 OR articles > articles_before"
                       ).fetchone()[0] == 0


# Leave-5-topics-out on 4 splits (the first two complementary pairs of bench/story_quality.py, one
# of them with two banking stories in its test half), one stream order: measured 0.953 mean and
# 0.907 worst for the join model (off in the pipeline for now), vs 0.905 / 0.852 for the single threshold.
CV_F1_FLOOR = 0.93
CV_WORST_FLOOR = 0.88
# Consolidation (cut chosen on the training topics) on the same 4 splits: 0.946 mean, 0.846 worst
# (single threshold 0.905 / 0.852 here, but 0.908 / 0.711 on bench/story_quality.py's 30 splits x
# 3 orders, bench/RESULTS.md: 4 splits are too few to rank the worst cases, so only the mean must beat it).
CONSOLIDATED_CV_F1_FLOOR = 0.93
CONSOLIDATED_CV_WORST_FLOOR = 0.82
# The pipeline's cut, chosen per batch by the silhouette (no parameter chosen on the training
# topics; stream threshold chosen there): 0.959 mean, 0.881 worst on the same 4 splits (0.965 /
# 0.858 worst split on the bench's 30 splits x 3 orders vs 0.930 / 0.833 for the training-chosen cut).
SILHOUETTE_CV_F1_FLOOR = 0.95
SILHOUETTE_CV_WORST_FLOOR = 0.87
# With consolidation's split step (tasks/stories/consolidation.py COHERENCE_RATIO, what the pipeline
# runs): 0.977 mean, 0.954 worst on the same 4 splits (0.972 / 0.908 worst split on the bench's
# 30 splits x 3 orders, against 0.965 / 0.858 without it, bench/RESULTS.md).
COHERENT_CV_F1_FLOOR = 0.96
COHERENT_CV_WORST_FLOOR = 0.93
# With the reassignment pass after the split step (consolidation.REASSIGN_MARGIN, what the pipeline
# runs since): 0.986 mean, 0.964 worst on the same 4 splits (0.981 / 0.922 worst split on the
# bench's 30 splits x 3 orders, against 0.972 / 0.908 without it, bench/RESULTS.md).
REASSIGN_CV_F1_FLOOR = 0.96
REASSIGN_CV_WORST_FLOOR = 0.93


def test_rpm2_stories_hold_on_topics_not_tuned_on():
    """Every parameter chosen on 5 topics, scored on the 5 others (streamed in 4 batches): the
    join model as trained by the bench must hold there, and beat the single threshold; so must
    consolidation (its cut chosen on the training topics), and the pipeline's method, consolidation
    at the silhouette's cut per batch, must beat that."""
    require(RPM2 / "labels.csv")
    from bench.story_quality import Data, Runner, cross_validate, splits, summary
    data = Data()
    runner = Runner(data, orders=1)
    split_list = splits(data, 4)
    model = summary("model", cross_validate(runner, split_list, "model", MODEL_MASK), 1)
    current = summary("current", cross_validate(runner, split_list, "current"), 1)
    consolidated = summary("consolidated", cross_validate(runner, split_list, "consolidated"), 1)
    silhouette = summary("silhouette", cross_validate(runner, split_list, "silhouette", variants=False), 1)
    coherent = summary("coherent", cross_validate(runner, split_list, "silhouette-coherent", variants=False), 1)
    reassigned = summary("reassign", cross_validate(runner, split_list, "silhouette-reassign", variants=False), 1)
    print(f"silhouette cut per batch {silhouette['f1']:.3f} (worst {silhouette['worst']:.3f}), "
          f"with the split step {coherent['f1']:.3f} (worst {coherent['worst']:.3f}), "
          f"and the reassignment pass {reassigned['f1']:.3f} (worst {reassigned['worst']:.3f})")
    print(f"cross-validated BCubed F1: model {model['f1']:.3f} (worst {model['worst']:.3f}), "
          f"single threshold {current['f1']:.3f} (worst {current['worst']:.3f}), "
          f"with consolidation {consolidated['f1']:.3f} (worst {consolidated['worst']:.3f})")
    assert model["f1"] >= CV_F1_FLOOR and model["worst"] >= CV_WORST_FLOOR
    assert model["f1"] > current["f1"]
    assert consolidated["f1"] >= CONSOLIDATED_CV_F1_FLOOR and consolidated["worst"] >= CONSOLIDATED_CV_WORST_FLOOR
    assert consolidated["f1"] > current["f1"]
    assert silhouette["f1"] >= SILHOUETTE_CV_F1_FLOOR and silhouette["worst"] >= SILHOUETTE_CV_WORST_FLOOR
    assert silhouette["f1"] > consolidated["f1"]
    assert coherent["f1"] >= COHERENT_CV_F1_FLOOR and coherent["worst"] >= COHERENT_CV_WORST_FLOOR
    assert coherent["f1"] >= silhouette["f1"] and coherent["worst"] >= silhouette["worst"]
    assert reassigned["f1"] >= REASSIGN_CV_F1_FLOOR and reassigned["worst"] >= REASSIGN_CV_WORST_FLOOR
    assert reassigned["f1"] >= coherent["f1"] and reassigned["worst"] >= coherent["worst"]
