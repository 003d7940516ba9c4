"""The console's way to the studio engine, as Qt signals and a named vocabulary.

`ConsoleHost` is what the console window sees: the newest state (`latest_snapshot()`), the
newest pictures (`latest_thumbnails()`), notifications as signals, and one method per operator
command, each answering with a typed `ceremony.operator.Result` in a future. Two hosts speak it:

- `LinkHost`: the studio engine is its own process (`ceremony studio --headless`) and this
  console is a client of its operator link (a Unix socket only the machine's owner reaches).
  Closing or killing the console leaves the engine running; the host re-attaches by itself.
- `EngineHost`: the engine on a thread of this process, for the demo and the screenshots,
  through the same backend (commands through the remote desk, state and pictures built by
  `media.operator_link.backend`).

No Python object crosses threads through Qt: signals only notify, and the data waits under a
lock for the GUI thread to take the newest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from ceremony import operator as op
from ceremony import operator_link as link
from ceremony.runsheet import Runsheet, Source, SourceKind
from ceremony.runsheet.errors import RunsheetError
from ceremony.runsheet.yaml_io import dump_yaml, parse_yaml
from ceremony.sequencer import commands as cmd
from media.loop import quiet_teardown_errors
from media.operator_link.backend import THUMB_SIZE, EngineBackend, Shown
from media.operator_link.client import LinkClient, LinkError
from media.operator_link.pictures import bgra_into
from media.studio import StudioEngine
from ui.widgets import words

log = logging.getLogger(__name__)

SNAPSHOT_INTERVAL_S = 0.25
TILE_FPS = 15.0  # the venues' camera rate: tiles show every picture that arrives
RECONNECT_S = 0.5

# What the window shows: the link's typed state (the same struct in both hosts).
Snapshot = link.ConsoleState
VenueRow = link.VenueRow

T = TypeVar("T")


def tile_image(i420: bytes, width: int, height: int) -> QImage:
    """A tile's picture as a Qt image that owns its pixels, converted into them directly (one
    copy, off the GUI thread: a QImage is plain data, made on any thread). Not QImage over a
    Python buffer: in PySide6 6.12 such images corrupted a reference count (ui/widgets/tiles)."""
    image = QImage(max(1, width), max(1, height), QImage.Format.Format_RGB32)
    pixels = np.frombuffer(memoryview(image.bits()).cast("B"), dtype=np.uint8)
    bgra_into(i420, width, height, pixels.reshape(image.height(), image.bytesPerLine()))
    return image


def client_name() -> str:
    return f"console on {socket.gethostname()} (pid {os.getpid()})"


class ConsoleHost(QObject):
    """Signals arrive on the GUI thread (queued connections)."""

    # Notifications only: the data waits in `latest_snapshot()` / `latest_thumbnails()`, so a
    # slow GUI skips to the newest snapshot instead of queueing every one.
    snapshot = Signal()
    thumbnails = Signal()
    message = Signal(str, str)  # kind ("venue", "chat", "refused", "link"), text
    started = Signal()  # the engine is there (attached, for a client)
    failed = Signal(str)
    control = Signal()  # who holds control changed
    detached = Signal(str)  # the link to the engine ended (it may come back)
    ended = Signal()  # the engine was stopped on purpose: the console closes

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._thumbs: dict[str, QImage] = {}
        self.picture_sizes: dict[str, tuple[int, int]] = {}
        self.client_id: int | None = None  # None: the engine is in this process
        self.shown_tiles: frozenset[str] | None = None  # None: every venue's tile is shown

    # ---- what the window reads ---------------------------------------------------------

    def latest_snapshot(self) -> Snapshot | None:
        with self._lock:
            return self._snapshot

    def latest_thumbnails(self) -> dict[str, QImage]:
        with self._lock:
            thumbs, self._thumbs = self._thumbs, {}
            return thumbs

    @property
    def remote(self) -> bool:
        """The engine runs in another process (closing this window does not stop it)."""
        return self.client_id is not None

    @property
    def in_control(self) -> bool:
        snap = self.latest_snapshot()
        if self.client_id is None:
            return True
        return snap is not None and snap.controller == self.client_id

    def _publish(self, snap: Snapshot) -> None:
        with self._lock:
            self._snapshot = snap
        self.snapshot.emit()

    def _publish_pictures(self, pictures: dict[str, QImage]) -> None:
        with self._lock:
            self._thumbs.update(pictures)
        self.thumbnails.emit()

    # ---- lifecycle ---------------------------------------------------------------------

    # Each host runs an asyncio loop on a thread of its own (`_run`, set up by the subclass):
    # `_ready` is set once it can take commands, `_stop` asks the loop to finish.
    _thread: threading.Thread
    _ready: threading.Event
    _loop: asyncio.AbstractEventLoop | None
    _stop: asyncio.Event | None

    def start(self) -> None:
        self._thread.start()

    def wait_started(self, timeout: float = 10.0) -> bool:
        return self._ready.wait(timeout)

    def stop(self, timeout: float = 60.0) -> bool:
        """Ask the loop to finish and wait for its thread; False if it did not in time."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # (closed: the loop already failed)
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("the %s thread did not stop within %.0f s", self._thread.name, timeout)
            return False
        return True

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

    # ---- the vocabulary: one name per command, each answered by a typed Result ------------

    def execute(self, command: op.OperatorCommand) -> Future[op.Result]:
        raise NotImplementedError

    def command(self, command: cmd.Command) -> Future[op.Result]:
        return self.execute(op.Sequence(command))

    def preview(self, venue_id: str | None) -> Future[op.Result]:
        return self.execute(op.SetPreview(venue_id))

    def take(self, source: Source) -> Future[op.Result]:
        return self.execute(op.Take(source.ref if source.kind is SourceKind.VENUE else None))

    def show_venues(self, venue_ids: frozenset[str]) -> None:
        """The venues whose tiles are on screen (the multiviewer's page): only their pictures
        are made, and through an SFU only they are taken."""
        self.shown_tiles = venue_ids

    def arm_countdown(self, lead_s: float) -> Future[op.Result]:
        return self.execute(op.ArmCountdown(lead_s))

    def abort_countdown(self) -> Future[op.Result]:
        return self.execute(op.AbortCountdown())

    def cue(self, text: str, venue_id: str | None) -> Future[op.Result]:
        return self.execute(op.SendCue(text, venue_id))

    def chat(self, venue_id: str, text: str) -> Future[op.Result]:
        return self.execute(op.SendChat(venue_id, text))

    def start_recording(self) -> Future[op.Result]:
        return self.execute(op.StartRecording())

    def stop_recording(self) -> Future[op.Result]:
        return self.execute(op.StopRecording())

    def marker(self, text: str) -> Future[op.Result]:
        return self.execute(op.AddMarker(text))

    def protocol_note(self, text: str) -> Future[op.Result]:
        return self.execute(op.ProtocolNote(text))

    def replace_runsheet(self, sheet: Runsheet) -> Future[op.Result]:
        return self.execute(op.ReplaceRunsheet(dump_yaml(sheet)))

    def take_control(self) -> None:
        """Take control from the console holding it (a client only; journaled)."""

    def stop_engine(self) -> Future[op.Result]:
        """End the run and stop the engine."""
        raise NotImplementedError

    def set_picture_size(self, key: str, width: int, height: int) -> None:
        """GUI thread: the size tile `key` draws its picture at (pictures come at that size)."""
        self.picture_sizes[key] = (width, height)

    def _said(self, command: op.OperatorCommand, result: op.Result) -> None:
        """A refusal is said at once; the sequencer's own come as notices (from any surface),
        and an edited run-sheet's by the window that saved it (one line, not two racing)."""
        sequencer_refusal = isinstance(command, op.Sequence) and (
            result.reason is not op.RejectReason.NOT_IN_CONTROL
        )
        said_by_caller = isinstance(command, op.ReplaceRunsheet)
        if (
            not result.ok
            and not sequencer_refusal
            and not said_by_caller
            and result.reason is not None
        ):
            reason = words.reject_reason(result.reason)
            self.message.emit("refused", f"{reason}: {result.detail}" if result.detail else reason)


