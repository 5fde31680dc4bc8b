"""Write the bytecode of the modules a newsflow run imports into the venv, and no more.

Environments that set PYTHONDONTWRITEBYTECODE (this project's CI machine does) never keep .pyc
files, so every run would compile Prefect again in the CLI, in its temporary server and in each
extraction worker (the seeds' run: 32 s instead of 11 s). Compiling the whole venv at install
(uv's --compile-bytecode) costs ~21 s on 2 cores for its 9,000 files, most of them never imported
by a run (spaCy, SciPy, Dask, the test tools): two thirds of the first `make run` from a fresh
clone. `make run` compiles only the files in scripts/runtime_modules.txt, in parallel: what a
real run imported in all its processes when the list was written (about a quarter of the venv),
and `make test` the whole venv, once. A file missing from the list still works: the runs that import
it compile it in memory, as before. tests/test_runtime_modules.py checks the list is current.

    .venv/bin/python scripts/compile_runtime.py            # compile the listed files (make run)
    .venv/bin/python scripts/compile_runtime.py --all      # the whole venv (make test)
    .venv/bin/python scripts/compile_runtime.py --write    # rewrite the list (after a lock change)
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = Path(__file__).with_name("runtime_modules.txt")

SAMPLE_PAGE = ("<html lang='fr'><head><title>Un titre - Le Site</title><meta property='og:title' content='Un titre'>"
               "<meta property='article:published_time' content='2024-03-05T10:00:00+01:00'></head><body><nav>Accueil</nav>"
               "<article><h1>Un titre</h1><p>Par Jean Dupont, le 5 mars 2024</p>"
               + "<p>Le conseil municipal a voté mardi soir le budget de la ville pour l'année prochaine.</p>" * 8
               + "</article><footer>Mentions légales</footer></body></html>")


def site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"]).resolve()


def imported_modules() -> list[str]:
    """Paths, relative to site-packages, of the source files of every module a real run imports:
    `newsflow ingest` of the seeds and one HTML page into a scratch warehouse, with Python's
    import-time report on in every process of it (the CLI, its temporary server, the workers)."""
    site = site_packages()
    with tempfile.TemporaryDirectory(prefix="newsflow-compile-") as tmp:
        inputs = Path(tmp) / "inputs"
        shutil.copytree(ROOT / "seeds", inputs)
        (inputs / "sample.html").write_text(SAMPLE_PAGE, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
        env |= {"PYTHONPROFILEIMPORTTIME": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "TMPDIR": tmp}
        run = subprocess.run([sys.executable, "-m", "newsflow.cli", "ingest", str(inputs), "--db", f"{tmp}/w.duckdb"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        raise SystemExit(f"the sample run failed:\n{run.stderr[-3000:]}")
    found = set()
    for name in set(_IMPORTED.findall(run.stderr)):
        base = site.joinpath(*name.split("."))
        for path in (base.with_name(base.name + ".py"), base / "__init__.py"):
            if path.is_file():
                found.add(path.relative_to(site).as_posix())
                break
    return sorted(found)


_IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", re.M)


def _compile(path: str) -> bool:
    return bool(compileall.compile_file(path, quiet=2))


def compile_listed() -> bool:
    site = site_packages()
    files = [str(site / line) for line in LIST.read_text(encoding="utf-8").split() if (site / line).is_file()]
    files += [str(p) for d in ("newsflow", "flows", "tasks", "warehouse") for p in (ROOT / d).rglob("*.py")]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return all(pool.map(_compile, files, chunksize=32))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="compile the whole venv (for the test suite)")
    parser.add_argument("--write", action="store_true", help=f"rewrite {LIST.name} from a real run's imports")
    args = parser.parse_args()
    if args.write:
        LIST.write_text("\n".join(imported_modules()) + "\n", encoding="utf-8")
        return 0
    if args.all:
        return 0 if compileall.compile_dir(str(site_packages()), quiet=2, workers=0) else 1
    return 0 if compile_listed() else 1


if __name__ == "__main__":
    sys.exit(main())
