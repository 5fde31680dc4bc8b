"""Prefect's temporary server for one CLI run, started so that it dies with the CLI.

Without PREFECT_API_URL, Prefect starts its temporary ("ephemeral") API server as a plain
subprocess (`SubprocessASGIServer`, prefect/server/api/server.py) and stops it from an atexit
hook. A CLI killed with SIGKILL runs no atexit hook, so that server (~240 MB) lived on forever.

Here the CLI starts the same server itself (the same uvicorn command and environment as Prefect
3.8.8's `SubprocessASGIServer._run_uvicorn_command`), through a small launcher that asks Linux
to SIGKILL it when its parent dies (`prctl(PR_SET_PDEATHSIG)`, kept across `execv`), then points
this process's Prefect settings at it with `prefect.settings.temporary_settings`. Nothing of
Prefect is patched. The launcher checks its parent is still the CLI after setting the signal,
so a CLI killed during the start leaves nothing either. The parent-death signal follows the
*thread* that started the child: start the server from the main thread (the CLI does).

    python -m newsflow.server PARENT_PID COMMAND...   # the launcher (used by start_temporary_server)
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PR_SET_PDEATHSIG = 1            # <linux/prctl.h>
PORT_IN_USE_EXIT = 3            # uvicorn's exit status when it cannot bind its port
LAUNCHER_PARENT_GONE = 75       # the launcher's status when the CLI died before it armed the signal


def own_home() -> bool:
    """Give this CLI run a Prefect home of its own, a temporary folder removed at exit, unless
    PREFECT_HOME or PREFECT_API_URL says otherwise. Prefect's default, ~/.prefect, lies outside the
    project and is shared by every Prefect process of the machine: two overlapping CLI runs stalled
    on its SQLite database ("database is locked"). Call before Prefect is imported. True when it
    made one (then no profile names a server: the temporary server may be launched early)."""
    if os.environ.get("PREFECT_HOME") or os.environ.get("PREFECT_API_URL"):
        return False
    global _own_home
    home = tempfile.mkdtemp(prefix="newsflow-prefect-home-")
    os.environ["PREFECT_HOME"] = home
    atexit.register(shutil.rmtree, home, ignore_errors=True)   # registered first: runs after the server stops
    _own_home = Path(home)
    _seed_home(_own_home)
    return True


_own_home: Path | None = None      # the home own_home made for this run
TEMPLATE_ENV = "NEWSFLOW_PREFECT_DB_TEMPLATE"   # folder of the migrated database kept for new homes; "" = none
_TEMPLATE_FILES = ("prefect.db", "memo_store.toml")   # the database, and Prefect's record of registered blocks


def _template_dir() -> Path | None:
    """Where the temporary server's migrated database is kept for the next runs' homes: a fresh
    home's server spends most of its start (~70%: 29 s of 37 on a busy machine) running Prefect's
    ~100 database migrations. Inside this venv (the project's .venv), per Prefect version; None
    outside a venv or when the database is not the home's SQLite file."""
    if TEMPLATE_ENV in os.environ:
        return Path(os.environ[TEMPLATE_ENV]) if os.environ[TEMPLATE_ENV] else None
    if sys.prefix == sys.base_prefix or _custom_database():
        return None
    return Path(sys.prefix) / "var" / f"newsflow-prefect-db-{_prefect_version()}"


def _custom_database() -> bool:
    return any(k in os.environ for k in ("PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL"))


def _prefect_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("prefect")


SCHEMA_DIR = Path(__file__).with_name("prefect_schema")   # shipped schemas, one per Prefect version


def shipped_schema(version: str | None = None) -> Path:
    """The schema Prefect's migrations produce for this Prefect version, as SQL (scripts/prefect_schema.py
    writes it; tests/test_prefect_schema.py checks it against a real migration). With it the very first
    run's server starts without migrating (~6 s of its ~12 s start), before any template is kept."""
    return SCHEMA_DIR / f"prefect-{version or _prefect_version()}.sql"


def _seed_home(home: Path) -> bool:
    """Give a fresh home a database with every migration applied: a copy of the kept one, else one
    made from the shipped schema of this Prefect version (the server registers its blocks itself).
    False when there is neither (a new Prefect version: its server migrates, as Prefect does)."""
    template = _template_dir()
    if template is None:
        return False
    if (template / "prefect.db").is_file():
        for name in _TEMPLATE_FILES:
            if (template / name).is_file():
                shutil.copyfile(template / name, home / name)
        return True
    schema = shipped_schema()
    if not schema.is_file():
        return False
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(home / "prefect.db")) as db:
            db.executescript(schema.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, sqlite3.Error):   # a damaged file: no half-made database, the server migrates
        (home / "prefect.db").unlink(missing_ok=True)
        return False
    return True


