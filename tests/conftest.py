"""Shared fixtures. Every test session gets its own PREFECT_HOME (set before Prefect is imported)."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="newsflow-prefect-home-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
# The temporary server takes 6-13 s to start; on a busy 2-core machine more than the default 20 s.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.pop("PREFECT_API_URL", None)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
RPM2 = SHARED_EVAL / "clustering" / "rpm2"
EXTRACTION = SHARED_EVAL / "extraction"


def seed(prefix: str) -> Path:
    """The seed file whose name starts with `prefix` (e.g. '000')."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


def require(path: Path) -> Path:
    """Skip (with a message) when the shared evaluation data is not beside the checkout."""
    if not path.exists():
        pytest.skip(f"{path} is absent: put ../shared/eval beside the checkout to run this test")
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "news.duckdb"


def pytest_sessionfinish(session, exitstatus):
    """Stop the temporary servers Prefect itself started (tests that run flows in-process) while
    the session's output streams are open: its atexit hook would log "Stopping temporary server"
    to a stream pytest has closed by then, and print a logging traceback at the end of `make test`."""
    module = sys.modules.get("prefect.server.api.server")
    if module is None:
        return
    logger = module.subprocess_server_logger
    level = logger.level
    logger.setLevel(logging.WARNING)   # its "Stopping temporary server" says nothing a reader needs
    try:
        for server in list(getattr(module.SubprocessASGIServer, "_instances", {}).values()):
            server.stop()
    finally:
        logger.setLevel(level)
