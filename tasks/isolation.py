"""One bad input costs that input, never its batch: the exception boundary of per-input stages.

Each stage that works on one input at a time (decode, parse, extract, date, clean, fingerprint,
copies, stories, page → article, URL handling) runs its per-input code inside `stage(name, key)`.
An exception raised there is about that input: it leaves as `InputError`, which the caller turns
into the input's `failures` row (reason "<stage> error", the exception's type and message) and
goes on without it. The stages are pure, so any exception of theirs is about their input; faults of
the warehouse or of the run itself (DuckDB errors, MemoryError, KeyboardInterrupt) are raised
outside these blocks, or let through, and fail the run as they must.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tasks.models import Failure

T = TypeVar("T")


class InputError(Exception):
    """A per-input stage raised on one input (`key`: its article id or URI, when the stage knows it)."""

    def __init__(self, stage: str, key: str, cause: BaseException):
        super().__init__(f"{stage} failed on {key or 'an input'}: {type(cause).__name__}: {cause}")
        self.stage = stage
        self.key = key
        self.cause = cause

    @property
    def reason(self) -> str:
        return f"{self.stage} error"

    @property
    def error_type(self) -> str:
        return type(self.cause).__name__

    @property
    def detail(self) -> str:
        return f"{self.error_type}: {self.cause}"[:2000]

    def failure(self, source_id: str, source_uri: str) -> Failure:
        return Failure(source_id, source_uri, self.stage, self.reason, self.detail, self.error_type)


@contextmanager
def stage(name: str, key: str = "") -> Iterator[None]:
    """Run one input's step of stage `name`; an exception from it becomes an InputError. An
    InputError raised by an inner stage keeps its own (more precise) stage name."""
    try:
        yield
    except (InputError, MemoryError):
        raise
    except Exception as exc:
        raise InputError(name, key, exc) from exc


def failure_or(func: Callable[..., T], source_id: str, source_uri: str, *args,
               default_stage: str = "extract") -> T | Failure:
    """func(*args), or the Failure of the input when any of its per-input stages raised: what the
    extraction workers run per document, so that no exception about a document leaves them."""
    try:
        with stage(default_stage, source_uri):
            return func(*args)
    except InputError as err:
        return err.failure(source_id, source_uri)
