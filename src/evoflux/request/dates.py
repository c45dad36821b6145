"""Dates and clock times as people write them (`March 20, 2026`, `20.03.2026`, `3pm`, `15:00`).

Owns reading one date or time out of text; which argument it fills is the caller's.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d.%m.%Y",
    "%A %d %B %Y",
    "%A %B %d %Y",
)
_TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I %p", "%I%p", "%I:%M%p", "%H%M")
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
TIME_TEXT = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?![\w:])|\b\d{1,2}\s*[ap]\.?m\.?(?!\w)", re.IGNORECASE
)


def parse_date_text(text: str) -> date | None:
    """A calendar date written in a common way (`2026-03-20`, `March 20, 2026`, `20th March 2026`,
    `20.03.2026`, `03/20/2026` when the order is unambiguous), else None."""
    cleaned = " ".join(_ORDINAL.sub("", text.replace(",", " ")).split()).strip(" .")
    cleaned = re.sub(r"\bof\b ", "", cleaned, flags=re.IGNORECASE)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue  # try the next spelling
    slashed = _SLASHED.fullmatch(cleaned)
    if slashed:
        first, second, year = (int(g) for g in slashed.groups())
        readings = {_safe_date(year, first, second), _safe_date(year, second, first)} - {None}
        return readings.pop() if len(readings) == 1 else None
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_time_text(text: str) -> time | None:
    """A clock time (`15:00`, `3pm`, `3:30 p.m.`), else None."""
    cleaned = re.sub(r"\.", "", text.strip()).upper().replace("  ", " ")
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).time()
        except ValueError:
            continue  # try the next spelling
    return None


def parse_when(text: str) -> tuple[date | None, time | None]:
    """The date and clock time a string gives (either may be missing): ISO forms, or a date with a time in it."""
    stripped = text.strip()
    try:
        iso = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
    except ValueError:
        iso = None
    if iso is not None:
        has_time = bool(re.search(r"\d[T ]\d", stripped))
        return iso.date(), (iso.time().replace(tzinfo=None) if has_time else None)
    found = TIME_TEXT.search(stripped)
    clock = parse_time_text(found.group()) if found else None
    rest = (stripped[: found.start()] + " " + stripped[found.end() :]) if found else stripped
    rest = re.sub(r"\b(at|on)\b", " ", rest, flags=re.IGNORECASE)
    day = parse_date_text(rest) if rest.strip(" ,") else None
    if clock is None and day is None:
        return None, parse_time_text(stripped)
    return day, clock
