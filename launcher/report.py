"""`ceremony report JOURNAL --out DIR`: the as-run report as HTML, CSV and PDF.

Built from the journal alone (ceremony.asrun); a journal cut off mid-write still gives a report,
and the report says so on its first page.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import os
import zoneinfo
from pathlib import Path

from ceremony.asrun import AsRun, build
from ceremony.journal import read_journal

LABELS = {
    "en": {
        "title": "As-run report",
        "date": "Date",
        "studio": "Studio",
        "started": "Started",
        "ended": "Ended",
        "items": "Items as run",
        "n": "#",
        "item": "Item",
        "speaker": "Speaker",
        "from": "From",
        "planned": "Planned start",
        "actual": "Actual start",
        "planned_len": "Planned",
        "actual_len": "Actual",
        "over": "Over/under",
        "status": "Status",
        "countdown": "Countdown",
        "venue": "Venue",
        "state": "State",
        "error": "Error (ms)",
        "bound": "Claimed bound (ms)",
        "late": "Late on own clock (ms)",
        "spread": "Spread of measured fire times",
        "incidents": "Incidents",
        "messages": "Cues and messages",
        "journal": "Journal",
        "truncated": "The journal ends in a record cut off mid-write (a crash); it was left "
        "out and this report covers everything before it.",
        "recordings": "Recordings",
        "no_recordings": "No recordings in this journal.",
        "none": "None.",
        "not_measured": "error not measured (no common clock at the venues)",
        "done": "done",
        "not run": "not run",
        "skipped": "skipped",
        "on_air": "on air",
        "file": "File",
        "length": "Length",
        "chapters": "Chapters",
        "sha256": "SHA-256",
    },
    "id": {
        "title": "Laporan pelaksanaan acara",
        "date": "Tanggal",
        "studio": "Studio",
        "started": "Mulai",
        "ended": "Selesai",
        "items": "Susunan acara yang terlaksana",
        "n": "#",
        "item": "Acara",
        "speaker": "Pembicara",
        "from": "Dari",
        "planned": "Rencana mulai",
        "actual": "Mulai sebenarnya",
        "planned_len": "Rencana",
        "actual_len": "Sebenarnya",
        "over": "Lebih/kurang",
        "status": "Status",
        "countdown": "Hitung mundur",
        "venue": "Lokasi",
        "state": "Keadaan",
        "error": "Selisih (ms)",
        "bound": "Batas yang dinyatakan (ms)",
        "late": "Terlambat menurut jamnya (ms)",
        "spread": "Sebaran waktu bunyi yang terukur",
        "incidents": "Kejadian",
        "messages": "Aba-aba dan pesan",
        "journal": "Jurnal",
        "truncated": "Jurnal berakhir dengan catatan yang terpotong saat ditulis (aplikasi "
        "berhenti mendadak); catatan itu diabaikan dan laporan ini mencakup semua sebelumnya.",
        "recordings": "Rekaman",
        "no_recordings": "Tidak ada rekaman dalam jurnal ini.",
        "none": "Tidak ada.",
        "not_measured": "selisih tidak terukur (tidak ada jam bersama)",
        "done": "terlaksana",
        "not run": "tidak terlaksana",
        "skipped": "dilewati",
        "on_air": "berlangsung",
        "file": "Berkas",
        "length": "Durasi",
        "chapters": "Bab",
        "sha256": "SHA-256",
    },
}


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


def _clock(wall: float | None, tz: str) -> str:
    if wall is None:
        return "–"
    return dt.datetime.fromtimestamp(wall, tz=zoneinfo.ZoneInfo(tz)).strftime("%H:%M:%S")


def _length(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = round(abs(seconds))
    sign = "-" if seconds < 0 and s else ""
    return f"{sign}{s // 60}:{s % 60:02d}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def render_html(r: AsRun, lang: str) -> str:
    t = LABELS[lang]
    c = r.sheet.ceremony
    tz = c.timezone
    e = html.escape
    parts = [
        "<html><head><meta charset='utf-8'><style>body{font-family:sans-serif;font-size:9pt}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 4px}"
        ".warn{color:#b71c1c;font-weight:bold}</style></head><body>",
        f"<h1>{e(t['title'])}: {e(c.title)}</h1>",
        f"<p>{e(t['date'])}: {c.date.isoformat()} ({e(tz)}) · {e(t['studio'])}: {e(c.studio)}"
        f" · {e(t['started'])}: {_clock(r.started_wall, tz)}"
        f" · {e(t['ended'])}: {_clock(r.ended_wall, tz)}</p>",
    ]
    if r.truncated:
        parts.append(f"<p class='warn'>{e(t['truncated'])}</p>")
    parts.append(f"<h2>{e(t['items'])}</h2><table width='100%'><tr>")
    for key in ITEM_COLUMNS:
        parts.append(f"<th>{e(t[key])}</th>")
    parts.append("</tr>")
    for i in r.items:
        over = "" if i.over_s is None else ("+" if i.over_s >= 0.5 else "") + _length(i.over_s)
        cells = [
            str(i.index + 1),
            i.title,
            i.speaker,
            i.place,
            _clock(i.planned_start_wall, tz),
            _clock(i.actual_start_wall, tz),
            _length(i.planned_s),
            _length(i.actual_s),
            over,
            t.get(i.status, i.status),
        ]
        parts.append("<tr>" + "".join(f"<td>{e(x)}</td>" for x in cells) + "</tr>")
    parts.append("</table>")
    parts.append(f"<h2>{e(t['countdown'])}</h2>")
    if r.fires:
        parts.append(
            "<table><tr>"
            + "".join(f"<th>{e(t[k])}</th>" for k in ("venue", "state", "error", "bound", "late"))
            + "</tr>"
        )
        for f in r.fires:
            cells = [f.venue, f.state, _num(f.error_ms), _num(f.bound_ms), _num(f.late_ms)]
            parts.append("<tr>" + "".join(f"<td>{e(x)}</td>" for x in cells) + "</tr>")
        parts.append("</table>")
        spread = (
            _num(r.fire_spread_ms) + " ms" if r.fire_spread_ms is not None else (t["not_measured"])
        )
        parts.append(f"<p>{e(t['spread'])}: {e(spread)}</p>")
    else:
        parts.append(f"<p>{e(t['none'])}</p>")
    for key, lines in (("incidents", r.incidents), ("messages", r.messages)):
        parts.append(f"<h2>{e(t[key])}</h2>")
        if lines:
            parts.append(
                "<ul>"
                + "".join(f"<li>{_clock(x.wall, tz)} {e(x.text)}</li>" for x in lines)
                + "</ul>"
            )
        else:
            parts.append(f"<p>{e(t['none'])}</p>")
    parts.append(f"<h2>{e(t['recordings'])}</h2>")
    if r.recordings:
        parts.append(
            "<table width='100%'><tr>"
            + "".join(f"<th>{e(t[k])}</th>" for k in ("file", "length", "chapters", "sha256"))
            + "</tr>"
        )
        for rec in r.recordings:
            name = rec.path.rsplit("/", 1)[-1] + (f" ({rec.failed})" if rec.failed else "")
            cells = [name, _length(rec.duration_s), str(rec.chapters), rec.sha256]
            parts.append("<tr>" + "".join(f"<td>{e(x)}</td>" for x in cells) + "</tr>")
        parts.append("</table>")
    else:
        parts.append(f"<p>{e(t['no_recordings'])}</p>")
    if r.journal_problems:
        parts.append(
            f"<h2>{e(t['journal'])}</h2><ul>"
            + "".join(f"<li>{e(p)}</li>" for p in r.journal_problems)
            + "</ul>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_csv(r: AsRun, path: Path, lang: str) -> None:
    t = LABELS[lang]
    tz = r.sheet.ceremony.timezone
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow([t[k] for k in ITEM_COLUMNS])
        for i in r.items:
            w.writerow(
                [
                    i.index + 1,
                    i.title,
                    i.speaker,
                    i.place,
                    _clock(i.planned_start_wall, tz),
                    _clock(i.actual_start_wall, tz),
                    round(i.planned_s, 1),
                    round(i.actual_s, 1),
                    "" if i.over_s is None else round(i.over_s, 1),
                    i.status,
                ]
            )


def write_pdf(document_html: str, path: Path) -> None:
    """Qt lays the same HTML out on A4 pages (offscreen: no display needed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QPageSize, QPdfWriter, QTextDocument

    _app = QGuiApplication.instance() or QGuiApplication([])
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(150)
    doc = QTextDocument()
    doc.setHtml(document_html)
    doc.print_(writer)
    del _app


def write_report(journal: Path, out: Path, lang: str = "id") -> tuple[AsRun, list[Path]]:
    read = read_journal(journal)
    r = build(read.records, read.problems, read.truncated_tail)
    out.mkdir(parents=True, exist_ok=True)
    html_path, csv_path, pdf_path = out / "as-run.html", out / "as-run.csv", out / "as-run.pdf"
    document = render_html(r, lang)
    html_path.write_text(document, encoding="utf-8")
    write_csv(r, csv_path, lang)
    write_pdf(document, pdf_path)
    return r, [html_path, csv_path, pdf_path]
