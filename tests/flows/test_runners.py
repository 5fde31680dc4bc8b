"""Extraction through the flow's task runner: the local pool with 1 or 2 workers, and Dask (a real
LocalCluster whose worker processes run the sandbox) give the same warehouse."""

import shutil

import duckdb
import pytest

from flows.ingest import _chunks, ingest_files
from flows.runners import make_task_runner
from tests.conftest import RPM2, SEEDS, require


def _contents(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "articles": con.execute("SELECT article_id, title, word_count, content_hash FROM articles ORDER BY 1").fetchall(),
            "copies": con.execute("SELECT article_id, duplicate_of, kind FROM duplicates ORDER BY 1, 2").fetchall(),
            "stories": con.execute("SELECT story_id, article_id FROM story_articles ORDER BY 2").fetchall(),
            "batches": con.execute("SELECT batch_no, articles FROM batches ORDER BY 1").fetchall(),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The seeds and 40 RPM2 articles: enough for several batches of 15."""
    folder = tmp_path_factory.mktemp("in")
    shutil.copytree(SEEDS, folder / "seeds")
    for doc in sorted((require(RPM2 / "documents")).glob("*.txt"))[:40]:
        (folder / "rpm2").mkdir(exist_ok=True)
        shutil.copy(doc, folder / "rpm2" / doc.name)
    return folder


@pytest.fixture(scope="module")
def local_one_worker(inputs, tmp_path_factory):
    db = tmp_path_factory.mktemp("one") / "news.duckdb"
    summary = ingest_files.with_options(task_runner=make_task_runner("local", 1))(
        [str(inputs)], db=str(db), batch_size=15, workers=1)
    assert summary.articles_loaded == 45 and summary.batches == 3
    return _contents(db)


def test_two_local_workers_build_the_same_warehouse(inputs, local_one_worker, tmp_path):
    summary = ingest_files.with_options(task_runner=make_task_runner("local", 2))(
        [str(inputs)], db=str(tmp_path / "news.duckdb"), batch_size=15, workers=2)
    assert summary.articles_loaded == 45
    assert _contents(tmp_path / "news.duckdb") == local_one_worker


def test_dask_local_cluster_builds_the_same_warehouse(inputs, local_one_worker, tmp_path):
    summary = ingest_files.with_options(task_runner=make_task_runner("dask", 2))(
        [str(inputs)], db=str(tmp_path / "news.duckdb"), batch_size=15, workers=2)
    assert summary.articles_loaded == 45 and not summary.failures
    assert _contents(tmp_path / "news.duckdb") == local_one_worker


def test_batches_split_into_one_chunk_per_slot_in_order():
    assert _chunks(list(range(7)), 2) == [[0, 1, 2, 3], [4, 5, 6]]
    assert _chunks(list(range(3)), 4) == [[0], [1], [2]]
    assert _chunks([], 2) == []


def test_unknown_task_runner_is_refused():
    with pytest.raises(ValueError, match="unknown task runner"):
        make_task_runner("ray")


def test_the_ingest_flows_import_no_dask_until_asked_for():
    """Dask's import costs every run start-up time: only the Dask runner and its flow import it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    check = "import sys, flows.ingest, newsflow.cli; print('dask' in sys.modules, 'distributed' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", check], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["False", "False"]
    from flows.ingest_dask import ingest_files_dask
    assert type(ingest_files_dask.task_runner).__module__ == "flows.dask_runner"
