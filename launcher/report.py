"""`ceremony report JOURNAL --out DIR`: the as-run document as HTML, PDF, CSV and JSON.

Built from the journal alone (ceremony.asrun). One function, `document()`, words the core's data
in the report's language and formats every value once; the JSON is that document, the HTML and
the PDF are the same Jinja2 template over it (WeasyPrint lays the PDF out with CSS paged media:
a running header and footer with the run id and the journal's SHA-256 on every page, page
numbers, tables that break between words), and the CSV is its table of items. So the four
cannot disagree. A journal cut off mid-write still gives a report, and it says so on page one.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import zoneinfo
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from ceremony.asrun import AsRun, Countdown, FireState, Incident, IncidentKind, build
from launcher import report_text as words
from media.journal_reader import read_journal
from media.version import describe

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"

# The item table's columns, the same in the HTML (and PDF) and the CSV.
ITEM_COLUMNS = (
    "n",
    "item",
    "speaker",
    "from",
    "planned",
    "actual",
    "planned_len",
    "actual_len",
    "over",
    "status",
)
FIRE_COLUMNS = ("venue", "state", "fire_time", "error", "bound", "late")


class Formatter:
    """Times in the ceremony's zone, lengths as h:mm:ss (a spreadsheet reads them as such)."""

    def __init__(self, timezone: str, lang: str) -> None:
        self.zone = zoneinfo.ZoneInfo(timezone)
        self.timezone = timezone
        self.lang = lang
        self.abbrev = words.ZONE_NAMES.get(timezone, "")

    def local(self, wall: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(wall, tz=self.zone)

    def clock(self, wall: float | None) -> str:
        return "–" if wall is None else self.local(wall).strftime("%H:%M:%S")

    def clock_ms(self, wall: float | None) -> str:
        if wall is None:
            return "–"
        local = self.local(wall)
        return local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}"

    def zone_name(self, wall: float) -> str:
        return self.abbrev or self.local(wall).strftime("%Z") or self.timezone

    def date(self, day: dt.date) -> str:
        weekday = words.WEEKDAYS[self.lang][day.weekday()]
        month = words.MONTHS[self.lang][day.month - 1]
        return f"{weekday}, {day.day} {month} {day.year}"  # the same order in both languages

    @staticmethod
    def length(seconds: float | None) -> str:
        if seconds is None:
            return "–"
        s = round(abs(seconds))
        h, rest = divmod(s, 3600)
        return f"{h}:{rest // 60:02d}:{rest % 60:02d}"

    def signed(self, seconds: float | None) -> str:
        if seconds is None:
            return "–"
        s = round(seconds)
        return ("+" if s > 0 else "−" if s < 0 else "") + self.length(seconds)

    def ms(self, value: float | None) -> str:
        if value is None:
            return "–"
        text = f"{value:.2f}".replace("-", "−")  # a minus sign, as wide as the digits
        return text.replace(".", ",") if self.lang == "id" else text

    def seconds(self, value: float | None) -> str:
        if value is None:
            return "?"
        if value >= 60:
            return self.length(value)
        text = f"{value:.1f}"
        text = text.replace(".", ",") if self.lang == "id" else text
        return f"{text} {words.LABELS[self.lang]['seconds']}"


def journal_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _incident_text(i: Incident, lang: str, fmt: Formatter) -> str:
    key = f"{i.kind}:{i.cause}" if i.kind is IncidentKind.VENUE_LOST else str(i.kind)
    template = words.INCIDENTS[lang][key]
    subject = i.subject
    if i.kind in (IncidentKind.DEVICE_PROBLEM, IncidentKind.DEVICE_OK):
        subject = words.DEVICES[lang].get(i.subject, i.subject)
        if i.kind is IncidentKind.DEVICE_OK:
            subject = subject[:1].upper() + subject[1:]
    if i.kind is IncidentKind.RECORDING_FAILED and not subject:
        subject = words.LABELS[lang]["program_word"]
    reason = words.REFUSALS[lang].get(i.cause, i.detail or i.cause)
    seconds = fmt.seconds(i.seconds) if i.kind is not IncidentKind.ITEM_OVERRAN else ""
    if i.kind is IncidentKind.ITEM_OVERRAN:
        seconds = fmt.length(i.seconds)
    return template.format(subject=subject, detail=i.detail, seconds=seconds, reason=reason)


