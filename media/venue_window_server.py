"""The venue link's end of the window link: the crew's window attaches here, in another process.

`ceremony venue --headless --window-link` runs the link (the studio connection, the siren, the
fire reports) and serves its window on a Unix socket in the private control folder (0700, the
socket 0600, the first message carrying the 0600 token file's token: `ceremony.venue_window`).
A window that dies only detaches; the link goes on and a new window attaches again.

Each attached window gets the view (media/venue_view.py) at once on every change (coalesced:
the newest replaces what it has not read yet), what changed without an event within a quarter
of a second, and the program picture fitted to the size it asks for, as I420, made on a thread
of its own (not on the link's loop, which the countdown and the clock probes need), only while a
window asks for it. That thread
holds off while the firing thread asks every thread to keep quiet before zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
import msgspec

from ceremony import venue_window as vw
from ceremony import wire
from ceremony.operator_link import LinkRefusal, LinkRefused
from media.operator_link.framing import FrameError, frame, read_frame, socket_path
from media.operator_link.local_server import FrameSink, LocalSocketServer
from media.operator_link.pictures import i420_picture
from media.venue import LinkState, ProgramFrame, VenueLink
from media.venue_countdown import PARK_MAX_S
from media.venue_view import ViewKeeper

log = logging.getLogger(__name__)

STATE_INTERVAL_S = 0.25
PICTURE_FPS = 30.0  # at most; the program arrives at its own rate (15 fps here)
HELLO_TIMEOUT_S = 5.0
MAX_PICTURE_SIDE = 3840


def window_link_path(folder: Path, ceremony_id: str, venue_id: str) -> Path:
    """Where the link of this venue of this ceremony serves its window."""
    return socket_path(folder, vw.link_name(ceremony_id, venue_id))


class _Window(FrameSink):
    """One attached window: the newest state and picture it has not been sent (nothing queues)."""

    def __init__(self, name: str, writer: asyncio.StreamWriter) -> None:
        super().__init__(writer)
        self.name = name
        self.size = (0, 0)
        self.state: bytes | None = None
        self.picture: bytes | None = None

    def pending(self) -> list[bytes]:
        chunks = [c for c in (self.state, self.picture) if c is not None]
        self.state = self.picture = None
        return chunks


class VenueWindowServer:
    def __init__(
        self,
        link: VenueLink,
        path: Path,
        token: str,
        *,
        leave: Callable[[], None],
        state_interval_s: float = STATE_INTERVAL_S,
    ) -> None:
        self.link = link
        self.path = path
        self.token = token
        self.leave = leave  # a window's Leave: the link leaves and the process ends
        self.state_interval_s = state_interval_s
        self.keeper = ViewKeeper(lambda: link, self._changed)
        self.windows: set[_Window] = set()
        self._seq = 0
        self._sent_view: vw.VenueState | None = None  # the last view sent, without its seq
        self._frame: av.VideoFrame | None = None
        self._new_frame = asyncio.Event()
        self._quiet: threading.Event | None = None  # the firing thread's hold, until released
        self._socket = LocalSocketServer(path, self._session)
        self._tasks: list[asyncio.Task[None]] = []
        self._pictures = ThreadPoolExecutor(max_workers=1, thread_name_prefix="window-picture")
        link.subscribe(self._on_event)
        link.countdown.also_quiet.append(self._hold_pictures)

    async def start(self) -> None:
        """LinkBusyError: a link of the same venue of the same ceremony already runs here."""
        await self._socket.start()
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._state_loop(), name="window-state"),
            loop.create_task(self._picture_loop(), name="window-picture"),
        ]
        log.info("window link on %s", self.path)

    async def close(self, final: LinkState | None = None) -> None:
        """Stop serving; `final`: tell the windows the link ended on its own (not lost)."""
        if final is not None:
            self._push_state()
            ending = frame(vw.encode(vw.LinkEnding(final)))
            for window in list(self.windows):
                with contextlib.suppress(ConnectionError, OSError):
                    window.writer.write((window.state or b"") + ending)
                    window.state = None
                    await asyncio.wait_for(window.writer.drain(), 2.0)
        for window in list(self.windows):
            window.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._socket.close()
        self._pictures.shutdown(wait=False, cancel_futures=True)

    # ---- the link's side ----------------------------------------------------------------

    def _on_event(self, event: object) -> None:
        if isinstance(event, ProgramFrame):
            self._frame = event.frame
            self._new_frame.set()
            return
        self.keeper.on_event(event)

    def _changed(self) -> None:
        self._push_state()

    def _hold_pictures(self, released: threading.Event) -> None:
        """Firing thread, just before zero: the picture thread waits until it has fired."""
        self._quiet = released

    # ---- one window -----------------------------------------------------------------------

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = vw.decode_window(
                await asyncio.wait_for(read_frame(reader, vw.MAX_WINDOW_FRAME), HELLO_TIMEOUT_S)
            )
        except (TimeoutError, FrameError, msgspec.DecodeError) as exc:
            self._refuse(writer, LinkRefusal.PROTOCOL, str(exc))
            return
        if not isinstance(first, vw.WindowHello):
            self._refuse(writer, LinkRefusal.PROTOCOL, "the first message is WindowHello")
            return
        same = hmac.compare_digest(first.token.encode(), self.token.encode())
        refused = vw.check_hello(first, self.token, same=same)
        if refused is not None:
            log.warning("window link: %s refused (%s)", first.client, refused.reason.value)
            writer.write(frame(vw.encode(refused)))
            return
        window = _Window(first.client[:200], writer)
        invite = self.link.invite
        writer.write(
            frame(
                vw.encode(
                    vw.WindowWelcome(
                        invite.ceremony_id, invite.venue_id, invite.venue_name, os.getpid()
                    )
                )
            )
        )
        self.windows.add(window)
        log.info("window link: %s attached", window.name)
        writing = asyncio.get_running_loop().create_task(window.write_loop())
        self._push_state()  # the live state at once, not at the next tick
        try:
            while not window.closed:
                data = await read_frame(reader, vw.MAX_WINDOW_FRAME)
                try:
                    message = vw.decode_window(data)
                except msgspec.DecodeError as exc:
                    log.warning("window link: unreadable message from %s: %s", window.name, exc)
                    continue
                self._handle(window, message)
        except FrameError as exc:
            log.warning("window link: %s: %s", window.name, exc)
        finally:
            window.close()
            self.windows.discard(window)
            log.info("window link: %s detached (the link goes on)", window.name)
            writing.cancel()
            await asyncio.gather(writing, return_exceptions=True)

    def _refuse(self, writer: asyncio.StreamWriter, reason: LinkRefusal, detail: str) -> None:
        refused = LinkRefused(reason, detail, v=vw.WINDOW_LINK_VERSION)
        with contextlib.suppress(ConnectionError, OSError):
            writer.write(frame(vw.encode(refused)))

    def _handle(self, window: _Window, message: vw.WindowMessage) -> None:
        match message:
            case vw.SayChat(text=text):
                self.link.send(wire.Chat(text=text[: wire.MAX_TEXT]))
                self.keeper.add_chat(False, text)
            case vw.SetReady(ready=ready, contact=contact):
                self.link.set_ready(ready, contact[: wire.MAX_TEXT])
            case vw.ZeroShown(late_s=late_s):
                self.link.countdown.zero_screen_shown(late_s)
            case vw.WantPicture(width=w, height=h):
                window.size = (max(0, min(w, MAX_PICTURE_SIDE)), max(0, min(h, MAX_PICTURE_SIDE)))
                self._new_frame.set()  # the current picture at the new size
            case vw.Leave():
                log.info("window link: %s left: the link leaves the ceremony", window.name)
                self.leave()
            case vw.WindowHello():
                log.warning("window link: %s said hello twice", window.name)

    # ---- state and pictures -------------------------------------------------------------------

    def _view(self) -> vw.VenueState:
        return msgspec.structs.replace(
            self.keeper.view(), sound_problem=self.link.speaker.problem or ""
        )

    def _push_state(self, only_if_changed: bool = False) -> None:
        if not self.windows:
            return
        view = self._view()
        if only_if_changed and view == self._sent_view:
            return  # the periodic look found nothing new: no encode, no repaint in the window
        self._sent_view = view
        self._seq += 1
        data = frame(vw.encode(msgspec.structs.replace(view, seq=self._seq)))  # once for all
        for window in list(self.windows):
            window.state = data
            window.wake.set()

    async def _state_loop(self) -> None:
        """What changes without an event (the round trip, the clock bound, the speaker's
        problem) is looked at four times a second and sent only when it moved."""
        while True:
            await asyncio.sleep(self.state_interval_s)
            self._push_state(only_if_changed=True)

    async def _picture_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._new_frame.wait()
            self._new_frame.clear()
            frame_now = self._frame
            sizes = {w.size for w in self.windows if w.size[0] > 0 and w.size[1] > 0}
            if frame_now is None or not sizes:
                continue
            made = await loop.run_in_executor(self._pictures, self._make, frame_now, sizes)
            for window in list(self.windows):
                data = made.get(window.size)
                if data is not None and not window.closed:
                    window.picture = data
                    window.wake.set()
            await asyncio.sleep(1 / PICTURE_FPS)

    def _make(
        self, picture: av.VideoFrame, sizes: set[tuple[int, int]]
    ) -> dict[tuple[int, int], bytes]:
        """On the picture thread: the frame fitted into each asked size, framed for the link."""
        quiet = self._quiet
        if quiet is not None and not quiet.is_set():
            quiet.wait(PARK_MAX_S)  # the siren's last milliseconds: no conversion meanwhile
        made = {}
        for box in sizes:
            w, h = vw.fitted(picture.width, picture.height, *box)
            try:
                data = i420_picture(picture, w, h)
            except Exception:
                log.exception("window link: the program picture failed")
                continue
            made[box] = frame(vw.encode(vw.Picture(w, h, data)))
        return made
