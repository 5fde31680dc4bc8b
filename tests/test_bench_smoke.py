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


def test_fetch_and_quality_benchmarks_run_on_a_few_pages():
    require(EXTRACTION / "html")
    fetch = subprocess.run([sys.executable, str(ROOT / "bench" / "fetch_throughput.py"), "--pages", "20"],
                           capture_output=True, text=True, timeout=300)
    assert fetch.returncode == 0, fetch.stderr
    assert "ratio newsflow/httpx (pages/s):" in fetch.stdout and "   20 pages" in fetch.stdout
    quality = subprocess.run([sys.executable, str(ROOT / "bench" / "extraction_quality.py"), "--limit", "10"],
                             capture_output=True, text=True, timeout=300)
    assert quality.returncode == 0, quality.stderr
    assert "pages: 10" in quality.stdout and "newsflow" in quality.stdout
