"""Run a run-sheet through the journaled sequencer alone, with a stand-in operator.

The operator presses GO when an item that waits on hold has used up its time; this is how the
headless demo shows the sequencer working without any media.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ceremony.journal import JournaledSequencer
from ceremony.runsheet import EndAction, Runsheet
from ceremony.sequencer import Status
from ceremony.sequencer import commands as cmd
from ceremony.sequencer.events import Event, ItemStarted, PhaseChanged
from ceremony.timebase import format_wall
from media import clock
from media.journal_writer import JournalWriter

log = logging.getLogger(__name__)


@dataclass
class RehearsalResult:
    journal: Path
    report: Path
    duration_s: float


def describe(sheet: Runsheet, event: Event) -> str | None:
    if isinstance(event, ItemStarted):
        item = sheet.items[event.index]
        who = f" — {item.speaker.name}" if item.speaker else ""
        return f"▶ {event.index + 1}/{len(sheet.items)} {item.title}{who} [{item.source}]"
    if isinstance(event, PhaseChanged):
        return f"  timer: {event.phase.value}"
    return None


def run(
    sheet: Runsheet, duration_s: float, out: Path, stream: TextIO = sys.stdout
) -> RehearsalResult:
    compressed = sheet.scaled(duration_s)
    out.mkdir(parents=True, exist_ok=True)
    journal_path = out / "journal.jsonl"
    journal_path.unlink(missing_ok=True)
    writer = JournalWriter(journal_path)
    start = clock.now()
    desk = JournaledSequencer(compressed, writer, start)
    tz = compressed.ceremony.timezone
    print(
        f"{compressed.ceremony.title}: {len(compressed.items)} items in {duration_s:.0f} s",
        file=stream,
    )

    def show(events: list[Event]) -> None:
        for e in events:
            line = describe(compressed, e)
            if line:
                print(f"{format_wall(clock.now().wall, tz)} {line}", file=stream, flush=True)

    show(desk.apply(cmd.Go(), start))
    seq = desk.sequencer
    while seq.state.status is not Status.ENDED:
        time.sleep(0.05)
        now = clock.now()
        show(desk.tick(now))
        cur = seq.state.current
        if cur is not None and seq.state.status is Status.RUNNING:
            item = compressed.items[cur]
            if item.end_action is EndAction.HOLD and seq.remaining(now) <= 0:
                show(desk.apply(cmd.Go(), now))
    end = clock.now()
    writer.close()
    view = seq.view(end)
    report = out / "report.json"
    report.write_text(
        json.dumps(
            {
                "duration_s": round(end.mono - start.mono, 3),
                "items": [
                    {
                        "title": compressed.items[r.index].title,
                        "source": str(compressed.items[r.index].source),
                        "planned_s": round(r.planned_s, 3),
                        "actual_s": round(r.ran_s, 3),
                    }
                    for r in view.rows
                ],
            },
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    print(
        f"done in {end.mono - start.mono:.1f} s; journal {journal_path}, report {report}",
        file=stream,
    )
    return RehearsalResult(journal_path, report, end.mono - start.mono)
