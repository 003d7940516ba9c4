"""Real capture devices and media files, each with a clear message when it cannot be used.

Cameras through opencv (an index or a device path), microphones through sounddevice (chosen by
name), media files through PyAV. None of them may take the ceremony down: a device that is
missing, busy or unplugged reports a problem and its consumer shows a slate instead.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

from media.mixer import AudioSourceBuffer
from media.sources import AUDIO_RATE

log = logging.getLogger(__name__)

STALE_S = 1.0  # a camera silent this long is treated as gone (unplugged, driver hung)


class DeviceError(RuntimeError):
    """A device or file that cannot be used; the message says what to check."""


@dataclass(frozen=True)
class CameraInfo:
    spec: str  # what to pass to --camera: an index or a device path
    name: str


def list_cameras() -> list[CameraInfo]:
    """Video capture devices by their driver names (Linux /sys), without opening them."""
    found = []
    for node in sorted(Path("/sys/class/video4linux").glob("video*")):
        name_file = node / "name"
        name = name_file.read_text().strip() if name_file.exists() else node.name
        found.append(CameraInfo(f"/dev/{node.name}", name))
    return found


@dataclass(frozen=True)
class AudioDeviceInfo:
    name: str
    host_api: str
    inputs: int
    outputs: int


def list_audio_devices() -> list[AudioDeviceInfo]:
    """Audio devices per host API. Raises DeviceError when PortAudio itself is missing."""
    sd = _sounddevice()
    apis = sd.query_hostapis()
    return [
        AudioDeviceInfo(
            d["name"],
            apis[d["hostapi"]]["name"],
            d["max_input_channels"],
            d["max_output_channels"],
        )
        for d in sd.query_devices()
    ]


def _sounddevice() -> Any:
    try:
        import sounddevice as sd  # noqa: PLC0415 - without PortAudio the import itself fails
    except (OSError, ImportError) as exc:
        raise DeviceError(
            f"audio devices unavailable: PortAudio is missing ({exc}); "
            "install the libportaudio2 package"
        ) from None
    return sd


class CameraSource:
    """Frames from a camera, read on their own thread; `latest()` is None when there is none."""

    def __init__(self, spec: str, width: int, height: int) -> None:
        import cv2  # noqa: PLC0415 - opencv only where a camera is used

        self.spec = spec
        self.problem: str | None = None
        target: int | str = int(spec) if spec.isdigit() else spec
        cap = cv2.VideoCapture(target)
        if not cap.isOpened():
            cap.release()
            raise DeviceError(
                f"camera {spec!r} could not be opened: check it is plugged in and not used by "
                "another program (`ceremony devices` lists the cameras found)"
            )
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._cap = cap
        self._cv2 = cv2
        self._lock = threading.Lock()
        self._latest: av.VideoFrame | None = None
        self._latest_at = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"camera {spec}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ok, bgr = self._cap.read()
            if not ok:
                self.problem = f"camera {self.spec!r} stopped delivering pictures (unplugged?)"
                log.warning(self.problem)
                time.sleep(0.5)
                continue
            h, w = bgr.shape[:2]
            if h % 2 or w % 2:
                bgr = bgr[: h - h % 2, : w - w % 2]
            i420 = np.asarray(self._cv2.cvtColor(bgr, self._cv2.COLOR_BGR2YUV_I420), np.uint8)
            frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
            with self._lock:
                self._latest, self._latest_at = frame, time.monotonic()
                self.problem = None

    def latest(self) -> av.VideoFrame | None:
        with self._lock:
            if self._latest is None or time.monotonic() - self._latest_at > STALE_S:
                return None
            return self._latest

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._cap.release()


class MicrophoneSource:
    """A microphone chosen by (part of) its name, delivering 20 ms blocks to a buffer."""

    def __init__(self, name: str) -> None:
        sd = _sounddevice()
        matches = [
            i
            for i, d in enumerate(sd.query_devices())
            if name.lower() in d["name"].lower() and d["max_input_channels"] > 0
        ]
        if not matches:
            raise DeviceError(
                f"no microphone matching {name!r}: `ceremony devices` lists the inputs found"
            )
        self.buffer = AudioSourceBuffer()
        self.problem: str | None = None
        try:
            self._stream = sd.InputStream(
                samplerate=AUDIO_RATE,
                channels=1,
                dtype="int16",
                device=matches[0],
                callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:
            raise DeviceError(f"microphone {name!r} could not be opened ({exc})") from None

    def _callback(self, data: np.ndarray, _frames: int, _time: Any, status: Any) -> None:
        if status:
            self.problem = str(status)
        self.buffer.push_samples(data[:, 0].copy())

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


class FileSource:
    """A media file played once in real time (an opening clip, the anthem video).

    Video frames are offered through `latest()` and hold the last picture at the end; audio goes
    to `audio` as 48 kHz mono blocks for the mixer.
    """

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise DeviceError(f"media file {path} not found: check the run-sheet's source")
        try:
            self._container = av.open(str(path))
        except av.error.FFmpegError as exc:
            raise DeviceError(f"media file {path} cannot be read ({exc})") from None
        self.path = path
        self.audio = AudioSourceBuffer(max_blocks=50)
        self.first_frame = threading.Event()
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._latest: av.VideoFrame | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"file {path.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        container = self._container
        streams = [s for s in container.streams if s.type in ("video", "audio")]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        start = time.monotonic()
        try:
            for packet in container.demux(*streams):
                if self._stop.is_set():
                    return
                for frame in packet.decode():
                    if not isinstance(frame, av.VideoFrame | av.AudioFrame):
                        continue
                    if frame.time is not None:
                        wait = start + float(frame.time) - time.monotonic()
                        if wait > 0:
                            time.sleep(wait)  # play in real time, as the program needs it
                    if isinstance(frame, av.VideoFrame):
                        with self._lock:
                            self._latest = frame.reformat(format="yuv420p")
                        self.first_frame.set()
                    elif isinstance(frame, av.AudioFrame):
                        for out in resampler.resample(frame):
                            self.audio.push_samples(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            log.warning("media file %s: %s", self.path, exc)
        finally:
            container.close()
            self.done.set()

    def latest(self) -> av.VideoFrame | None:
        with self._lock:
            return self._latest

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


TEST_TONE_HZ = 1000.0


def play_test_tone(speaker: str | None, rate: int = AUDIO_RATE) -> None:
    """One second of 1 kHz on `speaker` (None: the default output). Raises DeviceError."""
    sd = _sounddevice()
    t = np.arange(rate) / rate
    tone = (0.3 * np.sin(2 * np.pi * TEST_TONE_HZ * t)).astype(np.float32)
    try:
        sd.check_output_settings(device=speaker, samplerate=rate, channels=1)
        sd.play(tone, rate, device=speaker)  # returns at once; PortAudio plays it
    except Exception as exc:  # PortAudioError, ValueError: no such device
        raise DeviceError(f"the speaker could not be used ({exc})") from None
