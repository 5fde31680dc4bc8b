"""A per-document function for tests/tasks/test_sandbox.py: says which process imported its module."""

import os

IMPORTED_IN = os.getpid()


def where_imported(_item: object) -> tuple[int, int]:
    """(pid of the process that imported this module, pid of the worker running the call)."""
    return IMPORTED_IN, os.getpid()


WORKER_PRELOAD = ("tasks.documents.worker_warmup",)


def dates_warm(_item: object) -> tuple[int, bool]:
    """(entries in htmldate's month-name cache, whether dateparser's language data is loaded) as a
    worker finds them before parsing anything."""
    import sys

    from htmldate import extractors

    loaded = any(m.startswith("dateparser.data.date_translation_data.") for m in sys.modules)
    return extractors.month_words.cache_info().currsize, loaded
