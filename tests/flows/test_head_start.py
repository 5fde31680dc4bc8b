"""The first batches' files extracted before the flow starts (flows/head_start.py, what the CLI does
while Prefect's temporary server boots) are collected by the flow itself: none is extracted twice,
none is left behind, and the warehouse holds what a run without a head start stores."""

from __future__ import annotations

import shutil

import duckdb

import tasks.sandbox
from flows.head_start import start_file_extraction
from flows.ingest import ingest
from tasks.sandbox import SandboxConfig
from tests.conftest import SEEDS

STORED = ("SELECT article_id, source_uri, title, site_name, author, published_at, published_precision, language, body, "
          "raw_sha256 FROM articles ORDER BY source_uri")


def test_the_flow_collects_every_file_started_ahead_and_stores_the_same(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_bytes(b"")       # a failure is collected like an article
    plain, ahead = tmp_path / "plain.duckdb", tmp_path / "ahead.duckdb"
    ingest(paths=[str(folder)], db=str(plain))

    assert start_file_extraction([str(folder)], 4, SandboxConfig()) == 6   # every file: 3 batches of 4 ahead
    assert len(tasks.sandbox._ahead) == 6
    summary = ingest(paths=[str(folder)], db=str(ahead), batch_size=4)
    assert tasks.sandbox._ahead == {}                                        # all collected by the flow
    assert summary.articles_loaded == 5 and len(summary.failures) == 1

    stored = [duckdb.connect(str(db), read_only=True).execute(STORED).fetchall() for db in (plain, ahead)]
    assert len(stored[0]) == 5 and stored[0] == stored[1]
