"""Prefect flow: re-check recent web articles for updates (issue 18).

News pages change after publication (corrections, updated tolls, new paragraphs, a changed
headline). This flow fetches again, with conditional requests (If-None-Match / If-Modified-Since),
the stored web articles whose age since first seen crossed one of the checkpoints (by default 1 h,
6 h, 24 h and 72 h) no check has covered yet, and loads them through the normal path: a 304 or
the same text adds nothing, another text becomes the article's next version (article_versions).
Each re-check is an article_checks row written in its batch's transaction, so an interrupted run
checks again what it did not commit, and a committed check is not repeated.
"""

from __future__ import annotations

from dataclasses import replace

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from flows.ingest import _sandbox, run_ingest
from flows.locking import warehouse_writer
from tasks.models import ArticleCheck, utcnow
from tasks.sandbox import SandboxConfig
from tasks.versions import DEFAULT_CHECKPOINTS_HOURS
from tasks.web.crawl import Target
from tasks.web.exchange import FetchConfig
from warehouse.db import DEFAULT_DB
from warehouse.load import web as web_state
from warehouse.load.report import RunSummary

# Articles first seen longer ago than this past the last checkpoint are not re-checked: a
# deployment turned on over an old warehouse does not fetch its whole history again.
HORIZON_GRACE_HOURS = 24.0


@task(name="select-rechecks", cache_policy=NONE)
def select_rechecks(db: str, checkpoints_hours: list[float], horizon_hours: float) -> list[tuple[Target, ArticleCheck]]:
    """The articles due for a re-check now, as fetch targets with the check each one makes."""
    now = utcnow()
    with warehouse_writer(db) as con:
        due = web_state.due_rechecks(con, checkpoints_hours, now, horizon_hours)
    return [(Target(d.url, d.source_id), ArticleCheck(d.article_id, d.url, now, d.checkpoint_hours)) for d in due]


@flow(name="recheck")
def recheck(db: str = str(DEFAULT_DB), checkpoints_hours: list[float] = list(DEFAULT_CHECKPOINTS_HOURS),  # noqa: B006
            horizon_hours: float | None = None, batch_size: int = 200, allow_hosts: list[str] | None = None,
            user_agent: str | None = None, fetch_config: FetchConfig | None = None,
            sandbox: SandboxConfig | None = None, workers: int | None = None) -> RunSummary:
    """Fetch again the web articles due at one of `checkpoints_hours` (hours after first seen; only
    those first seen within `horizon_hours`, by default the last checkpoint + 24 h) and load what
    changed as new versions."""
    checkpoints = sorted({float(h) for h in checkpoints_hours if h > 0})
    if not checkpoints:
        raise ValueError("checkpoints_hours needs at least one positive number of hours")
    horizon = horizon_hours if horizon_hours is not None else checkpoints[-1] + HORIZON_GRACE_HOURS
    config = fetch_config or FetchConfig()
    if allow_hosts:
        config = replace(config, allow_hosts=config.allow_hosts | {h.lower() for h in allow_hosts})
    if user_agent:
        config = replace(config, user_agent=user_agent)
    checks = select_rechecks(db, checkpoints, horizon)
    get_run_logger().info("%d articles due for a re-check (checkpoints %s h)", len(checks),
                          ", ".join(f"{h:g}" for h in checkpoints))
    return run_ingest(paths=[], db=db, batch_size=batch_size, progress=False, fetch_config=config,
                      sandbox=_sandbox(sandbox, workers), checks=checks)
