"""Is the row still at the version the proposal saw? The rule of handler/version.ts: an expected
timestamp stands for the range one unit of its last digit wide, so a value read with millisecond
precision still matches a microsecond column ("...00.123Z" matches "...00.123456Z", "...00.124Z"
does not). Other values compare as text, so 7 equals "7"."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional, Tuple

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROS = 1_000_000


def timestamp_range(text: str) -> Optional[Tuple[int, int]]:
    """The half-open range [lo, hi) of instants, in microseconds since the epoch, that print as
    `text` at its own precision; None when `text` is not an ISO 8601 timestamp."""
    m = _ISO.match(text)
    if not m:
        return None
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    fraction = fraction or ""
    zone = zone or "Z"
    try:
        if zone == "Z":
            offset = timedelta(0)
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or "0"))
        whole = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=timezone(offset))
    except ValueError:
        return None
    digits = min(len(fraction), 6)
    micros = int((fraction[:digits] or "0").ljust(6, "0"))
    unit = _MICROS if digits == 0 else 10 ** (6 - digits)
    lo = (whole - _EPOCH) // timedelta(microseconds=1) + micros
    return lo, lo + unit


def iso_utc(value: datetime) -> str:
    """ISO 8601 UTC with the fractional digits the value has (as the runner's readers print it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)  # sessions run in UTC
    value = value.astimezone(timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def _as_range(value: Any) -> Optional[Tuple[int, int]]:
    if isinstance(value, datetime):
        return timestamp_range(iso_utc(value))
    if isinstance(value, str):
        return timestamp_range(value)
    return None


def as_text(value: Any) -> str:
    """A scalar as the TypeScript helper's String() prints it (true, 7, 7.5), for comparisons across both helpers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def versions_match(expected: Any, current: Any) -> bool:
    if expected is None:
        return current is None
    expected_range = _as_range(expected)
    instant = _as_range(current)
    if expected_range and instant:
        return expected_range[0] <= instant[0] < expected_range[1]
    return as_text(expected) == as_text(current)
