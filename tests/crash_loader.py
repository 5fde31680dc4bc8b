"""The ingest path without Prefect, as a process the crash tests can SIGKILL: discover → read and
clean → load_batch per batch (the functions the flow's tasks call), run row at start and end.

    python tests/crash_loader.py DB FOLDER [BATCH_SIZE]
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


def main(db: str, folder: str, batch_size: int = 10) -> int:
    con = connect(db)
    run_id = new_run_id()
    start_run(con, run_id, None, [folder])
    items, failures = discover_files([folder])
    loaded = 0
    for batch_no, i in enumerate(range(0, len(items), batch_size)):
        articles = []
        for item in items[i : i + batch_size]:
            result = article_from_file(item)
            (failures if isinstance(result, Failure) else articles).append(result)
        loaded += len(load_batch(con, run_id, batch_no, articles, failures).loaded)
        failures = []
    finish_run(con, run_id, "completed", {"articles_loaded": loaded})
    con.close()
    print(f"loaded {loaded}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:])))
