"""Fixtures of the warehouse tests: a real PostgreSQL server for the DuckLake Postgres catalog."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.postgres_server import MISSING, SERVER_GLOB, PostgresServer, find_bin_dir, running_server

_DATABASES = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One server on loopback for the session (started on first use, stopped at the end, also on failure);
    skips with how to get the binaries when they are not installed."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip(MISSING.format(glob=SERVER_GLOB))
    with running_server(bin_dir) as server:
        yield server


@pytest.fixture
def postgres_catalog(postgres_server: PostgresServer) -> str:
    """The libpq connection string of a new, empty database of the session's server (one per test)."""
    return postgres_server.create_database(f"lake_{next(_DATABASES)}")
