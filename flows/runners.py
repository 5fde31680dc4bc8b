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
from dataclasses import replace

import dask
from prefect.context import FlowRunContext
from prefect.settings import get_current_settings
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from tasks.sandbox import SandboxConfig

DASK_ADDRESS_ENV = "NEWSFLOW_DASK_ADDRESS"


class LocalDaskTaskRunner(DaskTaskRunner):
    """DaskTaskRunner on a LocalCluster whose workers report to this process's Prefect API: without
    PREFECT_API_URL each worker process would start a temporary server of its own (and leave it
    behind when the cluster kills the worker)."""

    def __enter__(self):
        url = get_current_settings().api.url or _temporary_server_url()
        if url:
            env = {**self.cluster_kwargs.get("env", {}), "PREFECT_API_URL": url}
            self.cluster_kwargs = {**self.cluster_kwargs, "env": env}
        return super().__enter__()


def _temporary_server_url() -> str | None:
    """The API URL of the temporary server this process started, if it did (Prefect leaves
    PREFECT_API_URL unset in that mode)."""
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer._instances.get(None)
    return server.api_url if server is not None and server.running else None


def make_task_runner(kind: str = "local", workers: int | None = None, address: str | None = None) -> TaskRunner:
    """A task runner for the ingest flows: 'local' or 'dask' (address: a running scheduler,
    e.g. tcp://10.0.0.5:8786; None: a LocalCluster of `workers` single-threaded processes)."""
    if kind == "local":
        return ThreadPoolTaskRunner(max_workers=max(4, 2 * (workers or SandboxConfig().workers)))
    if kind != "dask":
        raise ValueError(f"unknown task runner {kind!r}: use 'local' or 'dask'")
    address = address or os.environ.get(DASK_ADDRESS_ENV) or None
    if address:
        return DaskTaskRunner(address=address)
    dask.config.set({"distributed.worker.daemon": False})   # workers start the sandbox process
    return LocalDaskTaskRunner(cluster_kwargs={
        "n_workers": workers or SandboxConfig().workers, "threads_per_worker": 1, "processes": True,
        "dashboard_address": ":0", "host": "127.0.0.1",
    })


def extraction_slots(sandbox: SandboxConfig) -> tuple[int, SandboxConfig]:
    """(chunks to split each batch into, the sandbox each chunk runs in) for the current flow's
    task runner: one chunk per Dask worker, each in a one-process sandbox; locally one chunk per
    sandbox process, all sharing this machine's pool."""
    ctx = FlowRunContext.get()
    runner = ctx.task_runner if ctx else None
    if isinstance(runner, DaskTaskRunner):
        workers = len(runner.client.scheduler_info().get("workers", {})) or 1
        return workers, replace(sandbox, workers=1)
    return sandbox.workers, sandbox
