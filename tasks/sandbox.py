"""Run a per-document function in worker processes with a time limit and a memory bound.

One pathological page (a parser stuck in a loop, a tree that eats gigabytes) costs that page,
not the run: the worker is killed at the time limit and the page becomes a Failure; the memory
bound (RLIMIT_AS in each worker) turns a runaway allocation into a MemoryError in that worker.
The pool is shared by the process and reused across batches (worker start-up imports lxml and
trafilatura once); workers are recycled every `max_tasks` documents.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import resource
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TypeVar

from pebble import ProcessExpired, ProcessPool

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class SandboxConfig:
    workers: int = max(1, min(4, os.cpu_count() or 1))
    timeout: float = 60.0           # seconds per document
    memory_mb: int = 2048           # address-space bound per worker
    max_tasks: int = 2000           # recycle a worker after this many documents (a new one re-warms
                                    # trafilatura and dateparser: seconds)


@dataclass(frozen=True)
class SandboxError:
    """A document the sandbox gave up on: reason is timeout, memory, crashed or error (an exception
    the per-document function let out)."""

    reason: str
    detail: str
    error_type: str | None = None   # for reason "error": the exception's type


_pools: dict[SandboxConfig, ProcessPool] = {}
_pools_lock = threading.Lock()
_ahead: dict[tuple[Callable, object, SandboxConfig], Future] = {}   # started by start_ahead, not yet collected


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def preload_of(func: Callable) -> list[str]:
    """The modules the fork server imports for `func`: its own, and those its module names in
    WORKER_PRELOAD (imports that warm caches each worker would otherwise fill itself)."""
    module = sys.modules.get(func.__module__)
    return [func.__module__, *getattr(module, "WORKER_PRELOAD", ())]


def pool_for(config: SandboxConfig, preload: list[str] | None = None) -> ProcessPool:
    """The pool of this config, started on first use. `preload`: the modules of the per-document
    function (preload_of), imported once by the fork server (when this is the process's first pool)
    so that each worker, forked from it, starts with lxml, trafilatura and the rest already imported
    instead of importing them itself (a second each, twice per pool and again at every recycling)."""
    with _pools_lock:   # chunks of a batch arrive from several task-runner threads at once
        if config not in _pools:
            context = multiprocessing.get_context("forkserver")
            if preload:
                context.set_forkserver_preload(["__main__", *preload])   # no effect once the fork server runs
            _pools[config] = ProcessPool(
                max_workers=config.workers, max_tasks=config.max_tasks, initializer=_limit_memory,
                initargs=(config.memory_mb,), context=context,
            )
        return _pools[config]


def shutdown() -> None:
    """Stop every worker this process started."""
    _ahead.clear()
    while _pools:
        _, pool = _pools.popitem()
        pool.stop()
        pool.join(timeout=10)


atexit.register(shutdown)


def start_ahead(func: Callable[[T], R], items: Iterable[T], config: SandboxConfig | None = None) -> int:
    """Schedule func(item) in the workers now, for a later run_isolated of the same function, items
    and config to collect instead of scheduling them again: the CLI extracts the first batches while
    Prefect's temporary server starts. The result is the same (the same function on the same item in
    the same sandbox), only earlier. Returns how many were scheduled."""
    config = config or SandboxConfig()
    pool = pool_for(config, preload_of(func))
    started = 0
    with _pools_lock:
        for item in items:
            if (func, item, config) not in _ahead:
                _ahead[(func, item, config)] = pool.schedule(func, args=(item,), timeout=config.timeout)
                started += 1
    return started


def _started_or_scheduled(pool: ProcessPool, func: Callable, item: object, config: SandboxConfig) -> Future:
    future = None
    if _ahead:
        with _pools_lock, contextlib.suppress(TypeError):   # TypeError: an unhashable item was never started ahead
            future = _ahead.pop((func, item, config), None)
    return future if future is not None else pool.schedule(func, args=(item,), timeout=config.timeout)


def run_isolated(func: Callable[[T], R], items: Iterable[T], config: SandboxConfig | None = None) -> list[R | SandboxError]:
    """func(item) for each item in worker processes, in order; a SandboxError where it could not finish."""
    config = config or SandboxConfig()
    pool = pool_for(config, preload_of(func))
    futures = [_started_or_scheduled(pool, func, item, config) for item in items]
    results: list[R | SandboxError] = []
    for future in futures:
        try:
            results.append(future.result())
        except FutureTimeout:
            results.append(SandboxError("timeout", f"stopped after {config.timeout:g} s"))
        except MemoryError:
            results.append(SandboxError("memory", f"over the {config.memory_mb} MB bound"))
        except ProcessExpired as exc:
            results.append(SandboxError("crashed", f"worker died (exit code {exc.exitcode})"))
        except Exception as exc:   # func let an exception about its document out: still that document's
            results.append(SandboxError("error", f"{type(exc).__name__}: {exc}"[:2000], type(exc).__name__))
    return results
