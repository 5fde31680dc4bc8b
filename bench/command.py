"""The whole `newsflow ingest` command as a user runs it, timed: one new process, start-up included
(Prefect's temporary server in its own home, the extraction workers, the summary). Shared by the
benchmarks that report whole-command figures (whole_command, warc_throughput, snapshot_publish)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_CLI = "import sys; from newsflow.cli import main; sys.exit(main())"   # the `newsflow` script, from any checkout


def timed_ingest(args: list[str], checkout: Path = ROOT, env: dict[str, str] | None = None,
                 timeout: float = 3600) -> tuple[float, subprocess.CompletedProcess]:
    """(wall seconds from the process's start to its exit, the finished process) of
    `newsflow ingest ARGS` run from `checkout`. Never inherits a server or a Prefect home: each run
    starts its own, as a first-time user's does. Exits with the command's error output when it fails."""
    env = {k: v for k, v in {**os.environ, **(env or {})}.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env["PYTHONPATH"] = str(checkout)
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CLI, "ingest", *args], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"newsflow ingest {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed, done