def _span(r: AsRun, fmt: Formatter, t: dict[str, str], zone: str) -> str:
    """'09:00:01 – 10:02:10 WIB (length 1:02:09)', or as much of it as the journal knows."""
    if r.started_wall is None:
        return "–"
    if r.ended_wall is None:
        return f"{fmt.clock(r.started_wall)} {zone} – {t['not_ended']}"
    length = fmt.length(r.ended_wall - r.started_wall)
    return (
        f"{fmt.clock(r.started_wall)} – {fmt.clock(r.ended_wall)} {zone} ({t['length']} {length})"
    )


def _countdown(cd: Countdown, lang: str, fmt: Formatter) -> dict[str, Any]:
    fires = [
        {
            "venue_id": f.venue_id,
            "venue": f.venue,
            "state_code": f.state.value,
            "state": words.FIRE_STATES[lang][f.state],
            "fired": f.state is FireState.FIRED,
            "fire_time": fmt.clock_ms(f.fire_wall),
            "fire_wall": f.fire_wall,
            "error": fmt.ms(f.error_ms),
            "error_ms": f.error_ms,
            "bound": fmt.ms(f.bound_ms),
            "bound_ms": f.bound_ms,
            "late": fmt.ms(f.late_ms),
            "late_ms": f.late_ms,
        }
        for f in cd.fires
    ]
    spread = cd.spread_ms
    return {
        "arm_id": cd.arm_id,
        "title": cd.title,
        "armed_at": fmt.clock(cd.armed_wall),
        "lead_s": cd.lead_s,
        "zero": fmt.clock_ms(cd.zero_wall),
        "zero_wall": cd.zero_wall,
        "aborted": cd.aborted,
        "fires": fires,
        "fired": sum(1 for f in cd.fires if f.state is FireState.FIRED),
        "spread": f"{fmt.ms(spread)} ms"
        if spread is not None
        else words.LABELS[lang]["not_measured"],
        "spread_ms": spread,
    }


