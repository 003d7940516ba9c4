"""Parsing and formatting of single run-sheet fields (durations, times, ids, sources).

Every parser takes the text a person typed and raises ValueError with what was expected.
"""

from __future__ import annotations

import datetime as dt
import re

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_UNITS = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?$"
)

ID_EXPECTED = "lower-case letters, digits, '-' or '_' (at most 64, starting with a letter or digit)"
DURATION_EXPECTED = "a duration such as 90, 1:30, 1:02:00 or 2m30s"
TIME_EXPECTED = "a time of day HH:MM or HH:MM:SS"
DATE_EXPECTED = "a date YYYY-MM-DD"


def parse_id(text: str) -> str:
    if not _ID.match(text):
        raise ValueError(ID_EXPECTED)
    return text


def parse_duration(text: str) -> float:
    """Seconds from '90', '90.5', '1:30', '1:02:03', '2m30s' or '1h'."""
    t = text.strip().lower().replace(" ", "")
    if not t:
        raise ValueError(DURATION_EXPECTED)
    try:
        if ":" in t:
            parts = t.split(":")
            if len(parts) > 3 or any(not p for p in parts):
                raise ValueError(DURATION_EXPECTED)
            nums = [float(p) for p in parts]
            if any(n < 0 for n in nums) or any(n >= 60 for n in nums[1:]):
                raise ValueError(DURATION_EXPECTED)
            seconds = 0.0
            for n in nums:
                seconds = seconds * 60 + n
            return seconds
        return float(t)
    except ValueError:
        pass
    m = _UNITS.match(t)
    if not m or not any(m.groupdict().values()):
        raise ValueError(DURATION_EXPECTED)
    h, mi, s = (float(m.group(g) or 0) for g in ("h", "m", "s"))
    return h * 3600 + mi * 60 + s


def format_duration(seconds: float) -> str:
    """'m:ss' (or 'h:mm:ss') for whole seconds; plain seconds otherwise, so nothing is lost."""
    if seconds != int(seconds):
        return repr(seconds)
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def parse_time_of_day(text: str) -> dt.time:
    m = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$", text.strip())
    if not m:
        raise ValueError(TIME_EXPECTED)
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or s > 59:
        raise ValueError(TIME_EXPECTED)
    return dt.time(h, mi, s)


def format_time_of_day(t: dt.time) -> str:
    return t.strftime("%H:%M:%S") if t.second else t.strftime("%H:%M")


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(DATE_EXPECTED) from None
