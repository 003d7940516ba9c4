"""Devices and files: clear errors when absent, real decoding when present."""

from __future__ import annotations

import fractions
from pathlib import Path

import av
import numpy as np
import pytest

from media.devices import CameraSource, DeviceError, FileSource, MicrophoneSource
from media.sources import AUDIO_RATE, TestPattern, voice_like


def make_clip(path: Path, seconds: float = 0.6) -> None:
    """A short real media file: VP8 test pattern + Opus voice, in Matroska."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libvpx", rate=15)
        video.width, video.height, video.pix_fmt = 320, 180, "yuv420p"
        audio = out.add_stream("libopus", rate=AUDIO_RATE)
        pattern = TestPattern("Video profil MPP", 320, 180)
        for i in range(int(seconds * 15)):
            frame = pattern.frame(i)
            frame.pts, frame.time_base = i, fractions.Fraction(1, 15)
            for packet in video.encode(frame):
                out.mux(packet)
        samples = voice_like(seconds)
        for i in range(0, len(samples) - 960, 960):
            sound = av.AudioFrame.from_ndarray(
                samples[i : i + 960].reshape(1, -1), format="s16", layout="mono"
            )
            sound.sample_rate, sound.pts = AUDIO_RATE, i
            for packet in audio.encode(sound):
                out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                out.mux(packet)


def test_file_source_plays_pictures_and_sound(tmp_path: Path) -> None:
    clip = tmp_path / "profil.mkv"
    make_clip(clip)
    source = FileSource(clip)
    try:
        assert source.first_frame.wait(timeout=10)
        frame = source.latest()
        assert frame is not None and frame.format.name == "yuv420p" and frame.width == 320
        assert source.done.wait(timeout=10)
        block = source.audio.pop()
        assert block is not None and np.abs(block).max() > 1000
        assert source.latest() is not None  # the last picture is held after the end
    finally:
        source.close()


def test_missing_and_broken_files_say_so(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="not found"):
        FileSource(tmp_path / "anthem.mp4")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video")
    with pytest.raises(DeviceError, match="cannot be read"):
        FileSource(broken)


def test_missing_camera_is_explained() -> None:
    with pytest.raises(DeviceError, match=r"could not be opened.*ceremony devices"):
        CameraSource("/dev/video-that-does-not-exist", 640, 360)


def test_unknown_microphone_is_explained() -> None:
    with pytest.raises(DeviceError, match=r"microphone|PortAudio"):
        MicrophoneSource("Shure MV7 that is not plugged in")


def make_studio(tmp_path: Path, **config: object) -> object:
    from media import runsheet_files
    from media.identity import ensure_identity
    from media.studio import StudioConfig, StudioEngine
    from tests.unit.conftest import SAMPLE

    sheet = runsheet_files.load(SAMPLE)
    identity = ensure_identity(tmp_path / "studio", ["127.0.0.1"])
    return StudioEngine(
        sheet,
        identity,
        StudioConfig(media_dir=tmp_path, **config),  # type: ignore[arg-type]
        tmp_path / "journal.jsonl",
    )


def test_studio_plays_a_file_item_and_slates_a_missing_one(tmp_path: Path) -> None:
    from ceremony.runsheet import Source, SourceKind
    from media.studio import StudioEngine

    make_clip(tmp_path / "profil.mkv")
    engine = make_studio(tmp_path)
    assert isinstance(engine, StudioEngine)
    engine.program_feed.set(Source(SourceKind.FILE, "profil.mkv"))
    assert engine.files["profil.mkv"].first_frame.wait(timeout=10)
    frame = engine.bus._current_frame()
    assert frame is not None and frame.width == 320  # the file's own picture, scaled later
    engine.program_feed.set(Source(SourceKind.FILE, "lagu-kebangsaan.mp4"))
    assert "not found" in engine.device_problems["file:lagu-kebangsaan.mp4"]
    slate = engine.bus._current_frame()
    assert slate is not None and slate.width == engine.config.program.width
    engine.close()


def test_studio_without_its_camera_still_makes_a_program(tmp_path: Path) -> None:
    from ceremony.runsheet import Source
    from media.studio import StudioEngine

    engine = make_studio(tmp_path, camera="/dev/video-missing", microphone="nope")
    assert isinstance(engine, StudioEngine)
    engine.devices.open()
    assert "could not be opened" in engine.device_problems["camera"]
    assert "microphone" in engine.device_problems
    assert engine.program_feed.frame(Source.studio()) is not None  # the test pattern instead
    engine.close()


def test_a_camera_unplugged_mid_ceremony_shows_on_the_desk_and_clears(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from media.studio import StudioEngine

    engine = make_studio(tmp_path)
    assert isinstance(engine, StudioEngine)
    camera = SimpleNamespace(problem=None, close=lambda: None)
    engine.devices.camera = camera  # type: ignore[assignment]
    engine.devices.watch_camera()
    assert "camera" not in engine.device_problems
    camera.problem = "camera '0' stopped delivering pictures (unplugged?)"
    engine.devices.watch_camera()
    assert "unplugged" in engine.device_problems["camera"]
    camera.problem = None  # plugged back in: pictures again
    engine.devices.watch_camera()
    assert "camera" not in engine.device_problems
    engine.close()
