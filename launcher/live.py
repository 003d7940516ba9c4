"""Headless front ends of the live session: `ceremony studio --headless` and `ceremony venue
--headless`. The GUIs drive the same engines."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

import av
from aiortc.mediastreams import MediaStreamTrack

from ceremony import wire
from ceremony.invite import Invite, InviteError, parse_invite
from ceremony.resume import RunState
from ceremony.runs import RunInfo
from ceremony.runsheet import EndAction, ItemKind, Runsheet
from ceremony.sequencer import Status
from ceremony.sequencer import commands as cmd
from launcher.messages import Failure, say
from launcher.runs import Run, StartupError, explain_bind_error
from launcher.venue_lines import VenueLines
from media import clock
from media.devices import CameraSource, DeviceError, MicrophoneSource
from media.ice import pin_host_addresses
from media.loop import quiet_teardown_errors
from media.mixer import AudioSourceBuffer, BufferedAudioTrack
from media.operator_link.framing import LinkBusyError
from media.program import EncodedSourceTrack, VideoFormat
from media.remote.endpoint import load_token
from media.sources import TestPattern, ToneTrack
from media.venue import (
    UNREACHABLE_AFTER,
    LinkState,
    LinkStateChanged,
    MessageReceived,
    StudioUnreachable,
    VenueConfig,
    VenueEvent,
    VenueLink,
)
from media.venue_window_server import VenueWindowServer, window_link_path

if TYPE_CHECKING:  # studio side: imported where used, so a venue does not load it at start
    from media.remote.service import RemoteConfig
    from media.studio import StudioConfig, StudioEngine

log = logging.getLogger(__name__)

VENUE_VIDEO_BITRATE = 300_000
CONFIRM_WINDOW_S = 3.0  # a second Ctrl+C within this ends a live ceremony


def invite_text(text_or_path: str) -> str:
    """An invite string as given, or the text of the file that holds one."""
    candidate = Path(text_or_path)
    if not text_or_path.startswith("CEREMONY") and candidate.exists():
        return candidate.read_text(encoding="utf-8")
    return text_or_path


def read_invite(text_or_path: str) -> Invite:
    """An invite string, or the path of a file holding one."""
    return parse_invite(invite_text(text_or_path))


def make_studio_engine(
    sheet: Runsheet,
    data_dir: Path,
    journal: Path,
    config: StudioConfig,
    run: RunInfo | None = None,
    *,
    resume: RunState | None = None,
) -> StudioEngine:
    """The studio engine with its identity (created on first run) in `data_dir`; `resume`:
    an interrupted run's state, taken over (ceremony/resume.py)."""
    from media.identity import ensure_identity
    from media.studio import StudioEngine

    identity = ensure_identity(data_dir, [config.host])
    return StudioEngine(sheet, identity, config, journal, run, resume=resume)


async def serve_remote(engine: StudioEngine, config: RemoteConfig) -> None:
    """The engine's remote-control surfaces, for as long as this task runs."""
    from media.remote.service import RemoteControl

    remote = RemoteControl(engine, config)
    try:
        await remote.start()
        if remote.http is not None:
            print(
                f"control API on http://{config.http[0] if config.http else ''}:{remote.http.port}"
                f"/api — speaker timer: /timer?token=… (`ceremony ctl token`)",
                flush=True,
            )
        await asyncio.Event().wait()
    finally:
        await remote.stop()


def install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    quiet_teardown_errors(loop)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


