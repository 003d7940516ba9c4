"""The engine's thread and its Qt bridge.

The studio engine (asyncio + aiortc) runs on its own thread with its own event loop, created
there (aiortc objects must live on the loop that runs them). The GUI never touches engine state
directly: commands go in with `call_soon_threadsafe`, and the engine thread publishes a complete
snapshot four times a second, and each new picture as a small thumbnail (up to 15 a second per
tile, converted on the engine thread only when the picture changed), through queued Qt signals. So a
busy GUI can never stall the network loop, and the countdown fires from its own thread anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from ceremony import operator
from ceremony.runsheet import Runsheet, Source
from ceremony.sequencer import View
from ceremony.sequencer import commands as cmd
from ceremony.sequencer.events import Event, Refused
from ceremony.timebase import Now
from media.clock import now as clock_now
from media.compositor import bgra_picture
from media.loop import quiet_teardown_errors
from media.studio import (
    ChatReceived,
    SequencerEvents,
    StudioEngine,
    StudioEvent,
)

if TYPE_CHECKING:
    import av  # frames are only passed through here; media/ converts them

log = logging.getLogger(__name__)

SNAPSHOT_INTERVAL_S = 0.25
TILE_FPS = 15.0  # the venues' camera rate: tiles show every picture that arrives
THUMB_SIZE = (192, 108)

T = TypeVar("T")


@dataclass(frozen=True)
class VenueRow:
    id: str
    name: str
    status: str
    rtt_ms: float | None
    video_fps: float
    program_fps: float
    latency_ms: float | None
    ready: bool
    contact: str
    reconnects: int
    audio_dbfs: float | None
    tally: str  # on_air / preview / standby
    countdown_state: str | None
    countdown_bound_ms: float | None
    countdown_error_ms: float | None
    sound_problem: str = ""  # the venue's speaker is silent, and why
    loss_in_pct: float | None = None  # the venue's camera reaching the studio
    loss_out_pct: float | None = None  # the program reaching the venue
    last_seen_s: float | None = None  # since the venue's last message


@dataclass(frozen=True)
class Snapshot:
    """Everything the console shows, taken on the engine thread at one instant."""

    now: Now
    view: View
    venues: tuple[VenueRow, ...]
    countdown_fire_at: float | None
    countdown_flagged: tuple[str, ...]
    device_problems: dict[str, str] = field(default_factory=dict)
    recording: dict[str, object] = field(default_factory=dict)
    preview: str | None = None  # the venue in preview: picked by the operator, else the next item's
    manual_override: bool = False  # the operator took a source outside the run-sheet
    journal_path: str = ""


class EngineHost(QObject):
    """Owns the engine thread. Signals arrive on the GUI thread (queued connections)."""

    # Notifications only: the data waits in `latest_snapshot()` / `latest_thumbnails()`, so a
    # slow GUI skips to the newest snapshot instead of queueing every one, and no Python objects
    # go through PySide's cross-thread marshalling.
    snapshot = Signal()
    thumbnails = Signal()
    message = Signal(str, str)  # kind ("event", "venue", "chat", "refused"), text
    started = Signal()
    failed = Signal(str)

    def __init__(
        self,
        make_engine: Callable[[], StudioEngine],
        *,
        after_start: Callable[[StudioEngine], Coroutine[Any, Any, None]] | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        """`make_engine` runs on the engine thread; `after_start` there too, as a task (the demo
        starts its venue processes and stand-in operator that way); `on_stop` at the end."""
        super().__init__()
        self._make_engine = make_engine
        self._after_start = after_start
        self._on_stop = on_stop
        self.engine: StudioEngine | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="engine", daemon=True)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._thumbs: dict[str, tuple[int, int, bytes]] = {}
        # Picture size per tile key, set by the GUI (a dict item assignment: atomic).
        self.picture_sizes: dict[str, tuple[int, int]] = {}
        self.shown_tiles: frozenset[str] | None = None  # None: every venue's tile is shown

    def latest_snapshot(self) -> Snapshot | None:
        with self._lock:
            return self._snapshot

    def latest_thumbnails(self) -> dict[str, tuple[int, int, bytes]]:
        with self._lock:
            thumbs, self._thumbs = self._thumbs, {}
            return thumbs

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def wait_started(self, timeout: float = 10.0) -> bool:
        return self._ready.wait(timeout)

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the engine and wait for its thread; False if it did not finish in time."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)  # (closed: the engine failed)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("the engine thread did not stop within %.0f s", timeout)
            return False
        return True

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # the console must show why, not die silently
            log.exception("engine thread failed")
            self.failed.emit(str(exc))
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        engine = self._make_engine()
        self.engine = engine
        engine.subscribe(self._on_event)
        quiet_teardown_errors(asyncio.get_running_loop())
        await engine.start()
        self._ready.set()
        self.started.emit()
        extra = (
            asyncio.get_running_loop().create_task(self._after_start(engine))
            if self._after_start
            else None
        )
        tiles = asyncio.get_running_loop().create_task(self._tiles(engine), name="tiles")
        try:
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=SNAPSHOT_INTERVAL_S)
                snap = self._take_snapshot(engine)
                with self._lock:
                    self._snapshot = snap
                self.snapshot.emit()
        finally:
            tiles.cancel()
            await asyncio.gather(tiles, return_exceptions=True)
            if extra is not None:
                extra.cancel()
                await asyncio.gather(extra, return_exceptions=True)
            if self._on_stop is not None:
                self._on_stop()
            await engine.stop()

    # ---- commands in (from the GUI thread) ---------------------------------------------

    def call(self, fn: Callable[[StudioEngine], T]) -> Future[T]:
        """Run `fn(engine)` on the engine thread; the future carries its result or error."""
        if self._loop is None or self.engine is None:
            raise RuntimeError("the engine is not running")
        engine = self.engine

        async def run() -> T:
            return fn(engine)

        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    def when_done(self, future: Future[T], on_done: Callable[[Future[T]], None]) -> None:
        """`on_done(future)` on the GUI thread once the engine has answered; never blocks.

        Polled (every 20 ms) rather than signalled, so no Python object crosses threads
        through Qt."""
        timer = QTimer(self)
        timer.setInterval(20)

        def check() -> None:
            if future.done():
                timer.stop()
                timer.deleteLater()
                on_done(future)

        timer.timeout.connect(check)
        timer.start()

    # The console's whole vocabulary towards the engine: named, so that it is one list to
    # check against the engine (and to carry over a process boundary later).

    def command(self, command: cmd.Command) -> Future[list[Event]]:
        return self.call(lambda e: e.command(command))

    def preview(self, venue_id: str | None) -> Future[None]:
        return self.call(lambda e: e.preview(venue_id))

    def take(self, source: Source) -> Future[None]:
        return self.call(lambda e: e.take(source))

    def show_venues(self, venue_ids: frozenset[str]) -> Future[None]:
        """The venues whose tiles are on screen: only their thumbnails are made, and through
        an SFU only they are taken."""
        self.shown_tiles = venue_ids
        return self.call(lambda e: e.show_venues(venue_ids))

    def arm_countdown(self, lead_s: float) -> Future[int]:
        return self.call(lambda e: e.arm_countdown(lead_s))

    def abort_countdown(self) -> Future[int | None]:
        return self.call(lambda e: e.abort_countdown())

    def cue(self, text: str, venue_id: str | None) -> Future[int]:
        return self.call(lambda e: e.cue(text, venue_id))

    def chat(self, venue_id: str, text: str) -> Future[None]:
        return self.call(lambda e: e.chat(venue_id, text))

    def start_recording(self) -> Future[bool]:
        return self.call(lambda e: e.start_recording())

    def stop_recording(self) -> Future[None]:
        return self.call(lambda e: e.stop_recording())

    def marker(self, text: str) -> Future[None]:
        return self.call(lambda e: e.marker(text))

    def protocol_note(self, text: str) -> Future[None]:
        return self.call(lambda e: e.protocol_note(text))

    def replace_runsheet(self, sheet: Runsheet) -> Future[None]:
        return self.call(lambda e: e.replace_runsheet(sheet))

    # ---- events out (on the engine thread) ---------------------------------------------

    def _on_event(self, event: StudioEvent) -> None:
        # Only what the console says at once; everything else reaches it in the snapshot and
        # in the journal's tail.
        match event:
            case SequencerEvents(events=events):
                for e in events:
                    if isinstance(e, Refused):
                        self.message.emit("refused", describe_event(e))
            case ChatReceived(venue_id=vid, text=text):
                self.message.emit("chat", f"{vid}: {text}")
            case _:
                pass

    @staticmethod
    def _take_snapshot(engine: StudioEngine) -> Snapshot:
        now = clock_now()
        seq = engine.desk.sequencer
        view = seq.view(now)
        snap = engine.snapshot()
        cd = engine.countdown
        rows = []
        by_id: dict[str, Any] = {v["id"]: v for v in snap["venues"]}  # type: ignore[attr-defined]
        on_air = engine.program_source
        preview = operator.preview_venue(engine.preview_venue, engine.sheet, view.next)
        for vid, record in engine.venues.items():
            v = by_id[vid]
            arm = cd.venues.get(vid)
            tally = operator.tally_for(vid, on_air, preview).value  # the rule the venues get
            error = (
                (arm.fired_true - cd.fire_at) * 1000
                if arm and arm.fired_true is not None and cd.fire_at is not None
                else None
            )
            rows.append(
                VenueRow(
                    id=vid,
                    name=record.venue.name,
                    status=record.status.value,
                    rtt_ms=v["rtt_ms"],
                    video_fps=v["video_fps_at_studio"],
                    program_fps=v["program_fps_at_venue"],
                    latency_ms=v["latency_p50_ms"],
                    ready=record.ready,
                    contact=record.contact,
                    reconnects=record.reconnects,
                    audio_dbfs=v["audio_rms_dbfs"],
                    tally=tally,
                    countdown_state=arm.state.value if arm and arm.state else None,
                    countdown_bound_ms=arm.bound_s * 1000 if arm and arm.bound_s else None,
                    countdown_error_ms=error,
                    sound_problem=str(v["sound_problem"]),
                    loss_in_pct=v["loss_in_pct"],
                    loss_out_pct=v["loss_out_pct"],
                    last_seen_s=v["last_seen_s"],
                )
            )
        return Snapshot(
            now=now,
            view=view,
            venues=tuple(rows),
            countdown_fire_at=cd.fire_at,
            countdown_flagged=tuple(cd.flagged()),
            device_problems=dict(engine.device_problems),
            recording=engine.recording_health(),
            preview=preview,
            manual_override=engine.manual_override,
            journal_path=str(engine.journal_path),
        )

    def set_picture_size(self, key: str, width: int, height: int) -> None:
        """GUI thread: the size tile `key` draws its picture at (pictures come at that size)."""
        self.picture_sizes[key] = (width, height)

    async def _tiles(self, engine: StudioEngine) -> None:
        shown: dict[str, tuple[av.VideoFrame, tuple[int, int]]] = {}  # what each tile shows
        failed = False
        while True:
            await asyncio.sleep(1 / TILE_FPS)
            with self._lock:
                preview = self._snapshot.preview if self._snapshot else None
            try:
                thumbs = self._take_thumbnails(
                    engine, preview, shown, dict(self.picture_sizes), self.shown_tiles
                )
            except Exception:  # one bad picture must not freeze every tile for the day
                if not failed:
                    log.exception("tile pictures failed (logged once)")
                failed = True
                continue
            if thumbs:
                with self._lock:
                    self._thumbs.update(thumbs)
                self.thumbnails.emit()

    @staticmethod
    def _take_thumbnails(
        engine: StudioEngine,
        preview: str | None,
        shown: dict[str, tuple[av.VideoFrame, tuple[int, int]]],
        sizes: dict[str, tuple[int, int]],
        tiles: frozenset[str] | None = None,
    ) -> dict[str, tuple[int, int, bytes]]:
        """Pictures (BGRA, at each tile's size) of the venues whose tiles are shown (`tiles`;
        None: all), the program and the preview that changed since `shown` (engine thread);
        `shown` is updated."""
        wanted: list[tuple[str, av.VideoFrame | None]] = [
            (vid, r.conn.latest_video if r.conn else None)
            for vid, r in engine.venues.items()
            if tiles is None or vid in tiles
        ]
        preview_record = engine.venues.get(preview) if preview else None
        if preview_record is not None and preview_record.conn is not None:
            wanted.append(("preview", preview_record.conn.latest_video))
        wanted.append(("program", engine.bus.last_frame))
        out: dict[str, tuple[int, int, bytes]] = {}
        for key, frame in wanted:
            size = sizes.get(key, THUMB_SIZE)
            before = shown.get(key)
            if frame is None or (before is not None and before[0] is frame and before[1] == size):
                continue
            shown[key] = (frame, size)
            out[key] = (*size, bgra_picture(frame, *size))
        return out


def describe_event(event: Event) -> str:
    name = type(event).__name__
    fields = {k: getattr(event, k) for k in event.__struct_fields__}
    return f"{name} " + ", ".join(f"{k}={v}" for k, v in fields.items())