def _keep_template(home: Path) -> None:
    """Keep a consistent copy (SQLite's backup API) of the database a fresh server just migrated,
    once: the first run to finish writing renames it into place; a concurrent one discards its own."""
    import sqlite3

    template = _template_dir()
    if template is None or not (home / "prefect.db").is_file():
        return
    if template.exists():
        _refresh_template_memo(home, template)
        return
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=template.parent, prefix=f".{template.name}-"))
    except OSError:   # a read-only venv: every run migrates, as before
        return
    try:
        with contextlib.closing(sqlite3.connect(home / "prefect.db")) as source, \
                contextlib.closing(sqlite3.connect(scratch / "prefect.db")) as copy:
            source.backup(copy)
        if (home / "memo_store.toml").is_file():
            shutil.copyfile(home / "memo_store.toml", scratch / "memo_store.toml")
        os.rename(scratch, template)
    except (OSError, sqlite3.Error):
        pass
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _refresh_template_memo(home: Path, template: Path) -> None:
    """Keep the kept database's block-registration memo equal to the one this run's server wrote:
    a template kept by an older newsflow (its memo hashed another database URL) would otherwise make
    every server register the block types again. Atomic (a rename); a failure changes nothing."""
    memo = home / "memo_store.toml"
    kept = template / "memo_store.toml"
    try:
        if not memo.is_file() or (kept.is_file() and kept.read_bytes() == memo.read_bytes()):
            return
        scratch = template / f".memo_store.toml.{os.getpid()}"
        shutil.copyfile(memo, scratch)
        os.replace(scratch, kept)
    except OSError:
        pass


def supported() -> bool:
    """The parent-death signal is Linux-only (elsewhere Prefect starts its own server, as before)."""
    return sys.platform.startswith("linux")


def _arm_parent_death_signal(parent: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:   # the CLI died before the signal was armed: nobody will send it
        sys.exit(LAUNCHER_PARENT_GONE)


def _launcher(argv: list[str]) -> None:
    parent, command = int(argv[0]), argv[1:]
    _arm_parent_death_signal(parent)
    os.execv(command[0], command)   # the signal survives exec (not for set-user-ID binaries)


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check_server_factory() -> None:
    from prefect.server.api import server

    if not callable(getattr(server, "create_app", None)):   # checked on Prefect 3.8.8
        raise RuntimeError("prefect.server.api.server.create_app is gone (Prefect changed): newsflow/server.py "
                           "must follow how this Prefect version starts its temporary server")


def _server_command(port: int) -> list[str]:
    """Prefect 3.8.8's temporary-server command (SubprocessASGIServer._run_uvicorn_command)."""
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin is not None, "prefect is not installed"
    return [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parent.parent),
            "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on"]


# PY_KEY_VALUE_DISABLE_BEARTYPE: the server's key-value store (py-key-value, under docket) has
# beartype check its own calls at run time, a debugging aid that also costs its import ~0.1 s.
_SERVER_FLAGS = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
                 "PY_KEY_VALUE_DISABLE_BEARTYPE": "true"}