class KeyboardStop:
    """SIGTERM stops at once (a service manager, the demo, a shutdown). Ctrl+C stops a
    rehearsal at once, but the live ceremony only on a second Ctrl+C within `window_s`: one
    stray key press must not end it for every venue."""

    def __init__(
        self,
        stop: asyncio.Event,
        *,
        confirm: bool,
        warn: Callable[[], None],
        window_s: float = CONFIRM_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stop = stop
        self.confirm = confirm
        self.warn = warn
        self.window_s = window_s
        self.clock = clock
        self._first: float | None = None

    def interrupt(self) -> None:
        now = self.clock()
        if not self.confirm or (self._first is not None and now - self._first <= self.window_s):
            self.stop.set()
            return
        self._first = now
        self.warn()

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        quiet_teardown_errors(loop)
        loop.add_signal_handler(signal.SIGINT, self.interrupt)
        loop.add_signal_handler(signal.SIGTERM, self.stop.set)


class StandInOperator:
    """Presses GO when an item that waits on hold has used its time, and arms the countdown
    when its item starts (rehearsals, demo)."""

    def __init__(self, engine: StudioEngine, countdown_lead_s: float = 5.0) -> None:
        self.engine = engine
        self.lead_s = countdown_lead_s
        # A resumed run whose countdown was armed: not armed a second time.
        self._armed_for: int | None = (
            engine.desk.sequencer.state.current if engine.countdown.fire_at is not None else None
        )

    def step(self) -> None:
        seq = self.engine.desk.sequencer
        st = seq.state
        if st.status is Status.READY:
            self.engine.command(cmd.Go())
            return
        if st.status is not Status.RUNNING or st.current is None:
            return
        item = seq.sheet.items[st.current]
        if item.kind is ItemKind.COUNTDOWN:
            if self._armed_for != st.current:
                self._armed_for = st.current
                self.engine.arm_countdown(self.lead_s, title=item.title)
            fire_at = self.engine.countdown.fire_at
            if fire_at is not None and time.monotonic() < fire_at + 1.5:
                return  # stay on the countdown until zero has passed and reports are in
        if item.end_action is EndAction.HOLD and seq.remaining(clock.now()) <= 0:
            self.engine.command(cmd.Go())


async def start_engine(engine: StudioEngine, language: str) -> None:
    """Start the engine or raise StartupError with the sentence to show (the engine closed)."""
    try:
        await engine.start()
    except OSError as exc:
        raise explain_bind_error(exc, engine.config.host, engine.config.port, language) from None


async def run_studio(
    sheet: Runsheet,
    data_dir: Path,
    run: Run,
    config: StudioConfig,
    *,
    auto_go: bool,
    language: str,
    stream: TextIO = sys.stdout,
    remote: RemoteConfig | None = None,
    link_folder: Path | None = None,
) -> int:
    """`link_folder`: serve the operator link (the consoles attach to it) from that folder."""
    from media.studio import VenueStatusChanged

    engine = make_studio_engine(sheet, data_dir, run.journal, config, run.info, resume=run.resume)

    def show(event: object) -> None:
        if isinstance(event, VenueStatusChanged):
            print(
                f"venue {event.venue_id}: {event.status.value} ({event.reason})",
                file=stream,
                flush=True,
            )

    engine.subscribe(show)
    # Before anything is said to be ready: a Ctrl+C from then on is this run's to handle.
    stop = asyncio.Event()
    keys = KeyboardStop(
        stop,
        confirm=not run.info.rehearsal,
        warn=lambda: print(say(Failure.CONFIRM_LIVE_STOP, language), file=stream, flush=True),
    )
    keys.install()
    await start_engine(engine, language)
    link = None
    if link_folder is not None:
        from media.operator_link.service import start_link

        try:
            link = await start_link(engine, link_folder, stop.set)
        except OSError as exc:
            await engine.stop("stopped")
            raise StartupError(Failure.PORT_IN_USE, f"operator link: {exc}") from None
    mode = "REHEARSAL/GLADI" if run.info.rehearsal else "LIVE/RESMI"
    print(f"run {run.info.id} — {mode} — journal {run.journal}", file=stream, flush=True)
    print(
        f"studio ready on wss://{config.host}:{config.port}/signal "
        f"(certificate {engine.identity.certificate.fingerprint[:23]}…)",
        file=stream,
        flush=True,
    )
    if link is not None:
        print(f"consoles attach on {link.path} (`ceremony studio`)", file=stream, flush=True)
    if config.record_dir is not None:
        if engine.recording_health().get("recording"):
            print(f"recording into {config.record_dir}", file=stream, flush=True)
        else:
            problem = engine.device_problems.get("recording", "")
            print(f"NOT RECORDING: {problem}", file=stream, flush=True)
    operator = StandInOperator(engine) if auto_go else None
    control = (
        asyncio.create_task(serve_remote(engine, remote), name="remote-control")
        if remote is not None and remote.enabled
        else None
    )
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.1)
            if operator:
                operator.step()
                if engine.desk.sequencer.state.status is Status.ENDED:
                    break
    finally:
        print(say(Failure.STOPPING, language, run=run.info.id), file=stream, flush=True)
        if control is not None:
            control.cancel()
            await asyncio.gather(control, return_exceptions=True)
        if link is not None:
            await link.close()
        await engine.stop("stopped" if stop.is_set() else "ended")
    return 0


