"""kill -9 of `newsflow ingest` mid-run leaves no process behind: neither Prefect's temporary server
(~240 MB, it used to live on forever) nor the extraction sandbox's workers; the warehouse then
opens and a re-run loads the rest, each article once."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil

from tests.conftest import ROOT, SEEDS
from tests.warehouse.test_crash_safety import check_consistent
from warehouse.db import connect

FILES = 80   # 10 batches of 8: the kill lands after the first, with most of the run still to go
MARKER = "NEWSFLOW_TEST_PROCESS_TREE"   # set in the CLI's environment, inherited by all it starts


def _build_folder(folder: Path) -> None:
    """FILES distinct articles made of the seeds' words (distinct texts: the load does not spend
    the test's time comparing 200 near copies of five dispatches)."""
    folder.mkdir()
    words = sorted({w for p in SEEDS.glob("*.txt") for w in p.read_text(encoding="utf-8").split() if w.isalpha()})
    rng = random.Random(13)
    for i in range(FILES):
        paragraphs = [" ".join(rng.choices(words, k=40)) + "." for _ in range(4)]
        title = " ".join(rng.choices(words, k=6)).capitalize()
        (folder / f"{i:04}.txt").write_text(f"{title}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


def _tree(tag: str) -> list[psutil.Process]:
    """Every live process carrying this test's marker in its environment (a child re-parented to
    init after its parent's death still carries it)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.pid != os.getpid() and proc.environ().get(MARKER) == tag and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def _kill_all(tag: str) -> None:
    for proc in _tree(tag):
        with contextlib.suppress(psutil.Error):
            proc.kill()


def _cli(tag: str, *args: str) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, MARKER: tag, "PYTHONPATH": str(ROOT)}   # PREFECT_HOME: the session's, in the temp dir
    env.pop("PREFECT_API_URL", None)
    return [sys.executable, "-m", "newsflow.cli", "ingest", *args], env


def _wait_for(condition, timeout: float, what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"the CLI ended (rc {proc.returncode}) before {what}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {what} after {timeout:.0f} s:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)


def test_sigkill_mid_ingest_leaves_no_process_and_rerun_completes(tmp_path):
    folder, db, log = tmp_path / "inputs", tmp_path / "news.duckdb", tmp_path / "ingest.log"
    _build_folder(folder)
    tag = uuid.uuid4().hex
    command, env = _cli(tag, str(folder), "--db", str(db), "--batch-size", "8", "--workers", "2",
                        "--verbose")   # its "batch 0:" INFO line says when to kill
    try:
        with log.open("w") as out:
            proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        cli = psutil.Process(proc.pid)

        def command_line(child: psutil.Process) -> str:
            try:
                return " ".join(child.cmdline())
            except psutil.Error:   # a child that just ended (a zombie until reaped) or is gone
                return ""

        def server_and_workers_up() -> bool:
            children = [command_line(c) for c in cli.children(recursive=True)]
            return (any("uvicorn" in c and "prefect.server.api.server:create_app" in c for c in children)
                    and any("multiprocessing.forkserver" in c for c in children)
                    and "batch 0:" in log.read_text())

        _wait_for(server_and_workers_up, 180, "temporary server, sandbox workers and first batch", proc, log)
        before = [p for p in _tree(tag) if p.pid != proc.pid]
        assert len(before) >= 3, [p.cmdline() for p in before]   # server, forkserver, workers
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

        deadline = time.monotonic() + 10
        while _tree(tag) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [(p.pid, " ".join(p.cmdline())[:120]) for p in _tree(tag)]
        assert left == [], f"processes outlived the killed CLI: {left}"

        killed_at = check_consistent(db)["articles"]       # the warehouse opens: whole batches only
        assert 0 < killed_at < FILES, killed_at           # the kill landed mid-run

        rerun = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                               stdin=subprocess.DEVNULL)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert f"{FILES - killed_at} loaded, 0 updated (new versions), {killed_at} unchanged" in rerun.stdout, \
            rerun.stdout[:2000]
        assert check_consistent(db)["articles"] == FILES  # each file once (source_uri distinct)
        with connect(db, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM runs WHERE status = 'completed'").fetchone()[0] == 1
        assert _tree(tag) == []                           # a normal exit stops everything too
    finally:
        _kill_all(tag)


def test_launcher_child_dies_with_its_parent_and_refuses_an_orphan_start(tmp_path):
    """The mechanism alone, without Prefect: `python -m newsflow.server PARENT CMD` execs CMD with
    the parent-death signal armed, and exits at once when PARENT is no longer its parent."""
    orphan = subprocess.run([sys.executable, "-m", "newsflow.server", "1", "/bin/sleep", "30"], cwd=ROOT,
                            timeout=30, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert orphan.returncode == 75          # LAUNCHER_PARENT_GONE: sleep never ran

    parent_code = ("import os, subprocess, sys, time\n"
                   "child = subprocess.Popen([sys.executable, '-m', 'newsflow.server', str(os.getpid()), '/bin/sleep', '60'])\n"
                   "print(child.pid, flush=True)\n"
                   "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", parent_code], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    child = None
    try:
        child = psutil.Process(int(parent.stdout.readline()))
        deadline = time.monotonic() + 20
        while child.cmdline()[:1] != ["/bin/sleep"]:        # the launcher has exec'd the command
            assert time.monotonic() < deadline, child.cmdline()
            time.sleep(0.05)
        parent.kill()
        parent.wait(timeout=10)
        child.wait(timeout=5)                               # raises TimeoutExpired if it outlived its parent
    finally:
        parent.kill()
        if child is not None:
            with contextlib.suppress(psutil.Error):
                child.kill()