# Server services whose only work is to keep what a run reports (events, task runs from events,
# automations reacting to them, the live event stream, the database's vacuum). For a home
# own_home made, the database is deleted at exit, so nobody can ever read what they keep: off
# there, they cost a 1,000-page run 2.2 of the server's 6.4 CPU-s (bench/RESULTS.md). Flow runs,
# their states and artifacts go through the API itself and stay readable for the run's life.
THROWAWAY_HOME_FLAGS = {"PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
                        "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
                        "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
                        "PREFECT_API_EVENTS_STREAM_OUT_ENABLED": "false",
                        "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "false"}


def _server_env() -> dict[str, str]:
    from prefect.settings import get_current_settings

    return {**os.environ, **_SERVER_FLAGS, **get_current_settings().to_environment_variables(exclude_unset=True)}


# The database of a home own_home made, named relative to the server's working directory (the
# home): Prefect skips re-registering its ~100 block types at start when a hash of the block
# registry *and this URL* matches the one in memo_store.toml, and an absolute URL names a new
# temporary folder each run, so the kept database's memo never matched (1-2 CPU-s per start).
HOME_DATABASE_URL = "sqlite+aiosqlite:///prefect.db"


def _home_database() -> tuple[dict[str, str], str | None]:
    """(environment, working directory) that make the server open this run's own home database
    under the same URL every run; nothing when the home or the database is someone else's."""
    if _own_home is None or _custom_database():
        return {}, None
    return {"PREFECT_API_DATABASE_CONNECTION_URL": HOME_DATABASE_URL}, str(_own_home)


def _launch(env: dict[str, str]) -> TemporaryServer:
    port = _free_port()
    database_env, cwd = _home_database()
    if database_env:   # this run's own home: what only its database would keep is not kept (a setting given wins)
        database_env = {**{k: v for k, v in THROWAWAY_HOME_FLAGS.items() if k not in env}, **database_env}
    process = subprocess.Popen([sys.executable, "-m", "newsflow.server", str(os.getpid()), *_server_command(port)],
                               env={**env, **database_env}, cwd=cwd, stdin=subprocess.DEVNULL)
    return TemporaryServer(process, port)


_early: TemporaryServer | None = None   # launched by launch_early, not yet claimed by prefect_api


def launch_early() -> None:
    """Launch the temporary server now, before Prefect is imported, and return at once: it boots
    (~8 s) while the CLI imports Prefect and extracts the first batches. Only right after own_home
    made a fresh home: nothing but this process's environment configures Prefect then, so the
    server sees the settings it would see later. Speculative: prefect_api stops it unless it is
    the server the run needs (a PREFECT_API_URL from prefect.toml, the temporary server disabled)."""
    global _early
    if _early is None and supported():
        _early = _launch({**os.environ, **_SERVER_FLAGS})
        atexit.register(_early.stop)


class TemporaryServer:
    """A running temporary server: its process and API URL."""

    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.port = port
        self.api_url = f"http://127.0.0.1:{port}/api"
        self.started = time.monotonic()

    def stop(self) -> None:
        """Stop the server: at once when its home is this run's own (removed at exit, so whatever a
        graceful shutdown would still write is thrown away: it took ~0.4 s of every run's exit),
        else gracefully (the events it still holds reach a home that outlives the run)."""
        if self.process.poll() is None and _own_home is not None:
            self.process.kill()
            self.process.wait()
        elif self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_temporary_server(timeout: float | None = None, launched: TemporaryServer | None = None) -> TemporaryServer:
    """Start the temporary server (dies with this process), or take one `launched` already, and
    wait until its API answers."""
    import httpx
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

    limit = timeout or PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
    deadline = (launched.started if launched else time.monotonic()) + limit
    env = _server_env()
    server = launched
    while True:
        server = server or _launch(env)
        process, port = server.process, server.port
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                status = process.poll()
                if status is not None:
                    break
                try:
                    if client.get(f"{server.api_url}/health", timeout=5).status_code == 200:
                        return server
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        status = process.poll()   # before stop(): a server that did not answer is killed by it
        server.stop()
        if status == PORT_IN_USE_EXIT and time.monotonic() < deadline:
            server = None
            continue   # another process took the port between _free_port and uvicorn's bind
        _check_server_factory()   # only now: importing Prefect's server module costs the CLI seconds
        ended = f"exited with status {status}" if status is not None else f"did not answer within {limit:g} s"
        raise RuntimeError(f"Prefect's temporary server {ended} on port {port} "
                           "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS sets how long to wait)")


def _running_in_process_server() -> str | None:
    """The URL of a temporary server Prefect itself already started in this process (e.g. by
    earlier flow runs in the same Python process), which the run should share. Read-only access
    to Prefect's registry of its servers; None if that internal attribute changes."""
    if "prefect.server.api.server" not in sys.modules:   # not imported: no server of Prefect's in this process
        return None
    try:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer._instances.get(None)
    except (ImportError, AttributeError):
        return None
    return server.api_url if server is not None and getattr(server, "running", False) else None


_server: TemporaryServer | None = None   # one per process, as Prefect's own, stopped at exit


@contextlib.contextmanager
def prefect_api() -> Iterator[str | None]:
    """Point Prefect at a server for the duration of a CLI command: PREFECT_API_URL when set, a
    temporary server Prefect already runs in this process, else this process's temporary server
    (started on first use, dies with the process even on SIGKILL, stopped at exit after Prefect's
    own exit hooks have sent the last logs and events). Yields the API URL (None: Prefect decides,
    as on systems without a parent-death signal or with the temporary server disabled)."""
    global _server, _early
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings

    early, _early = _early, None
    url = PREFECT_API_URL.value() or _running_in_process_server()
    if url or not supported() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        if early is not None:
            early.stop()
        yield url
        return
    if _server is None or _server.process.poll() is not None:
        _server = start_temporary_server(launched=early)
        atexit.register(_server.stop)
        if _own_home is not None:
            _keep_template(_own_home)
    elif early is not None:
        early.stop()
    from flows.locking import TEMPORARY_API_ENV

    os.environ[TEMPORARY_API_ENV] = _server.api_url   # no writer slot on it (flows/locking.py says why)
    with temporary_settings(updates={PREFECT_API_URL: _server.api_url}):
        yield _server.api_url


if __name__ == "__main__":
    _launcher(sys.argv[1:])
