"""One writer of the concurrency tests, as a separate process: the ingest path without Prefect
(discover → read and clean → load_batch per batch, the functions the flow's tasks call), a new
connection for every write as the flow's tasks open one, run row at start and end.

    python tests/lake_writer.py DB BATCH_SIZE PATH...

Prints `run RUN_ID loaded N unchanged U batches B retries R`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.documents.article import article_from_file  # noqa: E402
from tasks.documents.read import discover_files  # noqa: E402
from tasks.models import Failure  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.load import load_batch  # noqa: E402
from warehouse.runs import finish_run, new_run_id, start_run  # noqa: E402


def main(db: str, batch_size: int, paths: list[str]) -> int:
    run_id = new_run_id()
    with connect(db) as con:
        start_run(con, run_id, None, paths)
    items, failures = discover_files(paths)
    loaded = unchanged = retries = batches = 0
    for batch_no, i in enumerate(range(0, len(items), batch_size)):
        articles = []
        for item in items[i : i + batch_size]:
            result = article_from_file(item)
            (failures if isinstance(result, Failure) else articles).append(result)
        with connect(db) as con:
            report = load_batch(con, run_id, batch_no, articles, failures)
        loaded, unchanged, retries = loaded + len(report.loaded), unchanged + report.unchanged, retries + report.retries
        batches, failures = batches + 1, []
    with connect(db) as con:
        finish_run(con, run_id, "completed", {"articles_loaded": loaded, "unchanged": unchanged, "batches": batches})
    print(f"run {run_id} loaded {loaded} unchanged {unchanged} batches {batches} retries {retries}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3:]))
