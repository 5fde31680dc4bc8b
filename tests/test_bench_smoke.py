"""Benchmarks are scripts, not timed tests; this smoke run keeps them from rotting."""

import os
import subprocess
import sys

import pytest

from tests.conftest import EXTRACTION, ROOT, require


@pytest.mark.parametrize("script,args,expected", [
    ("ingest_throughput.py", ["--limit", "20"], ["pages: 20", "ratio pipeline/baseline:"]),
    ("fetch_throughput.py", ["--pages", "20"], ["   20 pages", "ratio newsflow/httpx (pages/s):"]),
    ("extraction_quality.py", ["--limit", "10"], ["pages: 10", "newsflow"]),
    ("near_copies.py", ["--n", "300", "--sample", "300", "--update-subset", "50", "--base", "rpm2"],
     ["speed on 300 texts", "newsflow MinHash 16x8 + exact Jaccard", "recall on 300 texts"]),
    ("parallel_extraction.py", ["--limit", "12"], ["12 pages", "ratio 2 workers / 1 worker (extraction):"]),
    ("scale.py", ["--base", "200", "--new", "100", "--folder-size", "100", "--texts", "rpm2", "--repeat", "1"],
     ["200 base articles: 200 loaded", "peak RSS while ingesting them", "ratio incremental/empty (medians):"]),
    ("warc_throughput.py", ["--limit", "20", "--copies", "1", "--skip-ingest"],
     ["read+filter archive: 60 records", "fastwarc's speed"]),
    ("worker_cpu.py", ["--limit", "12", "--rounds", "1", "--slices", "2"],
     ["12 pages in 2 slices", "ratio bare / ours:"]),
    ("worker_warmup.py", ["--pages", "3", "--rounds", "1"],
     ["round 1 cold: ", "ratio cold / warm"]),
    ("cleaning_quality.py", ["--html-pages", "3"],
     ["RPM2: 200 texts", "shipped (both)", "body paragraphs (4+ words) inside a dropped block: 0"]),
])
def test_benchmark_runs_on_a_few_pages(script, args, expected, tmp_path):
    require(EXTRACTION / "html")
    # Run as from a shell: no PREFECT_HOME from the test session, a home of its own to check that
    # nothing lands there (bench/scale.py once left a 690 MB ~/.prefect/prefect.db).
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")} | {"HOME": str(home)}
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    for text in expected:
        assert text in result.stdout
    assert sorted(p.name for p in home.iterdir()) == []
