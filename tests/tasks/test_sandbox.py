"""Extraction started ahead (tasks/sandbox.py start_ahead): a later run_isolated of the same
function, items and config collects those runs instead of running the items a second time."""

from __future__ import annotations

import os
from pathlib import Path

from tasks.sandbox import SandboxConfig, run_isolated, start_ahead

AHEAD = SandboxConfig(workers=1, timeout=30.0)


def record_run(path: str) -> str:
    """Appends one line per call to the item's file (a worker-side trace of every run)."""
    with open(path, "a", encoding="utf-8") as trace:
        trace.write(f"{os.getpid()}\n")
    return Path(path).name


def test_run_isolated_collects_what_start_ahead_began_and_runs_the_rest_once(tmp_path):
    items = [str(tmp_path / f"{i}.trace") for i in range(4)]
    assert start_ahead(record_run, items[:2], AHEAD) == 2
    assert start_ahead(record_run, items[:2], AHEAD) == 0          # already started: not again
    assert run_isolated(record_run, items, AHEAD) == ["0.trace", "1.trace", "2.trace", "3.trace"]
    assert [len(Path(item).read_text().splitlines()) for item in items] == [1, 1, 1, 1]
    assert run_isolated(record_run, items[:1], AHEAD) == ["0.trace"]   # collected once: a new call runs again
    assert len(Path(items[0]).read_text().splitlines()) == 2


def test_a_different_config_does_not_collect_what_was_started_for_another(tmp_path):
    item = str(tmp_path / "x.trace")
    start_ahead(record_run, [item], AHEAD)
    assert run_isolated(record_run, [item], SandboxConfig(workers=1, timeout=31.0)) == ["x.trace"]
    assert run_isolated(record_run, [item], AHEAD) == ["x.trace"]
    assert len(Path(item).read_text().splitlines()) == 2


def printed_by_a_new_process(script: str) -> list[str]:
    """The words `script` prints, run in a new Python process (one whose fork server is not
    running yet, unlike this one's)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-c", script], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.split()


def test_workers_start_with_the_functions_module_imported_by_the_fork_server():
    """The fork server imports the per-document function's module once; workers forked from it do
    not import lxml, trafilatura and the rest again."""
    printed = printed_by_a_new_process(
        "from tasks.sandbox import SandboxConfig, run_isolated\n"
        "from tests.tasks.preload_probe import where_imported\n"
        "import os; [(imported, worker)] = run_isolated(where_imported, [0], SandboxConfig(workers=1))\n"
        "print(imported != worker, imported != os.getpid())\n")
    assert printed == ["True", "True"]   # imported neither by the worker nor by the caller


def test_workers_start_with_the_date_parsers_warmed_by_the_fork_server():
    """WORKER_PRELOAD's warm-up runs in the fork server, not in the caller: a worker finds
    htmldate's month names and dateparser's language data loaded (about 1.2 CPU-s of a fresh
    worker's first 150 pages), and the extraction function's module asks for it."""
    from tasks.documents.article import article_from_file
    from tasks.sandbox import preload_of

    assert "tasks.documents.worker_warmup" in preload_of(article_from_file)
    printed = printed_by_a_new_process(
        "import sys\n"
        "from tasks.sandbox import SandboxConfig, run_isolated\n"
        "from tests.tasks.preload_probe import dates_warm\n"
        "[(months, loaded)] = run_isolated(dates_warm, [0], SandboxConfig(workers=1))\n"
        "print(months, loaded, 'tasks.documents.worker_warmup' in sys.modules)\n")
    assert printed == ["1", "True", "False"]
