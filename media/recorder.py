"""The program recording: the encoded program as it was sent, plus the program sound.

Video and sound are stream-copied as they were sent: the bus's VP8 packets and the mixer's
program Opus packets (60 ms each), no second encode. Matroska, written through packet by
packet, so a killed studio leaves a file that plays up to its last packet. Chapters (one per
item as run) are added when the file is closed and are in the journal anyway. A write error (a
full disk) stops the recording, never the ceremony.
"""

from __future__ import annotations

import fractions
import logging
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from media.opus import BITRATE as OPUS_BITRATE
from media.opus import OPTIONS as OPUS_OPTIONS
from media.opus import PACKET_SAMPLES as OPUS_PACKET_SAMPLES
from media.opus import opus_packet
from media.program import VideoFormat
from media.sources import AUDIO_RATE

log = logging.getLogger(__name__)

MS = fractions.Fraction(1, 1000)
WARN_REMAINING_S = 600.0  # warn when the disk holds less than ten more minutes
# Matroska keeps a whole cluster (up to 5 s) in memory, and interleaving waits up to 10 s for a
# silent stream: a killed studio would lose all that. Close a cluster every second, never hold
# packets back more than a second, and write each one through.
MUXER_OPTIONS = {
    "cluster_time_limit": "1000",
    "max_interleave_delta": "1000000",
    "flush_packets": "1",
}


@dataclass(frozen=True)
class Chapter:
    title: str
    start_s: float


def free_seconds(directory: Path, bitrate_bps: int) -> float:
    """How many seconds of recording the disk under `directory` can still hold."""
    free = shutil.disk_usage(directory).free
    return free * 8 / max(1, bitrate_bps)


