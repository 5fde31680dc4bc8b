"""The window of plausible publication dates, shared by every stage that reads a date.

A date outside it is not a date: it comes from a typo, a placeholder (0001-01-01, 9999-12-31) or a
hostile input, and arithmetic on it (a story's ±45 days, a time-zone shift) overflows Python's
datetime. Stages drop such a date (the input loads undated) rather than fail or store it.
"""

from __future__ import annotations

from datetime import UTC, datetime

# The web's news starts in the 1990s, but archives digitised from print reach back into the 20th
# century; nothing is published after 2100 yet. Both bounds are far from datetime's limits, so a
# story's gap or a UTC offset added to a date inside the window stays a valid datetime.
EARLIEST = datetime(1900, 1, 1)
LATEST = datetime(2100, 12, 31, 23, 59, 59)


def plausible(when: datetime | None) -> datetime | None:
    """`when` as a naive UTC datetime if it lies in the window, else None (aware datetimes are
    converted to UTC first; one too close to datetime's limits to convert is out of the window)."""
    if when is None:
        return None
    if when.tzinfo is not None:
        if not EARLIEST.year <= when.year <= LATEST.year:
            return None
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when if EARLIEST <= when <= LATEST else None


_LABEL_FORMATS = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d", "minute": "%Y-%m-%d %H:%M UTC",
                  "second": "%Y-%m-%d %H:%M:%S UTC"}


def published_label(when: datetime | None, precision: str | None = "day") -> str:
    """How a publication time is shown: only the part that is known, "undated" when none is (an
    unknown date shown as a day, or a day shown as midnight, would be a wrong fact)."""
    if when is None:
        return "undated"
    return when.strftime(_LABEL_FORMATS.get(precision or "day", "%Y-%m-%d"))
