"""Run-sheet YAML: read with line numbers for every value, write in a stable, readable order.

Scalars are kept as text and parsed by field, never by YAML's own typing: YAML 1.1 would read
an unquoted 09:30 as the number 570 and 'no' as false.
"""

from __future__ import annotations

from typing import Any

import yaml

from ceremony.runsheet import fields
from ceremony.runsheet.build import ALL_VENUES, Path, Raw, build_runsheet
from ceremony.runsheet.errors import Notice, Problem, RunsheetError
from ceremony.runsheet.model import EndAction, Runsheet

_NULLS = {"", "~", "null", "Null", "NULL"}


def _to_raw(
    node: yaml.Node, path: Path, lines: dict[Path, int], dups: list[Problem], file: str
) -> Raw:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        value = str(node.value)
        if node.style is None and value in _NULLS:
            return None
        return value
    if isinstance(node, yaml.SequenceNode):
        return [_to_raw(child, (*path, i), lines, dups, file) for i, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Raw] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in out:
                where = f"line {key_node.start_mark.line + 1}"
                dups.append(Problem(file, where, key, key, "each field once in a mapping"))
            out[key] = _to_raw(value_node, (*path, key), lines, dups, file)
        return out
    raise TypeError(f"unexpected YAML node {node!r}")


def parse_yaml(
    text: str, file: str = "<runsheet>", notices: list[Notice] | None = None
) -> Runsheet:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise RunsheetError(
            [Problem(file, where, "(file)", "", f"valid YAML ({exc.problem})")]
        ) from None
    except yaml.YAMLError as exc:
        raise RunsheetError([Problem(file, "", "(file)", "", f"valid YAML ({exc})")]) from None
    if node is None:
        raise RunsheetError([Problem(file, "", "(file)", "", "a run-sheet (the file is empty)")])
    lines: dict[Path, int] = {}
    dups: list[Problem] = []
    raw = _to_raw(node, (), lines, dups, file)

    def locate(path: Path) -> str:
        # A missing field is reported at its parent's line.
        while path and path not in lines:
            path = path[:-1]
        return f"line {lines.get(path, 1)}"

    try:
        sheet = build_runsheet(raw, file, locate, notices)
    except RunsheetError as exc:
        raise RunsheetError(dups + list(exc.problems)) from None
    if dups:
        raise RunsheetError(dups)
    return sheet


def to_document(sheet: Runsheet) -> dict[str, Any]:
    """The plain structure written to YAML; optional fields only when set."""
    c = sheet.ceremony
    items: list[dict[str, Any]] = []
    for item in sheet.items:
        d: dict[str, Any] = {"id": item.id, "kind": item.kind.value, "title": item.title}
        if item.speaker is not None:
            d["speaker"] = {"name": item.speaker.name}
            if item.speaker.role:
                d["speaker"]["role"] = item.speaker.role
        d["source"] = str(item.source)
        d["duration"] = fields.format_duration_plain(item.duration_s)
        if item.hard_start is not None:
            d["hard_start"] = fields.format_time_of_day(item.hard_start)
        if item.warning_s is not None:
            d["warning"] = fields.format_duration_plain(item.warning_s)
        if item.danger_s is not None:
            d["danger"] = fields.format_duration_plain(item.danger_s)
        if item.end_action is not EndAction.HOLD:
            d["end_action"] = item.end_action.value
        if item.venues:
            d["venues"] = list(item.venues)
        elif item.kind.value == "countdown":
            d["venues"] = ALL_VENUES
        if item.notes:
            d["notes"] = item.notes
        items.append(d)
    return {
        "version": 1,
        "ceremony": {
            "id": c.id,
            "title": c.title,
            "date": c.date.isoformat(),
            "timezone": c.timezone,
            "studio": c.studio,
            **({"organizer": c.organizer} if c.organizer else {}),
        },
        "venues": [
            {"id": v.id, "name": v.name, **({"region": v.region} if v.region else {})}
            for v in sheet.venues
        ],
        "items": items,
    }


def dump_yaml(sheet: Runsheet) -> str:
    return yaml.safe_dump(
        to_document(sheet), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
