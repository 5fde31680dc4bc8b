"""The test PostgreSQL server (tests/postgres_server.py): starts on another port when the one it
picked is taken before it binds, and leaves nothing running or on disk once stopped."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests import postgres_server
from tests.postgres_server import MISSING, SERVER_GLOB, find_bin_dir, running_server


def test_a_taken_port_is_replaced_and_the_server_is_stopped(monkeypatch):
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip(MISSING.format(glob=SERVER_GLOB))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        ports = iter([taken, postgres_server.free_port()])
        monkeypatch.setattr(postgres_server, "free_port", lambda: next(ports))
        with running_server(bin_dir) as server:
            assert server.port != taken
            ready = [str(bin_dir / "pg_isready"), "-h", server.host, "-p", str(server.port)]
            assert subprocess.run(ready, capture_output=True).returncode == 0
            assert (server.folder / "data" / "PG_VERSION").exists()
    assert subprocess.run(ready, capture_output=True).returncode != 0   # stopped
    assert not server.folder.exists()
