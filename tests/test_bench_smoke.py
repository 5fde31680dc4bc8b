"""Benchmarks are scripts, not timed tests; this smoke run keeps them from rotting."""

import subprocess
import sys

from tests.conftest import EXTRACTION, ROOT, require


def test_ingest_benchmark_runs_on_a_few_pages():
    require(EXTRACTION / "html")
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "ingest_throughput.py"), "--limit", "20"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "pages: 20" in result.stdout and "ratio pipeline/baseline:" in result.stdout
