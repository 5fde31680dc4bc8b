"""Article versions, the pure part: the paragraph-level diff between two versions of an article's
text, the hash that tells versions apart, and when a recent article is due for a re-check."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

# Hours after an article was first seen at which the re-check flow fetches it again (conditional
# request): news pages change most in their first hours (corrections, updated tolls, new paragraphs).
DEFAULT_CHECKPOINTS_HOURS = (1.0, 6.0, 24.0, 72.0)


@dataclass(frozen=True)
class ParagraphChange:
    """One paragraph of a diff: `added` at `position` of the new version, or `removed` from
    `position` of the previous one. A rewritten paragraph is a removal and an addition."""

    op: str
    position: int
    text: str


def paragraph_diff(previous: list[str], current: list[str]) -> list[ParagraphChange]:
    """The paragraphs removed from `previous` and added in `current`, in reading order (difflib's
    longest matching blocks: paragraphs kept in place are not listed)."""
    changes: list[ParagraphChange] = []
    matcher = difflib.SequenceMatcher(a=previous, b=current, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            changes += [ParagraphChange("removed", i, previous[i]) for i in range(i1, i2)]
        if tag in ("replace", "insert"):
            changes += [ParagraphChange("added", j, current[j]) for j in range(j1, j2)]
    return changes


def content_sha256(body: str) -> str:
    """sha256 of the cleaned body (UTF-8, hex): what DuckDB's sha256(body) gives, so the migration's
    backfill and the loader agree."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def due_checkpoint(first_seen: datetime, last_checked: datetime | None, now: datetime,
                   checkpoints_hours: tuple[float, ...] | list[float]) -> float | None:
    """The latest checkpoint (hours after first seen) the article's age has crossed and no check
    has covered yet, else None. A run that missed several checkpoints checks once, not once each."""
    crossed = [h for h in sorted(checkpoints_hours) if now >= first_seen + timedelta(hours=h)]
    if not crossed:
        return None
    latest = crossed[-1]
    if last_checked is not None and last_checked >= first_seen + timedelta(hours=latest):
        return None
    return latest
