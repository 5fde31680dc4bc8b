"""A per-document function for tests/tasks/test_sandbox.py: says which process imported its module."""

import os

IMPORTED_IN = os.getpid()


def where_imported(_item: object) -> tuple[int, int]:
    """(pid of the process that imported this module, pid of the worker running the call)."""
    return IMPORTED_IN, os.getpid()