class ProgramRecorder:
    def __init__(self, path: Path, fmt: VideoFormat, bitrate_bps: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.bitrate_bps = bitrate_bps + OPUS_BITRATE  # program video + sound
        self.failed: str | None = None
        self.chapters: list[Chapter] = []
        self.started_mono = time.monotonic()
        self._out: Any = av.open(str(path), "w", format="matroska", container_options=MUXER_OPTIONS)
        video = self._out.add_stream("libvpx", rate=round(fmt.fps))
        video.width, video.height, video.pix_fmt = fmt.width, fmt.height, "yuv420p"
        video.time_base = MS
        # Never used to encode: the muxer opens it for its parameters (the Opus header), so it
        # is set up exactly as the mixer's encoder is.
        audio = self._out.add_stream("libopus", rate=AUDIO_RATE)
        audio.layout = "mono"
        audio.bit_rate = OPUS_BITRATE
        audio.options = dict(OPUS_OPTIONS)
        self._video, self._audio = video, audio
        self._audio_n = 0
        self._video_origin: int | None = None  # the bus's first pts: the file starts at zero
        self._last_video_s = 0.0

    @property
    def duration_s(self) -> float:
        return time.monotonic() - self.started_mono

    def add_video(self, packet: av.Packet[Any]) -> None:
        self.add_encoded(bytes(packet), int(packet.pts or 0), packet.time_base, packet.is_keyframe)

    def add_encoded(
        self, data: bytes, pts: int, time_base: fractions.Fraction, keyframe: bool
    ) -> None:
        if self.failed or self._out is None:
            return
        if self._video_origin is None:
            if not keyframe:
                return  # a recording starts on a picture
            self._video_origin = pts
        copy = av.Packet(data)  # a copy: the original is on its way to eleven venues
        copy.pts = copy.dts = pts - self._video_origin
        copy.time_base = time_base
        copy.is_keyframe = keyframe
        copy.stream = self._video
        self._last_video_s = float(copy.pts * time_base)
        self._write(copy)

    def add_opus(self, payload: bytes) -> None:
        """One 60 ms packet of the program's sound, as the venues got it."""
        if self.failed or self._video_origin is None or self._out is None:
            return  # the sound starts with the first picture, as the video does
        packet = opus_packet(payload, self._audio_n * OPUS_PACKET_SAMPLES)
        packet.dts = packet.pts
        packet.duration = OPUS_PACKET_SAMPLES
        packet.stream = self._audio
        self._audio_n += 1
        self._write(packet)

    def chapter(self, title: str) -> None:
        self.chapters.append(Chapter(title, max(0.0, self._last_video_s)))

    def _write(self, packet: av.Packet[Any]) -> None:
        try:
            self._out.mux(packet)
        except (OSError, av.error.FFmpegError) as exc:
            self._fail(str(exc))

    def _fail(self, reason: str) -> None:
        self.failed = reason
        log.error("program recording stopped: %s", reason)

    def close(self) -> None:
        if self._out is None:
            return
        try:
            end_ms = int(self._last_video_s * 1000)
            marks = [int(c.start_s * 1000) for c in self.chapters] + [end_ms]
            self._out.set_chapters(
                [
                    {
                        "id": i + 1,
                        "start": marks[i],
                        "end": max(marks[i], marks[i + 1]),
                        "time_base": MS,
                        "metadata": {"title": c.title},
                    }
                    for i, c in enumerate(self.chapters)
                ]
            )
            self._out.close()
        except (OSError, av.error.FFmpegError) as exc:
            log.error("closing the program recording: %s", exc)
        self._out = None


def vp8_size(frame: bytes) -> tuple[int, int] | None:
    """Width and height from a VP8 keyframe's header (RFC 6386 §9.1), None for other frames."""
    if len(frame) < 10 or frame[0] & 1 or frame[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(frame[6:8], "little") & 0x3FFF
    height = int.from_bytes(frame[8:10], "little") & 0x3FFF
    return width, height


class IsoRecorder:
    """One venue's own picture as it arrived: its VP8 frames stream-copied (no re-encode)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.failed: str | None = None
        self.frames = 0
        self._out: Any = None
        self._stream: Any = None
        self._first_ts: int | None = None
        self._last_ts = 0
        self._rebase = False
        self.closed = False

    def rebase(self) -> None:
        """The venue reconnected: its RTP clock starts elsewhere; continue the file's time."""
        self._rebase = True

    def add(self, data: bytes, rtp_timestamp: int) -> None:
        if self.failed or self.closed:
            return
        if self._out is None:
            size = vp8_size(data)
            if size is None:
                return  # a recording starts on a keyframe
            try:
                self._open(*size)
            except (OSError, av.error.FFmpegError) as exc:
                self.failed = str(exc)
                return
            self._first_ts = rtp_timestamp
        if self._rebase:
            if vp8_size(data) is None:
                return  # resume on a keyframe
            self._rebase = False
            self._first_ts = (rtp_timestamp - self._last_ts - 3_000) & 0xFFFFFFFF
        assert self._first_ts is not None
        ts = (rtp_timestamp - self._first_ts) & 0xFFFFFFFF  # the RTP clock wraps at 2^32
        if ts < self._last_ts:
            return  # late or repeated: Matroska wants rising times
        self._last_ts = ts
        packet = av.Packet(data)
        packet.pts = packet.dts = ts
        packet.time_base = fractions.Fraction(1, 90_000)
        packet.is_keyframe = vp8_size(data) is not None
        packet.stream = self._stream
        try:
            self._out.mux(packet)
            self.frames += 1
        except (OSError, av.error.FFmpegError) as exc:
            self.failed = str(exc)
            log.error("ISO recording %s stopped: %s", self.path.name, exc)

    def _open(self, width: int, height: int) -> None:
        self._out = av.open(str(self.path), "w", format="matroska", container_options=MUXER_OPTIONS)
        stream = self._out.add_stream("libvpx", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = MS
        self._stream = stream

    @property
    def duration_s(self) -> float:
        return self._last_ts / 90_000

    def close(self) -> None:
        self.closed = True
        if self._out is not None:
            try:
                self._out.close()
            except (OSError, av.error.FFmpegError) as exc:
                log.error("closing ISO recording %s: %s", self.path.name, exc)
            self._out = None


class RecordingWriter:
    """Does the recorders' work on a thread of its own, so the network loop never waits for
    an encoder or the disk. Bounded: when the disk cannot keep up, work is dropped and counted,
    the ceremony is never held up."""

    def __init__(self, max_pending: int = 2000) -> None:
        self._queue: queue.Queue[tuple[Callable[..., None], tuple[Any, ...]] | None] = queue.Queue(
            maxsize=max_pending
        )
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="recording-writer", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            self._queue.put_nowait((fn, args))
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            fn, args = job
            try:
                fn(*args)
            except Exception:
                log.exception("recording work failed")

    def close(self, timeout: float = 30.0) -> None:
        """Finish what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)


def repair_chapters(path: Path, chapters: list[tuple[str, float]]) -> float:
    """A recording a killed studio left without chapters: copied (no re-encode) into a new
    file with them, which then takes its place. Returns its length in seconds.

    Matroska written a cluster a second (MUXER_OPTIONS) plays up to its last whole cluster; the
    copy stops where the damaged tail begins. The original is replaced only once the copy is
    complete, so a failure here loses nothing.
    """
    tmp = path.with_name(path.name + ".repairing")
    end_s = 0.0
    with av.open(str(path)) as src:
        out: Any = av.open(str(tmp), "w", format="matroska")
        try:
            mapping = {}
            for stream in src.streams:
                if stream.type in ("video", "audio"):
                    mapping[stream.index] = out.add_stream_from_template(stream)
            try:
                for packet in src.demux():
                    if packet.dts is None or packet.stream.index not in mapping:
                        continue
                    if packet.pts is not None and packet.time_base is not None:
                        end_s = max(end_s, float(packet.pts * packet.time_base))
                    packet.stream = mapping[packet.stream.index]
                    out.mux(packet)
            except (av.error.FFmpegError, OSError) as exc:
                log.warning("%s: copied up to %.1f s (%s)", path.name, end_s, exc)
            marks = [int(s * 1000) for _, s in chapters] + [int(end_s * 1000)]
            out.set_chapters(
                [
                    {
                        "id": i + 1,
                        "start": min(marks[i], marks[-1]),
                        "end": max(min(marks[i], marks[-1]), min(marks[i + 1], marks[-1])),
                        "time_base": MS,
                        "metadata": {"title": title},
                    }
                    for i, (title, _) in enumerate(chapters)
                ]
            )
        finally:
            out.close()
    os.replace(tmp, path)
    return end_s