def make_venue_link(
    invite: Invite,
    *,
    video: VideoFormat,
    config: VenueConfig,
    media: bool = True,
    camera_spec: str | None = None,
    microphone: str | None = None,
    report: Callable[[str], None] = lambda text: print(text, file=sys.stderr),
) -> VenueLink:
    """A venue link with its camera and microphone, or stand-ins that say why they stand in."""
    hue = zlib.crc32(invite.venue_id.encode()) % 256
    pattern = TestPattern(invite.venue_name, video.width, video.height, hue=hue)
    frames = itertools.count()
    picture: Callable[[], av.VideoFrame | None] = lambda: pattern.frame(next(frames))  # noqa: E731
    if camera_spec is not None:
        try:
            camera = CameraSource(camera_spec, video.width, video.height)
            slate = TestPattern(f"{invite.venue_name}: kamera terputus", video.width, video.height)
            picture = lambda: camera.latest() or slate.frame(next(frames))  # noqa: E731
        except DeviceError as exc:
            report(f"camera: {exc}; sending a test pattern instead")
            slate = TestPattern(f"{invite.venue_name}: tanpa kamera", video.width, video.height)
            picture = lambda: slate.frame(next(frames))  # noqa: E731

    def make_camera() -> EncodedSourceTrack:
        return EncodedSourceTrack(picture, video, VENUE_VIDEO_BITRATE)

    make_audio: Callable[[], MediaStreamTrack] = lambda: ToneTrack(  # noqa: E731
        base_hz=200 + zlib.crc32(invite.venue_id.encode()) % 200
    )
    if microphone is not None:
        try:
            mic = MicrophoneSource(microphone)
            make_audio = lambda: BufferedAudioTrack(mic.buffer)  # noqa: E731
        except DeviceError as exc:
            report(f"microphone: {exc}; sending silence instead")
            make_audio = lambda: BufferedAudioTrack(AudioSourceBuffer())  # noqa: E731

    return VenueLink(
        invite,
        config,
        make_camera if media else None,
        make_audio if media else None,
    )


async def run_venue(
    invite: Invite,
    *,
    video: VideoFormat,
    config: VenueConfig,
    stream: TextIO = sys.stdout,
    quiet: bool = False,
    media: bool = True,
    camera_spec: str | None = None,
    microphone: str | None = None,
    language: str = "id",
    window_folder: Path | None = None,
) -> int:
    """`window_folder`: also serve the venue app's window over the window link, from that
    private control folder (media/venue_window_server.py)."""
    link = make_venue_link(
        invite,
        video=video,
        config=config,
        media=media,
        camera_spec=camera_spec,
        microphone=microphone,
    )

    lines = VenueLines()

    def show(event: object) -> None:
        if isinstance(event, StudioUnreachable):
            # Said at the third failed attempt, then every tenth: the crew must act on it.
            if event.attempts == UNREACHABLE_AFTER or event.attempts % 10 == 0:
                print(
                    say(
                        Failure.STUDIO_UNREACHABLE,
                        language,
                        address=", ".join(event.addresses),
                        attempts=event.attempts,
                    ),
                    file=sys.stderr,
                    flush=True,
                )
            return
        message = event.message if isinstance(event, MessageReceived) else None
        if isinstance(message, wire.Welcome) and message.rehearsal:
            print(f"run {message.run_id}: REHEARSAL/GLADI", file=stream, flush=True)
        if isinstance(event, LinkStateChanged) and event.state is LinkState.ENDED:
            print(say(Failure.CEREMONY_ENDED, language), file=stream, flush=True)
            return
        text = None if quiet else lines.line(cast(VenueEvent, event))
        if text is not None:
            print(text, file=stream, flush=True)

    link.subscribe(show)
    stop = asyncio.Event()
    install_stop_signals(stop)
    window = None
    if window_folder is not None:
        window = VenueWindowServer(
            link,
            window_link_path(window_folder, invite.ceremony_id, invite.venue_id),
            load_token(window_folder),
            leave=stop.set,
        )
        try:
            await window.start()
        except LinkBusyError:
            print(f"venue: the link of {invite.venue_id} already runs here", file=sys.stderr)
            link.countdown.close()
            return 4
        print(f"window link: {window.path}", file=stream, flush=True)
    task = asyncio.create_task(link.run())
    await asyncio.wait(
        [task, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
    )
    link.stop()
    final = await task
    if window is not None:
        await window.close(final)
    if final is LinkState.REFUSED or final is LinkState.REPLACED:
        print(f"venue: {final.value}", file=sys.stderr)
        return 3
    return 0


def pin(addresses: list[str] | None) -> None:
    if addresses:
        pin_host_addresses(addresses)


__all__ = ["InviteError", "read_invite", "run_studio", "run_venue"]
