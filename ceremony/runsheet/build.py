"""Turn a raw document (strings, lists, mappings with locations) into a validated Runsheet.

Both the YAML and the CSV readers produce the same raw shape, so every rule lives here once and
every problem is reported with the file's own coordinates (YAML line, CSV row).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import TypeVar

from ceremony.runsheet import fields
from ceremony.runsheet.errors import Notice, Problem, RunsheetError
from ceremony.runsheet.model import (
    CeremonyInfo,
    EndAction,
    Item,
    ItemKind,
    Runsheet,
    Source,
    SourceKind,
    Speaker,
    Venue,
    effective_warning,
)

Raw = str | None | dict[str, "Raw"] | list["Raw"]
Path = tuple[str | int, ...]
Locator = Callable[[Path], str]

T = TypeVar("T")

CEREMONY_KEYS = ("id", "title", "date", "timezone", "studio", "organizer")
VENUE_KEYS = ("id", "name", "region")
ITEM_KEYS = (
    "id",
    "kind",
    "title",
    "speaker",
    "source",
    "duration",
    "hard_start",
    "warning",
    "danger",
    "end_action",
    "venues",
    "notes",
)
ALL_VENUES = "all"


def _path_text(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class _Checker:
    def __init__(self, file: str, locate: Locator) -> None:
        self.file = file
        self.locate = locate
        self.problems: list[Problem] = []
        self.notices: list[Notice] = []

    def notice(self, path: Path, value: str, message: str) -> None:
        self.notices.append(Notice(self.file, self.locate(path), _path_text(path), value, message))

    def problem(self, path: Path, value: Raw, expected: str) -> None:
        shown = value if isinstance(value, str) else ("" if value is None else repr(value))
        self.problems.append(
            Problem(self.file, self.locate(path), _path_text(path), shown, expected)
        )

    def text(self, node: dict[str, Raw], path: Path, key: str, *, required: bool) -> str | None:
        value = node.get(key)
        if value is None or value == "":
            if required:
                self.problem((*path, key), value, "a value (this field is required)")
            return None
        if not isinstance(value, str):
            self.problem((*path, key), value, "text")
            return None
        return value.strip()

    def parsed(
        self,
        node: dict[str, Raw],
        path: Path,
        key: str,
        parse: Callable[[str], T],
        *,
        required: bool,
    ) -> T | None:
        text = self.text(node, path, key, required=required)
        if text is None:
            return None
        try:
            return parse(text)
        except ValueError as exc:
            self.problem((*path, key), text, str(exc))
            return None

    def mapping(self, value: Raw, path: Path, keys: tuple[str, ...]) -> dict[str, Raw] | None:
        if not isinstance(value, dict):
            self.problem(path, value, "a mapping of " + ", ".join(keys))
            return None
        for key in value:
            if key not in keys:
                self.problem((*path, key), key, "one of the fields " + ", ".join(keys))
        return value


def _enum_parser(enum: type[ItemKind] | type[EndAction]) -> Callable[[str], str]:
    choices = ", ".join(e.value for e in enum)

    def parse(text: str) -> str:
        if text.lower() not in {e.value for e in enum}:
            raise ValueError(f"one of {choices}")
        return text.lower()

    return parse


def _timezone(text: str) -> str:
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("an IANA time zone such as Asia/Jakarta") from None
    return text


def _non_negative_duration(text: str) -> float:
    value = fields.parse_duration(text)
    if value < 0:
        raise ValueError("a duration that is not negative")
    return value


def _positive_duration(text: str) -> float:
    if text.strip().startswith("-"):
        raise ValueError("a positive duration (more than 0 seconds)")
    value = fields.parse_duration(text)
    if value <= 0:
        raise ValueError("a positive duration (more than 0 seconds)")
    return value


def build_runsheet(
    raw: Raw, file: str, locate: Locator, notices: list[Notice] | None = None
) -> Runsheet:
    """Validate everything, then build. Raises RunsheetError listing every problem found.

    Values that were read but may not be what was meant go to `notices` (when given).
    """
    c = _Checker(file, locate)
    root = c.mapping(raw, (), ("version", "ceremony", "venues", "items"))
    if root is None:
        raise RunsheetError(c.problems)
    version = root.get("version")
    if version not in (None, "1"):
        c.problem(("version",), version, "1 (the only run-sheet format version so far)")

    ceremony = _build_ceremony(c, root.get("ceremony"))
    venues = _build_venues(c, root.get("venues"))
    venue_ids = {v.id for v in venues}
    items = _build_items(c, root.get("items"), venue_ids)

    if c.problems or ceremony is None:
        raise RunsheetError(c.problems)
    if notices is not None:
        notices.extend(c.notices)
    return Runsheet(ceremony, tuple(venues), tuple(items))


def _build_ceremony(c: _Checker, value: Raw) -> CeremonyInfo | None:
    path: Path = ("ceremony",)
    node = c.mapping(value, path, CEREMONY_KEYS)
    if node is None:
        return None
    cid = c.parsed(node, path, "id", fields.parse_id, required=True)
    title = c.text(node, path, "title", required=True)
    date = c.parsed(node, path, "date", fields.parse_date, required=True)
    tz = c.parsed(node, path, "timezone", _timezone, required=False) or "Asia/Jakarta"
    studio = c.text(node, path, "studio", required=True)
    organizer = c.text(node, path, "organizer", required=False) or ""
    if cid is None or title is None or date is None or studio is None:
        return None
    return CeremonyInfo(cid, title, date, tz, studio, organizer)


def _build_venues(c: _Checker, value: Raw) -> list[Venue]:
    if value is None:
        return []
    if not isinstance(value, list):
        c.problem(("venues",), value, "a list of venues")
        return []
    venues: list[Venue] = []
    seen: set[str] = set()
    for i, entry in enumerate(value):
        path: Path = ("venues", i)
        node = c.mapping(entry, path, VENUE_KEYS)
        if node is None:
            continue
        vid = c.parsed(node, path, "id", fields.parse_id, required=True)
        name = c.text(node, path, "name", required=True)
        region = c.text(node, path, "region", required=False) or ""
        if vid is not None and vid in seen:
            c.problem((*path, "id"), vid, "a venue id not used by another venue")
            continue
        if vid is not None:
            seen.add(vid)
            if name is not None:
                venues.append(Venue(vid, name, region))
    return venues


def _parse_source(venue_ids: set[str]) -> Callable[[str], Source]:
    def parse(text: str) -> Source:
        kind, _, ref = text.partition(":")
        kind = kind.strip().lower()
        if kind == SourceKind.STUDIO and not ref:
            return Source.studio()
        if kind == SourceKind.VENUE:
            if ref not in venue_ids:
                raise ValueError("venue:<id> naming one of the venues listed under venues")
            return Source(SourceKind.VENUE, ref)
        if kind == SourceKind.FILE and ref.strip():
            return Source(SourceKind.FILE, ref.strip())
        raise ValueError("studio, venue:<venue id> or file:<path>")

    return parse


def _build_speaker(c: _Checker, value: Raw, path: Path) -> Speaker | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return Speaker(value.strip())
    node = c.mapping(value, path, ("name", "role"))
    if node is None:
        return None
    name = c.text(node, path, "name", required=True)
    role = c.text(node, path, "role", required=False) or ""
    return Speaker(name, role) if name else None


def _build_item_venues(
    c: _Checker, value: Raw, path: Path, venue_ids: set[str], kind: str | None
) -> tuple[str, ...] | None:
    """None means every venue of the ceremony."""
    if value is None or value == ALL_VENUES:
        if kind == ItemKind.COUNTDOWN and not venue_ids:
            c.problem(path, value, "venues taking part: the ceremony lists no venues")
        return None
    items: list[Raw]
    if isinstance(value, str):
        items = [v for v in (p.strip() for p in value.split(",")) if v]
    elif isinstance(value, list):
        items = value
    else:
        c.problem(path, value, f"a list of venue ids or '{ALL_VENUES}'")
        return None
    ids: list[str] = []
    for j, vid in enumerate(items):
        if not isinstance(vid, str) or vid not in venue_ids:
            c.problem((*path, j), vid, "a venue id listed under venues")
        elif vid in ids:
            c.problem((*path, j), vid, "each venue once")
        else:
            ids.append(vid)
    if not items:
        if kind == ItemKind.COUNTDOWN:
            c.problem(path, "", f"at least one venue (or '{ALL_VENUES}') for a countdown")
        return None
    return tuple(ids)


def _build_items(c: _Checker, value: Raw, venue_ids: set[str]) -> list[Item]:
    if not isinstance(value, list) or not value:
        c.problem(
            ("items",), value if isinstance(value, str) else "", "a list of at least one item"
        )
        return []
    items: list[Item] = []
    seen: set[str] = set()
    last_hard: tuple[dt.time, Path] | None = None
    for i, entry in enumerate(value):
        path: Path = ("items", i)
        node = c.mapping(entry, path, ITEM_KEYS)
        if node is None:
            continue
        iid = c.parsed(node, path, "id", fields.parse_id, required=False) or f"item-{i + 1:02d}"
        if iid in seen:
            c.problem((*path, "id"), iid, "an item id not used by another item")
        seen.add(iid)
        kind = c.parsed(node, path, "kind", _enum_parser(ItemKind), required=True)
        title = c.text(node, path, "title", required=True)
        speaker = _build_speaker(c, node.get("speaker"), (*path, "speaker"))
        source = c.parsed(node, path, "source", _parse_source(venue_ids), required=False)
        duration = c.parsed(node, path, "duration", _positive_duration, required=True)
        hard = c.parsed(node, path, "hard_start", fields.parse_time_of_day, required=False)
        warning = c.parsed(node, path, "warning", _non_negative_duration, required=False)
        danger = c.parsed(node, path, "danger", _non_negative_duration, required=False)
        end = c.parsed(node, path, "end_action", _enum_parser(EndAction), required=False)
        venues = _build_item_venues(c, node.get("venues"), (*path, "venues"), venue_ids, kind)
        notes = c.text(node, path, "notes", required=False) or ""
        for key in ("duration", "warning", "danger"):
            text = node.get(key)
            why = fields.duration_ambiguity(text) if isinstance(text, str) else None
            if why is not None and isinstance(text, str):
                c.notice((*path, key), text.strip(), why)

        if hard is not None:
            if last_hard is not None and hard <= last_hard[0]:
                c.problem(
                    (*path, "hard_start"),
                    fields.format_time_of_day(hard),
                    "a hard start later than the previous one "
                    f"({fields.format_time_of_day(last_hard[0])} at {_path_text(last_hard[1])})",
                )
            last_hard = (hard, path)

        if duration is not None:
            _check_thresholds(c, path, duration, warning, danger)
        if kind is None or title is None or duration is None:
            continue
        items.append(
            Item(
                id=iid,
                kind=ItemKind(kind),
                title=title,
                source=source or Source.studio(),
                duration_s=duration,
                speaker=speaker,
                hard_start=hard,
                warning_s=warning,
                danger_s=danger,
                end_action=EndAction(end) if end else EndAction.HOLD,
                venues=venues if venues is not None else (),
                notes=notes,
            )
        )
    return items


def _check_thresholds(
    c: _Checker, path: Path, duration: float, warning: float | None, danger: float | None
) -> None:
    """Warning and danger are seconds before the planned end, danger the nearer of the two."""
    w = warning if warning is not None else effective_warning(duration, None)
    if warning is not None and warning > duration:
        c.problem(
            (*path, "warning"), fields.format_duration(warning), "at most the item's duration"
        )
    if danger is not None and danger > w:
        c.problem((*path, "danger"), fields.format_duration(danger), "at most the warning time")
