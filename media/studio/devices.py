"""The studio's own devices: camera, microphone and the run-sheet's files, and their problems."""

from __future__ import annotations

import logging
from pathlib import Path

from ceremony import notes
from media.devices import CameraSource, DeviceError, FileSource, MicrophoneSource
from media.mixer import AudioMixer
from media.studio.config import STUDIO_SOURCE, StudioConfig
from media.studio.events import NoteSink

log = logging.getLogger(__name__)


class StudioDevices:
    def __init__(self, config: StudioConfig, mixer: AudioMixer, note: NoteSink) -> None:
        self._config = config
        self._mixer = mixer
        self._note = note
        self.camera: CameraSource | None = None
        self.microphone: MicrophoneSource | None = None
        self.files: dict[str, FileSource] = {}
        self.problems: dict[str, str] = {}  # by device: what the desk shows until it clears

    def open(self) -> None:
        """The studio camera and microphone; a failure is reported and replaced, not fatal."""
        fmt = self._config.program
        if self._config.camera is not None:
            try:
                self.camera = CameraSource(self._config.camera, fmt.width, fmt.height)
            except DeviceError as exc:
                self.problem("camera", str(exc))
        if self._config.microphone is not None:
            try:
                self.microphone = MicrophoneSource(self._config.microphone)
                self._mixer.add_source(STUDIO_SOURCE, self.microphone.buffer.pop)
            except DeviceError as exc:
                self.problem("microphone", str(exc))
                self._mixer.add_source(STUDIO_SOURCE, lambda: None)  # silence, not a fake voice

    def watch_camera(self) -> None:
        """A studio camera that stops delivering (unplugged) shows on the desk, and clears."""
        if self.camera is None:
            return
        problem, shown = self.camera.problem, self.problems.get("camera")
        if problem and problem != shown:
            self.problem("camera", problem)
        elif not problem and shown:
            del self.problems["camera"]
            self._note(notes.DeviceProblem("camera", None))

    def problem(self, device: str, problem: str) -> None:
        log.warning("%s: %s", device, problem)
        self.problems[device] = problem
        self._note(notes.DeviceProblem(device, problem))

    def open_file(self, ref: str) -> None:
        if ref in self.files:
            return
        path = Path(ref) if Path(ref).is_absolute() else self._config.media_dir / ref
        try:
            source = FileSource(path)
        except DeviceError as exc:
            self.problem(f"file:{ref}", str(exc))
            return
        self.files[ref] = source
        self._mixer.add_source(f"file:{ref}", source.audio.pop)

    def close(self) -> None:
        for device in (self.camera, self.microphone, *self.files.values()):
            if device is not None:
                device.close()
        self.files.clear()
        self.camera = self.microphone = None
