"""scripts/runtime_modules.txt, what `make run` compiles at install, holds what a run imports:
a module left out is compiled in memory by every run of a PYTHONDONTWRITEBYTECODE environment."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("compile_runtime", ROOT / "scripts" / "compile_runtime.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_compiled_list_holds_every_module_a_real_run_imports():
    script = _script()
    listed = set(script.LIST.read_text(encoding="utf-8").split())
    imported = set(script.imported_modules())          # a real ingest of the seeds and one page
    assert len(imported) > 1000                         # Prefect, its server, trafilatura, DuckDB...
    missing = sorted(imported - listed)
    assert not missing, (f"{len(missing)} imported modules are not in {script.LIST.name} (first: {missing[:5]}): "
                         "rewrite it with .venv/bin/python scripts/compile_runtime.py --write")
    site = script.site_packages()
    assert all((site / path).is_file() for path in listed)   # nothing stale from another lock
