"""The studio's record: the program file, one ISO file per venue, pictures at zero, the disk.

The engine tells it what happens (an item starts, a venue's video arrives, the countdown reaches
zero); it turns that into files and journal notes. Files are written on the RecordingWriter's
thread, so the network loop never waits for the disk; a full disk stops the recording with an
alert, never the ceremony.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import av
import cv2
from aiortc import RTCRtpReceiver

from ceremony import notes
from ceremony.resume import part_name
from media import aiortc_compat
from media.mixer import AudioMixer
from media.opus import BITRATE as OPUS_BITRATE
from media.program import Packet, ProgramBus, VideoFormat
from media.recorder import (
    WARN_REMAINING_S,
    IsoRecorder,
    ProgramRecorder,
    RecordingWriter,
    free_seconds,
)

log = logging.getLogger(__name__)

DISK_CHECK_S = 10.0

Note = Callable[[notes.Note], None]  # a line for the journal
Problem = Callable[[str, str], None]  # (what, the operator-facing message)


class StudioRecording:
    def __init__(
        self,
        directory: Path | None,
        fmt: VideoFormat,
        bitrate_bps: int,
        note: Note,
        problem: Problem,
    ) -> None:
        self.directory = directory
        self._fmt = fmt
        self._bitrate = bitrate_bps
        self._note = note
        self._problem = problem
        self.program: ProgramRecorder | None = None
        self.isos: dict[str, IsoRecorder] = {}
        self._writer = RecordingWriter()
        self._detach: list[Callable[[], None]] = []
        self._receivers: dict[str, object] = {}  # each venue's latest video receiver
        self._closing: list[_Closing] = []  # stopped recordings still being closed
        self._next_disk_check = 0.0
        self._free_min: float | None = None  # as of the last disk check (health reads it)
        self._alerted: set[str] = set()
        self.part = 1  # 2, 3 …: this engine resumed a run after a crash (new files, same run)
        self._first_path = ""  # part 1's program file, whose name the next parts share
        self._first_chapter: str | None = None

    def continue_run(self, part: int, first_path: str, on_air: str | None) -> None:
        """Record into part `part` of a run an earlier engine recorded (before it starts);
        `on_air`: the title of the item running, the new file's first chapter."""
        self.part, self._first_path, self._first_chapter = part, first_path, on_air

    def _stem(self, default: str) -> str:
        return part_name(self._first_path, self.part, default)

    @property
    def active(self) -> bool:
        return self.program is not None

    def start(self, ceremony_id: str, planned_s: float, bus: ProgramBus, mixer: AudioMixer) -> bool:
        """Open the program file and tap the bus and the mixer; False when not recording."""
        if self.program is not None:
            return True
        directory = self.directory
        if directory is None:
            return False
        try:
            directory.mkdir(parents=True, exist_ok=True)
            room = free_seconds(directory, self._bitrate + OPUS_BITRATE)
        except OSError as exc:
            self._problem("recording", f"cannot record to {directory}: {exc}")
            return False
        if room < planned_s + WARN_REMAINING_S:
            self._problem(
                "recording",
                f"only {room / 60:.0f} min of recording fit on the disk of {directory}; the "
                f"ceremony is planned for {planned_s / 60:.0f} min",
            )
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = directory / f"{self._stem(f'program-{ceremony_id}-{stamp}')}.mkv"
        try:
            recorder = ProgramRecorder(path, self._fmt, self._bitrate)
        except (OSError, av.error.FFmpegError) as exc:
            self._problem("recording", f"cannot record to {path}: {exc}")
            return False
        self.program = recorder
        writer = self._writer

        def video_tap(packet: Packet) -> None:
            # Copied here (cheap), written there: the loop never waits for the disk.
            writer.submit(
                recorder.add_encoded,
                bytes(packet),
                int(packet.pts or 0),
                packet.time_base,
                packet.is_keyframe,
            )

        def audio_tap(payload: bytes) -> None:
            writer.submit(recorder.add_opus, payload)

        bus.taps.append(video_tap)
        mixer.taps.append(audio_tap)
        self._detach = [lambda: bus.taps.remove(video_tap), lambda: mixer.taps.remove(audio_tap)]
        self._next_disk_check = 0.0
        self._note(notes.RecordingStarted(str(path), self.part))
        if self._first_chapter is not None:
            recorder.chapter(self._first_chapter)
            self._first_chapter = None
        for venue_id, receiver in self._receivers.items():  # venues already there
            self._tee(venue_id, receiver)
        return True

    def chapter(self, title: str) -> None:
        if self.program is not None:
            self.program.chapter(title)

    def tee_iso(self, venue_id: str, receiver: object) -> None:
        """Record the venue's incoming video (its new connection's receiver) in its ISO file,
        now if recording, else from the next start."""
        self._receivers[venue_id] = receiver
        if self.program is not None:
            self._tee(venue_id, receiver)

    def _tee(self, venue_id: str, receiver: object) -> None:
        """Tee the venue's encoded frames, as they leave the jitter buffer, into its ISO file.

        The tee (media/aiortc_compat.py) sits on this one receiver until the recording stops;
        a failing copy never reaches the live video. A venue that rejoins goes on in the same
        file.
        """
        if self.directory is None:
            return
        iso = self.isos.get(venue_id)
        new_file = iso is None
        if iso is None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            suffix = f"-part{self.part}" if self.part > 1 else ""
            iso = IsoRecorder(self.directory / f"iso-{venue_id}-{stamp}{suffix}.mkv")
        writer = self._writer
        detach = aiortc_compat.tee_encoded_frames(
            cast(RTCRtpReceiver, receiver),
            lambda data, timestamp: writer.submit(iso.add, data, timestamp),
        )
        if detach is None:
            self._problem(
                f"iso-{venue_id}",
                f"{venue_id}: this aiortc version hides the incoming video; no ISO recording",
            )
            return
        if new_file:
            # So that a crash leaves a trace the next start can repair from.
            self._note(notes.IsoStarted(venue_id, str(iso.path), self.part))
        else:
            iso.rebase()
        self.isos[venue_id] = iso
        self._detach.append(detach)

    def snapshot(self, arm_id: int, frames: dict[str, av.VideoFrame | None]) -> None:
        """Pictures of the program and of every venue at the countdown's zero."""
        if self.directory is None:
            return
        folder = self.directory / f"zero-{arm_id}"
        self._writer.submit(_save_pictures, folder, frames)  # the loop never waits for the disk
        self._note(notes.ZeroSnapshots(str(folder), arm_id))

    def watch(self, now_mono: float) -> None:
        """Called every tick: a failed write or a nearly full disk becomes one alert."""
        rec = self.program
        if rec is None:
            return
        if rec.failed and "recording" not in self._alerted:
            self._alerted.add("recording")
            self._problem("recording", f"recording stopped: {rec.failed}")
        if now_mono < self._next_disk_check:
            return
        self._next_disk_check = now_mono + DISK_CHECK_S
        with contextlib.suppress(OSError):
            room = free_seconds(rec.path.parent, rec.bitrate_bps)
            self._free_min = round(room / 60, 1)
            if room < WARN_REMAINING_S and "disk" not in self._alerted:
                self._alerted.add("disk")
                self._problem("disk", f"less than {room / 60:.0f} min of recording space left")

    def health(self) -> dict[str, object]:
        rec = self.program
        if rec is None:
            return {"recording": False}
        size = 0
        with contextlib.suppress(OSError):
            size = rec.path.stat().st_size
        return {
            "recording": True,
            "file": rec.path.name,
            "duration_s": round(rec.duration_s, 1),
            "size_mb": round(size / 1e6, 1),
            "kbps": round(size * 8 / 1000 / rec.duration_s) if rec.duration_s > 0 else 0,
            "free_min": self._free_min,  # checked every DISK_CHECK_S by watch()
            "failed": rec.failed,
            "isos": len(self.isos),
        }

    def stop(self, *, wait: bool = True) -> None:
        """Stop recording: every file is closed and goes, with its checksum, into the journal.

        `wait=False` (the operator's Stop, mid-ceremony): closing and hashing an hour of
        program and eleven ISO files takes seconds, so it happens on a thread of its own and
        the notes reach the journal through the event loop when it is done.
        """
        for detach in self._detach:
            with contextlib.suppress(ValueError):
                detach()
        self._detach = []
        closing = _Closing(self._writer, self.isos, self.program, self.part)
        self._writer, self.isos, self.program = RecordingWriter(), {}, None
        if wait:
            closing.run()
            self._deliver(closing)
            return
        loop = asyncio.get_running_loop()

        def finish() -> None:
            closing.run()
            loop.call_soon_threadsafe(self._deliver, closing)

        self._closing.append(closing)
        closing.thread = threading.Thread(target=finish, name="recording-close", daemon=True)
        closing.thread.start()

    def _deliver(self, closing: _Closing) -> None:
        """On the loop thread, once: the closed files' notes into the journal."""
        if closing.delivered:
            return
        closing.delivered = True
        for fields in closing.notes:
            self._note(fields)
        with contextlib.suppress(ValueError):
            self._closing.remove(closing)

    async def flushed(self) -> None:
        """Until every stopped recording is closed and journaled (without blocking the loop)."""
        for closing in list(self._closing):
            if closing.thread is not None:
                await asyncio.to_thread(closing.thread.join)
            self._deliver(closing)

    def close(self) -> None:
        """At the end: wait for recordings still being closed, so their notes are journaled."""
        for closing in list(self._closing):
            if closing.thread is not None:
                closing.thread.join(timeout=60)
            self._deliver(closing)
        self._writer.close(timeout=5)