class LinkHost(ConsoleHost):
    """A console attached to the engine process over its operator link (a thread of its own
    runs the link's small event loop; the engine's loop is in the other process)."""

    def __init__(
        self, path: Path, token: str, *, want_control: bool = True, name: str | None = None
    ) -> None:
        super().__init__()
        self.path = path
        self.token = token
        self.want_control = want_control
        self.name = name or client_name()
        self.welcome: link.Welcome | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: LinkClient | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._ending = False  # the engine said it stops on purpose
        self._venue_ids: list[str] = []
        self._thread = threading.Thread(target=self._run, name="operator-link", daemon=True)

    def stop(self, timeout: float = 10.0) -> bool:
        """Detach (the engine keeps running)."""
        return super().stop(timeout)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:
            log.exception("operator link thread failed")
            self.failed.emit(str(exc))

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        quiet_teardown_errors(self._loop)
        stopping = asyncio.ensure_future(self._stop.wait())
        attached_once = False
        while not self._stop.is_set():
            try:
                client = await LinkClient.connect(
                    self.path, self.token, self.name, want_control=self.want_control
                )
            except LinkError as exc:
                if exc.reason is not None:  # refused: trying again changes nothing
                    self.failed.emit(str(exc))
                    self._ready.set()  # (without a welcome: the caller sees it failed)
                    return
                client = None
            except OSError:
                client = None
            if client is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(stopping), RECONNECT_S)
                continue
            self._attached(client)
            if not attached_once:
                attached_once = True
                self._ready.set()
                self.started.emit()
            else:
                self.message.emit("link", "attached")
            reading = asyncio.ensure_future(client.run())
            await asyncio.wait([reading, stopping], return_when=asyncio.FIRST_COMPLETED)
            self._client = None
            await client.close()
            reading.cancel()
            await asyncio.gather(reading, return_exceptions=True)
            if self._stop.is_set():
                break
            if self._ending:
                self.ended.emit()
                break
            self.detached.emit("the link to the studio engine ended: attaching again")
        stopping.cancel()

    def _attached(self, client: LinkClient) -> None:
        self._client = client
        self.welcome = client.welcome
        self.client_id = client.client_id
        log.info(
            "attached to the studio engine (pid %d) as client %d, %s",
            client.welcome.engine_pid,
            client.client_id,
            "in control" if client.in_control else "watching",
        )
        with contextlib.suppress(RunsheetError):
            self._venue_ids = [v.id for v in parse_yaml(client.welcome.runsheet_yaml).venues]
        client.on_state = self._publish
        # The engine sends I420; the window draws Qt images: converted here, on the link's
        # thread, straight into each image's own pixels.
        client.on_tiles = lambda tiles: self._publish_pictures(
            {t.key: tile_image(t.i420, t.width, t.height) for t in tiles.tiles}
        )
        client.on_notice = self._notice
        client.on_control = lambda _c: self.control.emit()
        client.want_tiles(self._wanted())

    def _wanted(self) -> dict[str, tuple[int, int]]:
        sizes: dict[str, tuple[int, int]] = {"program": THUMB_SIZE, "preview": THUMB_SIZE}
        tiles = self.shown_tiles
        for venue_id in self._venue_ids:
            if tiles is None or venue_id in tiles:
                sizes[venue_id] = THUMB_SIZE
        sizes.update((k, v) for k, v in self.picture_sizes.items() if k in sizes)
        return sizes

    def _notice(self, notice: link.Notice) -> None:
        if notice.kind is link.NoticeKind.ENGINE_STOPPING:
            self._ending = True
        self.message.emit(notice.kind.value, notice.text)

    def _on_loop(self, fn: Callable[[LinkClient], None]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def run() -> None:
            if self._client is not None:
                with contextlib.suppress(LinkError, OSError):
                    fn(self._client)

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(run)

    def _ask(
        self, make: Callable[[LinkClient], Coroutine[Any, Any, op.Result]]
    ) -> Future[op.Result]:
        loop = self._loop
        if loop is None or loop.is_closed():
            failed: Future[op.Result] = Future()
            failed.set_exception(LinkError("not attached to the studio engine"))
            return failed

        async def run() -> op.Result:
            if self._client is None:
                raise LinkError("not attached to the studio engine")
            return await make(self._client)

        return asyncio.run_coroutine_threadsafe(run(), loop)

    def execute(self, command: op.OperatorCommand) -> Future[op.Result]:
        future = self._ask(lambda c: c.request(command))
        future.add_done_callback(
            lambda f: (
                self._said(command, f.result())
                if not f.cancelled() and f.exception() is None
                else None
            )
        )
        return future

    def take_control(self) -> None:
        self._on_loop(lambda c: c.take_control())

    def stop_engine(self) -> Future[op.Result]:
        return self._ask(lambda c: c.stop_engine())

    def set_picture_size(self, key: str, width: int, height: int) -> None:
        super().set_picture_size(key, width, height)
        sizes = self._wanted()
        self._on_loop(lambda c: c.want_tiles(sizes))

    def show_venues(self, venue_ids: frozenset[str]) -> None:
        """The engine learns the page from the tiles this console asks for (`want_tiles`)."""
        super().show_venues(venue_ids)
        sizes = self._wanted()
        self._on_loop(lambda c: c.want_tiles(sizes))


class EngineHost(ConsoleHost):
    """The engine on a thread of this process (the demo and the screenshots run it so)."""

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
        self.backend: EngineBackend | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="engine", daemon=True)

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
        backend = EngineBackend(engine)
        self.backend = backend
        backend.on_notice(lambda n: self.message.emit(n.kind.value, n.text))
        quiet_teardown_errors(asyncio.get_running_loop())
        await engine.start()
        self._ready.set()
        self.started.emit()
        extra = (
            asyncio.get_running_loop().create_task(self._after_start(engine))
            if self._after_start
            else None
        )
        tiles = asyncio.get_running_loop().create_task(self._tiles(backend), name="tiles")
        try:
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=SNAPSHOT_INTERVAL_S)
                self._publish(backend.console_state())
        finally:
            tiles.cancel()
            await asyncio.gather(tiles, return_exceptions=True)
            if extra is not None:
                extra.cancel()
                await asyncio.gather(extra, return_exceptions=True)
            if self._on_stop is not None:
                self._on_stop()
            backend.desk.close()
            await engine.stop()

    def call(self, fn: Callable[[StudioEngine], T]) -> Future[T]:
        """Run `fn(engine)` on the engine thread; the future carries its result or error."""
        if self._loop is None or self.engine is None:
            raise RuntimeError("the engine is not running")
        engine = self.engine

        async def run() -> T:
            return fn(engine)

        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    def execute(self, command: op.OperatorCommand) -> Future[op.Result]:
        backend = self.backend
        if backend is None:
            raise RuntimeError("the engine is not running")
        future = self.call(lambda _e: backend.execute(command))
        future.add_done_callback(
            lambda f: (
                self._said(command, f.result())
                if not f.cancelled() and f.exception() is None
                else None
            )
        )
        return future

    def show_venues(self, venue_ids: frozenset[str]) -> None:
        super().show_venues(venue_ids)
        if self._loop is not None and self.engine is not None:
            self.call(lambda e: e.show_venues(venue_ids))

    def stop_engine(self) -> Future[op.Result]:
        done: Future[op.Result] = Future()
        done.set_result(op.Result.accepted("stop_engine"))
        self.ended.emit()
        return done

    async def _tiles(self, backend: EngineBackend) -> None:
        shown: Shown = {}  # what each tile shows
        failed = False
        while True:
            await asyncio.sleep(1 / TILE_FPS)
            tiles = self.shown_tiles
            venues = [v for v in backend.engine.venues if tiles is None or v in tiles]
            sizes = {key: THUMB_SIZE for key in (*venues, "program", "preview")}
            sizes.update(
                (k, v) for k, v in list(self.picture_sizes.items()) if k in sizes
            )  # (a copy: atomic enough for sizes)
            try:  # (the engine in this process: made here, as before the link existed)
                thumbs = {
                    key: tile_image(make(), w, h)
                    for key, (w, h, make) in backend.pictures(sizes, shown).items()
                }
            except Exception:  # one bad picture must not freeze every tile for the day
                if not failed:
                    log.exception("tile pictures failed (logged once)")
                failed = True
                continue
            if thumbs:
                self._publish_pictures(thumbs)
