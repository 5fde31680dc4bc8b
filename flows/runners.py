"""Where extraction runs: the task runner of an ingest flow.

- local (default): Prefect's thread pool submits each chunk of a batch to this machine's
  sandbox, a pool of `workers` processes with a per-document time limit (tasks/sandbox.py).
- dask: prefect-dask's DaskTaskRunner sends each chunk to a Dask worker (a scheduler address,
  or a LocalCluster of `workers` processes); inside the worker the chunk runs in a one-process
  sandbox, so the per-document time limit still holds. Dask workers must be allowed to start
  processes: set `distributed.worker.daemon: false` (env DASK_DISTRIBUTED__WORKER__DAEMON=False)
  on a remote cluster; the local one is started that way here.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace

from prefect.context import FlowRunContext
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from tasks.sandbox import SandboxConfig

DASK_ADDRESS_ENV = "NEWSFLOW_DASK_ADDRESS"


def make_task_runner(kind: str = "local", workers: int | None = None, address: str | None = None) -> TaskRunner:
    """A task runner for the ingest flows: 'local' or 'dask' (address: a running scheduler,
    e.g. tcp://10.0.0.5:8786; None: a LocalCluster of `workers` single-threaded processes)."""
    if kind == "local":
        return ThreadPoolTaskRunner(max_workers=max(4, 2 * (workers or SandboxConfig().workers)))
    if kind != "dask":
        raise ValueError(f"unknown task runner {kind!r}: use 'local' or 'dask'")
    from flows.dask_runner import dask_task_runner  # Dask only when asked for: its import costs every run ~0.4 s

    return dask_task_runner(workers or SandboxConfig().workers, address or os.environ.get(DASK_ADDRESS_ENV) or None)


def extraction_slots(sandbox: SandboxConfig) -> tuple[int, SandboxConfig]:
    """(chunks to split each batch into, the sandbox each chunk runs in) for the current flow's
    task runner: one chunk per Dask worker, each in a one-process sandbox; locally one chunk per
    sandbox process, all sharing this machine's pool."""
    ctx = FlowRunContext.get()
    runner = ctx.task_runner if ctx else None
    if "prefect_dask" in sys.modules and isinstance(runner, sys.modules["prefect_dask"].DaskTaskRunner):
        workers = len(runner.client.scheduler_info().get("workers", {})) or 1
        return workers, replace(sandbox, workers=1)
    return sandbox.workers, sandbox
