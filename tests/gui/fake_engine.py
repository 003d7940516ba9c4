"""A fake studio engine that speaks the real operator link (the way Dangerzone tests its GUI
against a dummy backend): the real link server and socket, the core's own journaled sequencer
and a journal file, but a clock the test moves and venues the test describes. So the console's
tests depend on no real time and no aiortc peer."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

import msgspec

from ceremony import notes
from ceremony import operator as op
from ceremony import operator_link as link
from ceremony.countdown import MIN_LEAD_S, ArmState
from ceremony.journal import JournaledSequencer
from ceremony.runsheet import Runsheet, Source, SourceKind
from ceremony.runsheet.errors import RunsheetError
from ceremony.runsheet.yaml_io import dump_yaml, parse_yaml
from ceremony.sequencer.events import Refused
from ceremony.timebase import Now
from ceremony.wire import Tally
from media.journal_writer import JournalWriter
from media.operator_link.backend import Pictures, Shown
from media.operator_link.pictures import padded
from media.operator_link.server import LinkServer

T = TypeVar("T")
TOKEN = "f" * 43


def grey_i420(luma: int, width: int, height: int) -> bytes:
    """A flat grey picture: `luma` says which "frame" it is."""
    w, h = padded(width, height)
    return bytes([luma]) * (w * h) + bytes([128]) * (w * h // 2)


class FakeBackend:
    def __init__(self, sheet: Runsheet, journal: Path) -> None:
        self.sheet = sheet
        self.now = Now(1000.0, 1_780_000_000.0)
        self.writer = JournalWriter(journal, fsync=False)
        self.desk = JournaledSequencer(sheet, self.writer, self.now)
        self.journal = journal
        self.venue_fields: dict[str, dict[str, object]] = {}
        self.program = Source.studio()
        self.chosen_preview: str | None = None
        self.fire_at: float | None = None
        self.arm_state: ArmState | None = None
        self.frame_no = 0  # a new "picture" when it changes
        self.executed: list[op.OperatorCommand] = []
        self.shown_venues: frozenset[str] | None = None
        self.resumed: int | None = None  # as an engine restarted from its journal says
        self._notice: list[Callable[[link.Notice], None]] = []

    def advance(self, seconds: float) -> None:
        self.now = Now(self.now.mono + seconds, self.now.wall + seconds)

    # ---- LinkBackend ---------------------------------------------------------------------

    def session(self) -> tuple[str, str, bool, str, str]:
        return (self.sheet.ceremony.id, "run-1", False, dump_yaml(self.sheet), str(self.journal))

    def on_notice(self, callback: Callable[[link.Notice], None]) -> None:
        self._notice.append(callback)

    def resumed_part(self) -> int | None:
        return self.resumed

    def notice(self, notice: link.Notice) -> None:
        for callback in self._notice:
            callback(notice)

    def note(self, note: notes.Note) -> None:
        self.desk.note(note, self.now)

    def show_venues(self, venue_ids: frozenset[str]) -> None:
        self.shown_venues = venue_ids

    def execute(self, command: op.OperatorCommand) -> op.Result:
        self.executed.append(command)
        name = op.command_name(command)
        ids = [v.id for v in self.sheet.venues]
        match command:
            case op.Sequence(command=seq):
                for event in self.desk.apply(seq, self.now):
                    if isinstance(event, Refused):
                        self.notice(link.Notice(link.NoticeKind.REFUSED, f"Refused {event}"))
                        return op.Result.refused(name, op.RejectReason(event.reason.value), "")
                current = self.desk.sequencer.state.current
                if current is not None:
                    self.program = self.sheet.items[current].source
                return op.Result.accepted(name)
            case op.SetPreview(venue_id=vid) if vid is None or vid in ids:
                self.chosen_preview = vid
                return op.Result.accepted(name)
            case op.Take(venue_id=vid) if vid is None or vid in ids:
                self.program = Source.venue(vid) if vid else Source.studio()
                return op.Result.accepted(name)
            case op.ArmCountdown(lead_s=lead):
                if lead < MIN_LEAD_S:
                    detail = f"lead time {lead:g} s is under the minimum of {MIN_LEAD_S:g} s"
                    return op.Result.refused(name, op.RejectReason.COUNTDOWN, detail)
                self.fire_at, self.arm_state = self.now.mono + lead, ArmState.ARMED
                return op.Result.accepted(name, "arm 1")
            case op.AbortCountdown():
                self.arm_state = ArmState.ABORTED
                return op.Result.accepted(name)
            case op.StartRecording():
                return op.Result.refused(name, op.RejectReason.RECORDING, "no recording folder")
            case op.AddMarker(text=text):
                self.desk.note(notes.Marker(text=text), self.now)
                return op.Result.accepted(name)
            case op.ProtocolNote(text=text):
                self.desk.note(notes.ProtocolNote(text=text), self.now)
                return op.Result.accepted(name)
            case op.ReplaceRunsheet(yaml=text):
                try:
                    sheet = parse_yaml(text)
                except RunsheetError as exc:
                    return op.Result.refused(name, op.RejectReason.RUNSHEET, str(exc))
                if not sheet.same_venues(self.sheet):
                    detail = "the edited run-sheet has other venues: restart the studio with it"
                    return op.Result.refused(name, op.RejectReason.RUNSHEET, detail)
                self.desk.replace_runsheet(sheet, self.now)
                self.sheet = sheet
                return op.Result.accepted(name)
            case op.SendCue() | op.SendChat() | op.StopRecording():
                return op.Result.accepted(name)
        return op.Result.refused(name, op.RejectReason.UNKNOWN_VENUE, "no such venue")

    def preview(self, view_next: int | None) -> str | None:
        return op.preview_venue(self.chosen_preview, self.sheet, view_next)

    def console_state(self) -> link.ConsoleState:
        view = self.desk.sequencer.view(self.now)
        preview = self.preview(view.next)
        rows = []
        for venue in self.sheet.venues:
            fields: dict[str, object] = {
                "status": "invited",
                "rtt_ms": None,
                "video_fps": 0.0,
                "program_fps": 0.0,
                "latency_ms": None,
                "ready": False,
                "contact": "",
                "reconnects": 0,
                "audio_dbfs": None,
                "countdown_bound_ms": None,
                "countdown_error_ms": None,
                **self.venue_fields.get(venue.id, {}),
            }
            joined = fields["status"] == "joined"
            rows.append(
                msgspec.convert(
                    {
                        "id": venue.id,
                        "name": venue.name,
                        "tally": op.tally_for(venue.id, self.program, preview),
                        "countdown_state": self.arm_state if joined else None,
                        **fields,
                    },
                    link.VenueRow,
                )
            )
        return link.ConsoleState(
            now=self.now,
            view=view,
            venues=tuple(rows),
            countdown_fire_at=self.fire_at,
            countdown_flagged=(),
            preview=preview,
            manual_override=self.program.kind is SourceKind.VENUE
            and (view.current is None or self.sheet.items[view.current].source != self.program),
            journal_path=str(self.journal),
        )

    def pictures(self, sizes: dict[str, tuple[int, int]], shown: Shown) -> Pictures:
        view = self.desk.sequencer.view(self.now)
        keys = [*(v.id for v in self.sheet.venues), "program"]
        if self.preview(view.next) is not None:
            keys.append("preview")
        out: Pictures = {}
        for key in keys:
            if key not in sizes:
                continue
            size = sizes[key]
            if shown.get(key) == (self.frame_no, size):
                continue
            shown[key] = (self.frame_no, size)
            luma = self.frame_no % 256
            out[key] = (*size, functools.partial(grey_i420, luma, *size))
        return out


class FakeEngine:
    """The fake backend behind the real link server, on an event loop of its own thread."""

    def __init__(self, sheet: Runsheet, folder: Path) -> None:
        self.backend = FakeBackend(sheet, folder / "journal.jsonl")
        self._socket_dir = Path(tempfile.mkdtemp(prefix="fk", dir="/tmp"))  # a short path
        self.path = self._socket_dir / "engine.sock"
        self.token = TOKEN
        self.stopped = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server: LinkServer | None = None
        ready = threading.Event()
        self._done: asyncio.Event | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main(ready)), daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake engine did not start")

    async def _main(self, ready: threading.Event) -> None:
        self.loop = asyncio.get_running_loop()
        self._done = asyncio.Event()
        self.server = LinkServer(
            self.backend, self.path, self.token, stop=self.stopped.set, state_interval_s=0.05
        )
        await self.server.start()
        ready.set()
        await self._done.wait()
        await self.server.close()

    def call(self, fn: Callable[[FakeBackend], T]) -> T:
        """Run `fn(backend)` on the engine's loop (where the server reads it) and wait."""
        assert self.loop is not None

        async def run() -> T:
            return fn(self.backend)

        future: Future[T] = asyncio.run_coroutine_threadsafe(run(), self.loop)
        return future.result(5)

    def drop_clients(self) -> None:
        """Cut every console's link, as a crashed console or a lost socket would."""

        def drop(_b: FakeBackend) -> None:
            assert self.server is not None
            for client in list(self.server.clients.values()):
                client.writer.transport.abort()

        self.call(drop)

    def close(self) -> None:
        if self.loop is not None and self._done is not None:
            self.loop.call_soon_threadsafe(self._done.set)
        self.thread.join(10)
        self.backend.writer.close()
        with contextlib.suppress(OSError):
            self._socket_dir.rmdir()


def tally_of(state: link.ConsoleState, venue_id: str) -> Tally:
    return next(v.tally for v in state.venues if v.id == venue_id)
