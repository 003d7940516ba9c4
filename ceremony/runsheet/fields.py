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
DURATION_EXPECTED = "a duration: seconds (90), m:ss (1:30), h:mm:ss (1:02:30), or 2m30s"
TIME_EXPECTED = "a time of day HH:MM or HH:MM:SS"
DATE_EXPECTED = "a date YYYY-MM-DD"


def parse_id(text: str) -> str:
    if not _ID.match(text):
        raise ValueError(ID_EXPECTED)
    return text


def parse_duration(text: str) -> float:
    """Seconds from '90', '90.5', '1:30', '1:02:03', '2m30s' or '1h'.

    The rule: a bare number is seconds; two parts 'm:ss' are minutes and seconds (also past an
    hour: '90:00'); three parts 'h:mm:ss' are hours, minutes and seconds. See
    `duration_ambiguity` for the one shape that is read by this rule but warned about.
    """
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


def duration_ambiguity(text: str) -> str | None:
    """Why a duration that parsed may not be what was meant, or None.

    A spreadsheet reads a typed '2:00' (two minutes) as the time of day 02:00 and exports it as
    '02:00:00' or '2:00:00': two hours. So 'h:mm:00' of an hour or more is read as hours (the
    rule) but warned about; '2h', '1h30m', '0:02:00' and '2:00' say it without doubt.
    """
    parts = text.strip().split(":")
    if len(parts) != 3:
        return None
    try:
        hours, minutes, seconds = (float(p) for p in parts)
    except ValueError:
        return None
    if hours < 1 or seconds != 0:
        return None
    h, m = int(hours), int(minutes)
    typed = f"{h}:{m:02d}"
    minutes_meant = f"{h} min" + (f" {m} s" if m else "")
    as_read = f"{h} h" + (f" {m} min" if m else "")
    short_min = f"{h}m" + (f"{m}s" if m else "")
    short_h = f"{h}h" + (f"{m}m" if m else "")
    return (
        f"read as {as_read}. A spreadsheet turns a typed {typed} (meant as {minutes_meant}) "
        f"into {text.strip()}: if {minutes_meant} was meant, write {short_min} or "
        f"0:{h:02d}:{m:02d}; write {short_h} to keep {as_read} without this warning"
    )


def format_duration_plain(seconds: float) -> str:
    """As `format_duration`, but never in the shape `duration_ambiguity` warns about: what the
    run-sheet files are written with, so a file written here reads back without a warning."""
    text = format_duration(seconds)
    if duration_ambiguity(text) is None:
        return text
    h, rest = divmod(int(seconds), 3600)
    return f"{h}h{rest // 60}m" if rest else f"{h}h"


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