@dataclass
class _Closing:
    """One stopped recording's files, closed and hashed (possibly on another thread)."""

    writer: RecordingWriter
    isos: dict[str, IsoRecorder]
    program: ProgramRecorder | None
    part: int = 1
    notes: list[notes.Note] = field(default_factory=list)
    thread: threading.Thread | None = None
    delivered: bool = False

    def run(self) -> None:
        self.writer.close()  # let the writer finish what it has, then close the files
        for vid, iso in self.isos.items():
            iso.close()
            if not _written(iso.path):
                # No keyframe ever came: there is no file, and the report must not list one.
                self.notes.append(notes.RecordingNotOpened(str(iso.path), vid))
                continue
            self.notes.append(
                notes.RecordingClosed(
                    path=str(iso.path),
                    venue=vid,
                    frames=iso.frames,
                    duration_s=round(iso.duration_s, 3),
                    failed=iso.failed,
                    sha256=sha256(iso.path),
                    part=self.part,
                )
            )
        rec = self.program
        if rec is None:
            return
        rec.close()
        if not _written(rec.path):
            # The muxer opens its file with the first packet: a folder that could not be
            # written, or no picture at all, leaves nothing to report as a recording.
            self.notes.append(notes.RecordingNotOpened(str(rec.path), failed=rec.failed))
            return
        self.notes.append(
            notes.RecordingClosed(
                path=str(rec.path),
                duration_s=round(rec.duration_s, 3),
                chapters=[notes.Chapter(c.title, round(c.start_s, 3)) for c in rec.chapters],
                sha256=sha256(rec.path),
                failed=rec.failed,
                part=self.part,
            )
        )


def _written(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _save_pictures(folder: Path, frames: dict[str, av.VideoFrame | None]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        if frame is None or frame.format.name != "yuv420p":
            continue
        try:
            # to_ndarray copies: the frame may be in use on the encoder thread (no reformat).
            rgb = cv2.cvtColor(frame.to_ndarray(), cv2.COLOR_YUV2BGR_I420)
            cv2.imwrite(str(folder / f"{name}.png"), rgb)
        except (OSError, cv2.error) as exc:
            log.warning("snapshot %s not saved: %s", name, exc)


def sha256(path: Path) -> str:
    """The checksum protocol staff hand over with a recording ("" if it cannot be read)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()
