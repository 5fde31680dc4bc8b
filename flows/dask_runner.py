"""Extraction on Dask (flows/runners.py says when): prefect-dask's DaskTaskRunner on a scheduler
address, or on a LocalCluster whose workers report to this process's Prefect API. Imported only
when a Dask runner is asked for: Dask's import costs every run ~0.4 s of start-up otherwise."""

from __future__ import annotations

import dask
from prefect.settings import get_current_settings
from prefect_dask import DaskTaskRunner


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


def dask_task_runner(workers: int, address: str | None) -> DaskTaskRunner:
    """The runner on the scheduler at `address` (e.g. tcp://10.0.0.5:8786), else on a LocalCluster
    of `workers` single-threaded processes allowed to start the sandbox's process."""
    if address:
        return DaskTaskRunner(address=address)
    dask.config.set({"distributed.worker.daemon": False})   # workers start the sandbox process
    return LocalDaskTaskRunner(cluster_kwargs={
        "n_workers": workers, "threads_per_worker": 1, "processes": True,
        "dashboard_address": ":0", "host": "127.0.0.1",
    })
