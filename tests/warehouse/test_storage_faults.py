"""Disk full and unwritable warehouse paths: a clear error, nothing corrupted."""

import resource
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT, RPM2, require
from tests.warehouse.test_crash_safety import check_consistent
from warehouse.db import WarehouseError, connect

LOADER = [sys.executable, str(ROOT / "tests" / "crash_loader.py")]


def test_disk_full_fails_the_batch_cleanly_and_the_next_run_completes(tmp_path):
    """RLIMIT_FSIZE stands in for a full disk: writes past 1 MB fail with EFBIG."""
    corpus = require(RPM2 / "documents")
    db = tmp_path / "news.duckdb"

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))

    full = subprocess.run([*LOADER, str(db), str(corpus), "10"], preexec_fn=small_disk,
                          capture_output=True, text=True, timeout=300)
    assert full.returncode != 0
    assert "WarehouseError: could not commit (disk full or not writable?)" in full.stderr
    assert "File too large" in full.stderr
    partial = check_consistent(db)
    assert 0 < partial["articles"] < 200 and partial["articles"] == 10 * partial["batches"]

    done = subprocess.run([*LOADER, str(db), str(corpus), "10"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert check_consistent(db)["articles"] == 200


@pytest.mark.parametrize("path", ["/sys/newsflow-test.duckdb", "/proc/self/newsflow.duckdb"])
def test_unwritable_warehouse_path_is_a_clear_error(path):
    with pytest.raises(WarehouseError, match="cannot open"):
        connect(path)


def test_warehouse_path_under_a_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(WarehouseError):
        connect(blocker / "news.duckdb")
