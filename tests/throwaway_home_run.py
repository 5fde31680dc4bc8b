"""A run as the CLI makes it (its own Prefect home, the temporary server), then what that server
kept, as JSON on stdout: run by tests/test_cli_prefect_home.py in a process of its own (own_home
must come before Prefect is imported)."""

from __future__ import annotations

import json
import time

from newsflow.server import own_home

WAIT_SECONDS = 5.0   # ten flush intervals of the event persister


def main() -> None:
    assert own_home()
    from prefect import flow, task
    from prefect.artifacts import create_markdown_artifact
    from prefect.client.orchestration import get_client
    from prefect.events import emit_event

    from newsflow.server import prefect_api

    @task
    def step() -> int:
        emit_event("newsflow.test.emitted", resource={"prefect.resource.id": "newsflow.test.1"})
        return 1

    @flow
    def tiny() -> int:
        create_markdown_artifact("# kept", key="throwaway-home-summary")
        return step()

    with prefect_api():
        assert tiny() == 1
        # Events and the task runs made from them are written asynchronously: wait for both, up to
        # WAIT_SECONDS (the persister, when it runs, flushes every 0.5 s here: the test sets it).
        deadline = time.monotonic() + WAIT_SECONDS
        with get_client(sync_client=True) as client:
            while True:
                events = client.request("POST", "/events/filter", json={"limit": 50}).json()["events"]
                task_runs = client.read_task_runs()
                if (events and task_runs) or time.monotonic() > deadline:
                    break
                time.sleep(0.25)
            kept = {"flow_runs": [r.state.type.value for r in client.read_flow_runs()],
                    "task_runs": len(task_runs),
                    "artifacts": [a.key for a in client.read_artifacts()],
                    "events": sorted({e["event"] for e in events})}
    print(json.dumps(kept))


if __name__ == "__main__":
    main()
