"""Extraction begun before the ingest flow, while Prefect's temporary server starts (seconds).

The extraction is pure and needs no API, so the CLI starts the sandbox's workers and the first
batches' files in them before it waits for the server; the flow's own read-and-clean tasks then
collect those results (tasks/sandbox.py `start_ahead`) instead of scheduling the files again. The
flow still discovers, records and loads everything itself: nothing here touches the warehouse.
Imports no Prefect (that import is part of what the head start overlaps).
"""

from __future__ import annotations

from tasks.documents.article import article_from_file
from tasks.documents.read import WARC_SUFFIXES, discover_files
from tasks.sandbox import SandboxConfig, start_ahead

EXTRACT_AHEAD = 2   # batches extracted ahead of the one being loaded (bounds memory)


def start_file_extraction(paths: list[str], batch_size: int, sandbox: SandboxConfig) -> int:
    """Start extracting the files the flow will extract first: as many as it keeps in flight
    itself (the batch being loaded and EXTRACT_AHEAD more), so memory stays bounded the same way.
    Discovery failures are left to the flow's own discovery, which records them."""
    items, _ = discover_files(paths)
    items = [i for i in items if not i.path.lower().endswith(WARC_SUFFIXES)]   # archives: read by the flow
    return start_ahead(article_from_file, items[: (EXTRACT_AHEAD + 1) * batch_size], sandbox)
