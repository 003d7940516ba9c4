"""Run-sheet CSV, laid out as a spreadsheet exports it.

A header block (one "key,value" row per ceremony field and one "venue,id,name,region" row per
venue), a blank row, then a table with one row per item. Row numbers in errors are the ones the
spreadsheet shows. Comma, semicolon (Excel in an Indonesian locale) and tab separators are read.
"""

from __future__ import annotations

import csv
import io

from ceremony.runsheet import fields
from ceremony.runsheet.build import ALL_VENUES, CEREMONY_KEYS, Path, Raw, build_runsheet
from ceremony.runsheet.errors import Notice, Problem, RunsheetError
from ceremony.runsheet.model import ItemKind, Runsheet

ITEM_COLUMNS = (
    "id",
    "kind",
    "title",
    "speaker_name",
    "speaker_role",
    "source",
    "duration",
    "hard_start",
    "warning",
    "danger",
    "end_action",
    "venues",
    "notes",
)
# The ceremony id is written "ceremony_id" so the header block cannot be mistaken for the table.
_META_KEYS = {"ceremony_id": "id", **{k: k for k in CEREMONY_KEYS if k != "id"}}
_VENUE = "venue"


def _sniff_delimiter(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def parse_csv(text: str, file: str = "<runsheet>", notices: list[Notice] | None = None) -> Runsheet:
    text = text.removeprefix("\ufeff")  # Excel's UTF-8 byte-order mark
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text)))
    rows_of: dict[Path, int] = {}
    problems: list[Problem] = []
    ceremony: dict[str, Raw] = {}
    venues: list[Raw] = []
    items: list[Raw] = []
    header: list[str] | None = None

    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if header is None:
            key = cells[0].lower()
            if key == "id" and len(cells) > 1 and cells[1].lower() == "kind":
                header = [c.lower() for c in cells]
                for col in header:
                    if col not in ITEM_COLUMNS:
                        problems.append(
                            Problem(
                                file,
                                f"row {number}",
                                "(header)",
                                col,
                                "one of the columns " + ", ".join(ITEM_COLUMNS),
                            )
                        )
                rows_of[("items",)] = number
            elif key == _VENUE:
                idx = len(venues)
                padded = [*cells[1:], "", "", ""]
                venues.append({"id": padded[0], "name": padded[1], "region": padded[2] or None})
                rows_of[("venues", idx)] = number
            elif key in _META_KEYS:
                ceremony[_META_KEYS[key]] = cells[1] if len(cells) > 1 else ""
                rows_of[("ceremony", _META_KEYS[key])] = number
                rows_of.setdefault(("ceremony",), number)
            else:
                problems.append(
                    Problem(
                        file,
                        f"row {number}",
                        "(header block)",
                        cells[0],
                        "ceremony_id, title, date, timezone, studio, organizer, venue, "
                        "or the item table's header row starting id,kind",
                    )
                )
            continue
        item: dict[str, Raw] = {}
        for col, cell in zip(header, cells, strict=False):
            if col in ITEM_COLUMNS and cell:
                item[col] = cell
        if len(cells) > len(header) and any(cells[len(header) :]):
            problems.append(
                Problem(
                    file,
                    f"row {number}",
                    "(row)",
                    ",".join(cells[len(header) :]),
                    f"at most {len(header)} cells, as in the header row",
                )
            )
        name, role = item.pop("speaker_name", None), item.pop("speaker_role", None)
        if name or role:
            item["speaker"] = {"name": name, "role": role}
        rows_of[("items", len(items))] = number
        items.append(item)

    if header is None:
        problems.append(Problem(file, "", "(table)", "", "a header row starting id,kind,title"))

    def locate(path: Path) -> str:
        while path and path not in rows_of:
            path = path[:-1]
        return f"row {rows_of[path]}" if path in rows_of else "row 1"

    raw: dict[str, Raw] = {"ceremony": ceremony, "venues": venues, "items": items}
    try:
        sheet = build_runsheet(raw, file, locate, notices)
    except RunsheetError as exc:
        raise RunsheetError(problems + list(exc.problems)) from None
    if problems:
        raise RunsheetError(problems)
    return sheet


def dump_csv(sheet: Runsheet) -> str:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    c = sheet.ceremony
    w.writerow(["ceremony_id", c.id])
    w.writerow(["title", c.title])
    w.writerow(["date", c.date.isoformat()])
    w.writerow(["timezone", c.timezone])
    w.writerow(["studio", c.studio])
    if c.organizer:
        w.writerow(["organizer", c.organizer])
    for v in sheet.venues:
        w.writerow([_VENUE, v.id, v.name, v.region])
    w.writerow([])
    w.writerow(ITEM_COLUMNS)
    for item in sheet.items:
        venues = ",".join(item.venues)
        if not venues and item.kind is ItemKind.COUNTDOWN:
            venues = ALL_VENUES
        w.writerow(
            [
                item.id,
                item.kind.value,
                item.title,
                item.speaker.name if item.speaker else "",
                item.speaker.role if item.speaker else "",
                str(item.source),
                fields.format_duration_plain(item.duration_s),
                fields.format_time_of_day(item.hard_start) if item.hard_start else "",
                fields.format_duration_plain(item.warning_s) if item.warning_s is not None else "",
                fields.format_duration_plain(item.danger_s) if item.danger_s is not None else "",
                item.end_action.value if item.end_action.value != "hold" else "",
                venues,
                item.notes,
            ]
        )
    return out.getvalue()