def document(r: AsRun, lang: str, journal_hash: str, journal_name: str) -> dict[str, Any]:
    """Everything the report shows, worded and formatted once (and saved as as-run.json)."""
    t = words.LABELS[lang]
    c = r.sheet.ceremony
    fmt = Formatter(c.timezone, lang)
    reference = r.started_wall
    actual_date = fmt.local(reference).date() if reference is not None else None
    # The zone's name (WIB) on the day: the start, or noon of the planned date if none.
    noon = dt.datetime.combine(c.date, dt.time(12), tzinfo=fmt.zone).timestamp()
    zone_at = reference if reference is not None else noon
    main = r.countdown
    items = [
        {
            "n": str(i.index + 1),
            "item": i.title,
            "speaker": i.speaker,
            "from": i.place,
            "planned": fmt.clock(i.planned_start_wall),
            "actual": fmt.clock(i.actual_start_wall),
            "planned_len": fmt.length(i.planned_s),
            "actual_len": fmt.length(i.actual_s) if i.actual_start_wall is not None else "–",
            "over": fmt.signed(i.over_s),
            "status": words.OUTCOMES[lang][i.outcome],
            "status_code": i.outcome.value,
            "overran": i.overran,
        }
        for i in r.items
    ]
    parted = len({rec.part for rec in r.recordings}) > 1
    recordings = [
        {
            "what": (t["program"] if rec.venue is None else t["iso_of"].format(venue=rec.venue))
            + (f" — {t['part_n'].format(n=rec.part)}" if parted else ""),
            "part": rec.part,
            "file": Path(rec.path).name,
            "path": rec.path,
            "duration": fmt.length(rec.duration_s),
            "duration_s": rec.duration_s,
            "chapters": str(rec.chapters) if rec.venue is None else "–",
            "sha256": rec.sha256 or "–",
            "failed": rec.failed,
        }
        # The program first, then the venues' cameras by name; each in the order of its parts.
        for rec in sorted(r.recordings, key=lambda x: (x.venue is not None, x.venue or "", x.part))
    ]
    gaps = [
        {
            "down": fmt.clock(g.down_wall),
            "up": fmt.clock(g.up_wall),
            "seconds": round(g.seconds, 1),
            "text": t["gap_line"].format(
                down=fmt.clock(g.down_wall),
                up=fmt.clock(g.up_wall),
                length=fmt.length(g.seconds),
                part=g.part,
            )
            + (f" ({t['gap_torn']})" if g.torn_tail else ""),
        }
        for g in r.gaps
    ]
    return {
        "language": lang,
        "labels": t,
        "organizer": c.organizer,
        "ceremony_id": c.id,
        "title": c.title,
        "studio": c.studio,
        "run_id": r.run.run_id,
        "rehearsal": r.run.rehearsal,
        "runsheet_sha256": r.run.runsheet_sha256,
        "journal": journal_name,
        "journal_sha256": journal_hash,
        "software": describe(),  # which build wrote this record
        "date": fmt.date(actual_date) if actual_date else fmt.date(c.date),
        "date_is_planned": actual_date is None,
        "timezone": f"{fmt.zone_name(zone_at)} ({c.timezone})",
        "zone": fmt.zone_name(zone_at),
        "started": fmt.clock(r.started_wall),
        "ended": fmt.clock(r.ended_wall),
        "span": _span(r, fmt, t, fmt.zone_name(zone_at)),
        "venue_count": len(r.sheet.venues),
        "zero": fmt.clock_ms(main.zero_wall) if main and not main.aborted else None,
        "truncated": r.truncated,
        "items": items,
        "countdowns": [_countdown(cd, lang, fmt) for cd in r.countdowns],
        "incidents": [
            {"time": fmt.clock(i.wall), "kind": i.kind.value, "text": _incident_text(i, lang, fmt)}
            for i in r.incidents
        ],
        "messages": [
            {
                "time": fmt.clock(m.wall),
                "kind": m.kind.value,
                "text": words.MESSAGES[lang][m.kind].format(
                    who=m.who or t["all_venues"], text=m.text
                ),
            }
            for m in r.messages
        ],
        "recordings": recordings,
        "engine_gaps": gaps,
        "journal_problems": list(r.journal_problems),
        "item_columns": list(ITEM_COLUMNS),
        "fire_columns": list(FIRE_COLUMNS),
    }


def _breakable(text: str) -> markupsafe.Markup:
    """A file name may break after its hyphens and underscores (not before digits only)."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(escaped.replace("-", "-<wbr>").replace("_", "_<wbr>"))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a missing word is a failure, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["breakable"] = _breakable
    return env


def render_html(doc: dict[str, Any]) -> str:
    return _environment().get_template("asrun.html.j2").render(doc=doc, t=doc["labels"])


def write_csv(doc: dict[str, Any], path: Path) -> None:
    """The item table, with the document's own headers and words (UTF-8 with a BOM: Excel)."""
    t = doc["labels"]
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([t[k] for k in ITEM_COLUMNS])
        for row in doc["items"]:
            w.writerow([row[k] for k in ITEM_COLUMNS])


def write_pdf(document_html: str, path: Path) -> None:
    try:
        import weasyprint  # imported here: only this command needs it (and its Pango)
    except OSError as exc:  # the Python package is there, the C libraries it loads are not
        raise OSError(
            "the PDF needs Pango; on Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
            f"libharfbuzz-subset0 (the HTML, CSV and JSON were written) [{exc}]"
        ) from exc

    weasyprint.HTML(string=document_html, base_url=str(TEMPLATES)).write_pdf(path)


def write_report(journal: Path, out: Path, lang: str = "id") -> tuple[AsRun, list[Path]]:
    read = read_journal(journal)
    r = build(read.records, read.problems, read.truncated_tail)
    doc = document(r, lang, journal_sha256(journal), journal.name)
    out.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out / "as-run.html", out / "as-run.pdf"
    csv_path, json_path = out / "as-run.csv", out / "as-run.json"
    page = render_html(doc)
    html_path.write_text(page, encoding="utf-8")
    write_csv(doc, csv_path)
    data = {k: v for k, v in doc.items() if k != "labels"}
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    write_pdf(page, pdf_path)  # last: the one that needs system libraries
    return r, [html_path, pdf_path, csv_path, json_path]
