"""A real PostgreSQL server on 127.0.0.1 for the DuckLake Postgres-catalog tests (no mocks).

It uses the Debian server binaries (/usr/lib/postgresql/<version>/bin; `make test` installs them when
it can): a fresh cluster in a temporary folder, trust authentication on loopback only, a unix socket
in that folder, fsync off. initdb and postgres refuse to run as root, so as root they run as
`nobody` (setpriv), with the folder handed to that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SERVER_GLOB = "/usr/lib/postgresql/*/bin/postgres"
USER = "newsflow"
UNPRIVILEGED = ("nobody", "nogroup")
MISSING = ("no PostgreSQL server binaries ({glob}): `make test` installs them as root with apt "
           "(target postgres-server), or run `apt-get install postgresql-15`")


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where its binaries are and how to reach it."""

    bin_dir: Path
    port: int
    host: str = "127.0.0.1"
    folder: Path | None = None   # the temporary folder of its cluster, socket and log

    def conninfo(self, dbname: str = "postgres") -> str:
        """The libpq connection string of one database (what `ducklake:postgres:` takes)."""
        return f"dbname={dbname} host={self.host} port={self.port} user={USER}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its connection string."""
        subprocess.run([str(self.bin_dir / "createdb"), "-h", self.host, "-p", str(self.port), "-U", USER, name],
                       check=True, capture_output=True, text=True, timeout=60)
        return self.conninfo(name)


def find_bin_dir() -> Path | None:
    """The newest installed server's bin folder, None when there is none."""
    found = sorted(glob.glob(SERVER_GLOB), key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_unprivileged(command: list[str]) -> list[str]:
    """`command` as it must run: unchanged, or as `nobody` when we are root (postgres refuses root)."""
    if os.geteuid() != 0:
        return command
    user, group = UNPRIVILEGED
    return ["setpriv", f"--reuid={user}", f"--regid={group}", "--clear-groups", *command]


@contextlib.contextmanager
def running_server(bin_dir: Path, startup_seconds: float = 60.0) -> Iterator[PostgresServer]:
    """initdb into a temporary folder, start postgres on a free loopback port, wait until it accepts
    connections; stop it (fast shutdown, then kill) and delete the folder afterwards, also on failure."""
    root = Path(tempfile.mkdtemp(prefix="newsflow-postgres-"))   # under /tmp: reachable by nobody
    data, sockets, log = root / "data", root / "sockets", root / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (root, sockets):
            shutil.chown(path, *UNPRIVILEGED)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    process = None
    try:
        subprocess.run(as_unprivileged([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
                                        "-E", "UTF8", "--locale=C", "--no-sync"]),
                       check=True, capture_output=True, text=True, env=env, timeout=120)
        for attempt in range(3):   # the free port may be taken before postgres binds it: another one
            server = PostgresServer(bin_dir, free_port(), folder=root)
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    as_unprivileged([str(bin_dir / "postgres"), "-D", str(data), "-h", server.host,
                                     "-p", str(server.port), "-k", str(sockets), "-c", "fsync=off",
                                     "-c", "full_page_writes=off", "-c", "synchronous_commit=off"]),
                    stdout=out, stderr=subprocess.STDOUT, env=env)
            if _wait_until_ready(server, process, log, startup_seconds):
                break
            if attempt == 2 or "could not bind" not in log.read_text(errors="replace"):
                raise RuntimeError(f"postgres did not start (exit {process.poll()}): "
                                   f"{log.read_text(errors='replace')[-2000:]}")
        yield server
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_ready(server: PostgresServer, process: subprocess.Popen, log: Path, seconds: float) -> bool:
    """True once the server accepts connections; False if it exited first. Raises after `seconds`."""
    ready = [str(server.bin_dir / "pg_isready"), "-q", "-h", server.host, "-p", str(server.port), "-U", USER]
    deadline = time.monotonic() + seconds
    while subprocess.run(ready, capture_output=True, timeout=30).returncode != 0:
        if process.poll() is not None:
            return False
        if time.monotonic() > deadline:
            raise RuntimeError(f"postgres did not accept connections in {seconds:.0f} s: "
                               f"{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    return True


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)   # fast shutdown: disconnects clients, no waiting for them
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
