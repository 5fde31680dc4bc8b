"""`newsflow ingest` prints the summary and Prefect's warnings, not Prefect's INFO lines (about ten
a run, between the progress bar's); --verbose brings them back. Real CLI, real temporary server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from newsflow.cli import CONSOLE_LEVEL_ENV
from tests.conftest import seed

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
INFO = "| INFO    |"


def _ingest(folder: Path, db: Path, *flags: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL", CONSOLE_LEVEL_ENV)}
    run = subprocess.run([NEWSFLOW, "ingest", str(folder), "--db", str(db), *flags], env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def test_ingest_prints_the_summary_and_warnings_but_no_prefect_info_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed("000"), folder)
    (folder / "empty.txt").write_bytes(b"")   # a failure: Prefect's WARNING "not loaded: ..." line
    run = _ingest(folder, tmp_path / "news.duckdb")
    assert INFO not in run.stderr and INFO not in run.stdout
    assert "| WARNING | Flow run" in run.stderr and "not loaded:" in run.stderr
    assert "1 loaded" in run.stdout and "1 not loaded" in run.stdout


def test_verbose_ingest_prints_prefects_info_lines(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed("000"), folder)
    run = _ingest(folder, tmp_path / "news.duckdb", "--verbose")
    assert INFO in run.stderr and "Finished in state Completed()" in run.stderr
    assert "1 loaded" in run.stdout
