"""The scheduled, monitored mode for real: `scripts/ui.sh` (what `make ui` runs) starts a Prefect
server on a free loopback port with its own PREFECT_HOME, creates the process work pool, deploys
prefect.yaml and starts a worker; the tests trigger deployments through the REST API and check
states, artifacts, story events, the example trigger, and overlapping runs; then everything
started is stopped (by pid)."""

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow
UI = ROOT / "scripts" / "ui.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prefect(tmp_path_factory):
    state = tmp_path_factory.mktemp("prefect-ui")
    port = free_port()
    env = {**os.environ, "NEWSFLOW_UI_STATE": str(state), "NEWSFLOW_UI_PORT": str(port),
           "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2"}
    env.pop("PREFECT_API_URL", None)
    started = time.monotonic()
    out = subprocess.run(["bash", str(UI), "start"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    print(f"\nmake ui took {time.monotonic() - started:.1f} s: {out.stdout.splitlines()[0]}")
    pids = [int((state / f"{name}.pid").read_text()) for name in ("server", "worker")]
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}/api", timeout=30)
    try:
        yield api
    finally:
        api.close()
        stop = subprocess.run(["bash", str(UI), "stop"], env=env, capture_output=True, text=True, timeout=120)
        assert stop.returncode == 0, stop.stderr
        for pid in pids:
            assert _ends_within(pid, 15), f"process {pid} still running after `ui.sh stop`"


def _ends_within(pid: int, seconds: float) -> bool:
    """True once the process is gone or a zombie waiting to be reaped (slow on a loaded machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
                return True
        except (FileNotFoundError, ProcessLookupError):
            return True
        time.sleep(0.25)
    return False


def call(api: httpx.Client, method: str, url: str, **kwargs):
    """One API call; 503s (the server's SQLite busy under load) are retried as Prefect's client does,
    and so are read timeouts of calls that only read (a retried create could run a flow twice)."""
    reads = method == "GET" or url.endswith("/filter")
    for attempt in range(8):
        try:
            response = api.request(method, url, **kwargs)
        except httpx.ReadTimeout:
            if not reads or attempt == 7:
                raise
            continue
        if response.status_code not in (502, 503) or attempt == 7:
            response.raise_for_status()
            return response.json()
        time.sleep(0.5 * 2 ** min(attempt, 3))


def deployment_id(api: httpx.Client, name: str) -> str:
    return call(api, "GET", f"/deployments/name/{name}")["id"]


def run_deployment(api: httpx.Client, name: str, parameters: dict) -> str:
    return call(api, "POST", f"/deployments/{deployment_id(api, name)}/create_flow_run",
                json={"parameters": parameters})["id"]


def wait_for(api: httpx.Client, flow_run_ids: list[str], timeout: float = 240) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    while True:
        runs = {i: call(api, "GET", f"/flow_runs/{i}") for i in flow_run_ids}
        if all(r["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for r in runs.values()):
            return runs
        assert time.monotonic() < deadline, {i: r["state_name"] for i, r in runs.items()}
        time.sleep(1)


def test_deployments_from_prefect_yaml_with_schedules_and_trigger(prefect):
    deployments = {d["name"]: d for d in call(prefect, "POST", "/deployments/filter", json={})}
    assert set(deployments) == {"ingest-folder", "ingest-folder-dask", "poll-sources", "maintenance", "story-alert",
                                "enrich", "recheck-recent"}
    schedules = {name: [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"]) for s in d["schedules"]]
                 for name, d in deployments.items()}
    assert schedules["maintenance"] == [("30 3 * * *", "Europe/Paris", True)]
    assert schedules["poll-sources"] == [("*/15 * * * *", "Europe/Paris", False)]
    assert schedules["recheck-recent"] == [("*/30 * * * *", "Europe/Paris", False)]
    assert deployments["recheck-recent"]["parameters"]["checkpoints_hours"] == [1, 6, 24, 72]
    assert all(d["work_pool_name"] == "newsflow-process" for d in deployments.values())
    automations = call(prefect, "POST", "/automations/filter", json={})
    (alert,) = [a for a in automations if "story-alert" in a["name"]]
    assert alert["trigger"]["expect"] == ["newsflow.story.reached-outlets"]
    assert alert["trigger"]["match"]["newsflow.outlets"] == "5"


def test_folder_ingest_deployment_runs_with_artifacts_and_story_event(prefect, tmp_path):
    db = tmp_path / "news.duckdb"
    started = time.monotonic()
    run_id = run_deployment(prefect, "ingest-files/ingest-folder", {"paths": [str(SEEDS)], "db": str(db)})
    run = wait_for(prefect, [run_id])[run_id]
    print(f"\ndeployment run: {time.monotonic() - started:.1f} s from creation to Completed, "
          f"{run['total_run_time']:.1f} s running")
    assert run["state_type"] == "COMPLETED", run["state"]

    artifacts = {a["key"]: a for a in call(
        prefect, "POST", "/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run_id]}}})}
    assert {"ingest-summary", "ingest-sources", "ingest-progress"} <= set(artifacts)
    summary = artifacts["ingest-summary"]["data"]
    assert [line for line in summary.split("\n") if line.startswith("| ") and line.endswith(" |")][:10] == [
        "| count | |", "| inputs | 5 |", "| loaded | 5 |", "| unchanged | 0 |", "| not loaded | 0 |",
        "| boilerplate lines removed | 26 |", "| exact copies | 0 |", "| near copies | 1 |", "| new stories | 1 |",
        "| grown stories | 0 |"]
    assert "## Stories created or grown" in summary and "Vostochny" in summary
    assert artifacts["ingest-progress"]["data"] == 100
    table = artifacts["ingest-sources"]["data"]
    (source_row,) = json.loads(table) if isinstance(table, str) else table
    assert source_row["loaded"] == 5 and source_row["near_copies"] == 1

    deadline = time.monotonic() + 30
    while True:
        events = call(prefect, "POST", "/events/filter", json={
            "filter": {"event": {"prefix": ["newsflow.story."]}, "related": {"id": [f"prefect.flow-run.{run_id}"]}},
            "limit": 50})["events"]
        if events or time.monotonic() > deadline:
            break
        time.sleep(1)
    (event,) = events
    assert event["event"] == "newsflow.story.created"
    assert event["resource"]["prefect.resource.id"].startswith("newsflow.story.s_")
    assert event["payload"]["article_count"] == 5 and "Vostochny" in event["payload"]["title"]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT flow_run_id, status FROM runs").fetchall() == [(run_id, "completed")]
    con.close()


def test_overlapping_runs_queue_and_load_each_article_once(prefect, tmp_path):
    """Two runs of one deployment (deployment limit) and a maintenance run (global writer limit)
    on the same file, all at once: all complete, nothing doubled, nothing lost."""
    db = str(tmp_path / "shared.duckdb")
    ids = [run_deployment(prefect, "ingest-files/ingest-folder", {"paths": [str(SEEDS)], "db": db}),
           run_deployment(prefect, "ingest-files/ingest-folder", {"paths": [str(SEEDS)], "db": db}),
           run_deployment(prefect, "maintenance/maintenance", {"db": db})]
    runs = wait_for(prefect, ids)
    assert [r["state_type"] for r in runs.values()] == ["COMPLETED"] * 3, [r["state"] for r in runs.values()]
    con = duckdb.connect(db, read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (5, 5)
    assert sorted(con.execute("SELECT articles_loaded, unchanged, status FROM runs").fetchall()) == \
        [(0, 5, "completed"), (5, 0, "completed")]
    con.close()


def test_a_schedule_creates_runs_that_the_worker_completes(prefect, tmp_path):
    """Schedules only run on a real server: an interval schedule (10 s, parameters of its own)
    makes the scheduler create runs, and the worker completes them."""
    db = tmp_path / "scheduled.duckdb"
    deployment = deployment_id(prefect, "ingest-files/ingest-folder")
    created = time.monotonic()
    (schedule,) = call(prefect, "POST", f"/deployments/{deployment}/schedules", json=[{
        "schedule": {"interval": 10, "anchor_date": "2026-01-01T00:00:00Z", "timezone": "UTC"},
        "active": True, "parameters": {"paths": [str(SEEDS)], "db": str(db)}}])
    try:
        deadline = time.monotonic() + 120
        while True:
            runs = call(prefect, "POST", "/flow_runs/filter",
                        json={"flow_runs": {"deployment_id": {"any_": [deployment]}}})
            runs = [r for r in runs if r["parameters"].get("db") == str(db) and r["auto_scheduled"]
                    and r["state_type"] == "COMPLETED"]
            if runs or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        prefect.delete(f"/deployments/{deployment}/schedules/{schedule['id']}")
    assert runs, "no scheduled run completed within 120 s"
    print(f"\nscheduled run: schedule created → first run Completed in {time.monotonic() - created:.1f} s "
          f"({runs[0]['total_run_time']:.1f} s running)")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    con.close()
