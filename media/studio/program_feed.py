"""What is on air: the program's picture and sound source, slates, and the state venues see."""

from __future__ import annotations

from collections.abc import Callable

import av
import numpy as np

from ceremony import notes, operator, wire
from ceremony.runsheet import Runsheet, Source, SourceKind
from ceremony.sequencer.sequencer import View
from ceremony.session.program import program_state
from media.mixer import AudioMixer
from media.program import ProgramBus
from media.sources import AUDIO_SAMPLES, TestPattern, voice_like
from media.studio.clocks import Clocks
from media.studio.config import STUDIO_SOURCE, StudioConfig
from media.studio.devices import StudioDevices
from media.studio.events import NoteSink
from media.studio.records import Venues

STALE_VIDEO_S = 1.0  # an on-air venue's picture older than this is replaced by a slate


class ProgramFeed:
    def __init__(
        self,
        config: StudioConfig,
        *,
        sheet: Callable[[], Runsheet],
        bus: ProgramBus,
        mixer: AudioMixer,
        devices: StudioDevices,
        venues: Venues,
        view: Callable[[], View],
        clocks: Clocks,
        note: NoteSink,
    ) -> None:
        """`sheet` and `view`: the run-sheet in use (it may be replaced before the start) and
        the sequencer's view of now."""
        self._sheet = sheet
        self._config = config
        self._bus = bus
        self._mixer = mixer
        self._devices = devices
        self._venues = venues
        self._view = view
        self._clocks = clocks
        self._note = note
        fmt = config.program
        self.studio_pattern = TestPattern(sheet().ceremony.studio, fmt.width, fmt.height, hue=90)
        self._frame_n = 0
        self._slates: dict[str, TestPattern] = {}
        self._tone = voice_like(base_hz=180.0)
        self._tone_pos = 0
        self.source: Source = Source.studio()
        self.preview_venue: str | None = None  # the operator's choice; None: the next item's
        self.manual_override = False  # on air outside the run-sheet (the operator's TAKE)
        mixer.add_source(STUDIO_SOURCE, self.studio_microphone)

    def set(self, source: Source) -> None:
        self.source = source
        if source.kind is SourceKind.FILE:
            self._devices.open_file(source.ref)
        self._bus.set_source(lambda: self.frame(source), lambda: self.slate(source))
        self._mixer.set_live(self.live_audio(source))
        self._note(notes.ProgramSource(str(source)))

    def frame(self, source: Source) -> av.VideoFrame | None:
        if source.kind is SourceKind.STUDIO:
            camera = self._devices.camera
            if camera is not None:
                return camera.latest()  # None while it fails: the slate shows
            self._frame_n += 1
            return self.studio_pattern.frame(self._frame_n)
        if source.kind is SourceKind.FILE:
            file = self._devices.files.get(source.ref)
            return file.latest() if file else None
        if source.kind is SourceKind.VENUE:
            record = self._venues.get(source.ref)
            conn = record.conn if record else None
            fresh = conn and self._clocks.mono() - conn.latest_video_mono <= STALE_VIDEO_S
            if conn and fresh:
                return conn.latest_video
        return None

    def slate(self, source: Source) -> av.VideoFrame:
        key = str(source)
        if key not in self._slates:
            name = source.ref
            if source.kind is SourceKind.VENUE:
                venue = self._sheet().venue(source.ref)
                name = venue.name if venue else source.ref
            fmt = self._config.program
            self._slates[key] = TestPattern(f"... {name}", fmt.width, fmt.height, hue=200)
        self._frame_n += 1
        return self._slates[key].frame(self._frame_n)

    @staticmethod
    def live_audio(source: Source) -> dict[str, float]:
        """Who is heard in the program: the on-air source."""
        if source.kind is SourceKind.VENUE:
            return {source.ref: 1.0}
        if source.kind is SourceKind.STUDIO:
            return {STUDIO_SOURCE: 1.0}
        return {str(source): 1.0}

    def studio_microphone(self) -> np.ndarray:
        # The studio microphone's stand-in on this machine: a voice-like tone.
        end = self._tone_pos + AUDIO_SAMPLES
        if end > len(self._tone):
            self._tone_pos, end = 0, AUDIO_SAMPLES
        block = self._tone[self._tone_pos : end]
        self._tone_pos = end
        return block

    def state_for(self, venue_id: str) -> wire.ProgramState:
        return program_state(
            self._sheet(),
            self._view(),
            self.source,
            self.preview_venue,
            venue_id,
            now_mono=self._clocks.mono(),
        )

    def broadcast(self) -> None:
        """Every joined venue's program state (tally, item, countdown) sent again."""
        for vid, record in self._venues.items():
            if record.conn and record.conn.control:
                record.conn.control.send(self.state_for(vid))

    def feeds_wanted(self) -> tuple[str | None, str | None]:
        """The venue on air and the one on preview (green tally): whose feeds an SFU must give."""
        source = self.source
        on_air = source.ref if source.kind is SourceKind.VENUE else None
        preview = operator.preview_venue(self.preview_venue, self._sheet(), self._view().next)
        return on_air, preview
