"""Bad arguments are usage errors (exit 2, one line, no traceback) found before any Prefect server
starts; and the run summary's wording: counts pluralised, copies counted as articles."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from newsflow.cli import build_parser, plural, summary_lines
from tests.conftest import ROOT
from warehouse.load.report import RunSummary


@pytest.mark.parametrize("argv", [
    ["ingest", "x.txt", "--batch-size", "0"],
    ["ingest", "x.txt", "--batch-size", "ten"],
    ["ingest", "x.txt", "--workers", "-1"],
    ["search", "missile", "--limit", "0"],
    ["stories", "--limit", "-5"],
    ["sql", "SELECT 1", "--max-rows", "0"],
    ["sql", "SELECT 1", "--timeout", "-1"],
    ["sql", "SELECT 1", "--timeout", "nan"],
])
def test_a_bad_number_is_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "usage: newsflow" in err and argv[-2] in err


def test_good_numbers_pass():
    args = build_parser().parse_args(["ingest", "x.txt", "--batch-size", "1", "--workers", "2"])
    assert (args.batch_size, args.workers) == (1, 2)
    assert build_parser().parse_args(["sql", "SELECT 1", "--timeout", "0"]).timeout == 0


def test_batch_size_0_stops_the_real_command_before_the_server(tmp_path):
    """The issue: a ValueError traceback after the temporary server had started."""
    run = subprocess.run([sys.executable, "-m", "newsflow.cli", "ingest", str(tmp_path), "--batch-size", "0",
                          "--db", str(tmp_path / "w.duckdb")], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL)
    assert run.returncode == 2
    assert "--batch-size: 0 is not allowed: give at least 1" in run.stderr
    assert "Traceback" not in run.stderr and "Starting" not in run.stderr + run.stdout
    assert not (tmp_path / "w.duckdb").exists()


def test_plural():
    assert [plural(n, "outlet") for n in (0, 1, 2)] == ["0 outlets", "1 outlet", "2 outlets"]
    assert plural(1, "near copy", "near copies") == "1 near copy" and plural(3, "story", "stories") == "3 stories"


def test_summary_sentences_are_pluralised():
    one = RunSummary("r", "w.duckdb", files_seen=1, articles_loaded=1, exact_copies=1, near_copies=1,
                     stories_created=1, lines_removed=1, requests=1, pages_fetched=1)
    assert summary_lines(one) == [
        "1 input: 1 loaded, 0 updated (new versions), 0 unchanged, 0 not loaded; 1 boilerplate line removed; "
        "1 exact copy, 1 near copy; 1 new story, 0 grown.",
        "Web: 1 HTTP request, 1 page fetched, 0 not modified."]
    many = RunSummary("r", "w.duckdb", files_seen=3, articles_loaded=3, exact_copies=2, stories_created=2)
    assert summary_lines(many)[0] == ("3 inputs: 3 loaded, 0 updated (new versions), 0 unchanged, 0 not loaded; "
                                      "0 boilerplate lines removed; 2 exact copies, 0 near copies; 2 new stories, 0 grown.")


def test_a_bad_lock_wait_in_the_environment_is_refused_before_anything_starts(monkeypatch, capsys):
    from newsflow.cli import main

    monkeypatch.setenv("NEWSFLOW_LOCK_WAIT_SECONDS", "soon")
    assert main(["ingest", "x.txt"]) == 2
    assert "NEWSFLOW_LOCK_WAIT_SECONDS: 'soon' is not a number" in capsys.readouterr().err
