"""The studio's record keeper: taps come and go with the recording, problems are alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av

from ceremony import notes as n
from media.mixer import AudioMixer
from media.program import ProgramBus, VideoFormat
from media.studio_record import StudioRecording, sha256

FMT = VideoFormat(320, 180, 15)


def keeper(directory: Path | None) -> tuple[StudioRecording, list[n.Note], list[str]]:
    notes: list[n.Note] = []
    problems: list[str] = []
    rec = StudioRecording(
        directory, FMT, 300_000, notes.append, lambda what, msg: problems.append(what)
    )
    return rec, notes, problems


def vp8_keyframe() -> av.Packet[Any]:
    import fractions

    import numpy as np

    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = FMT.width, FMT.height, "yuv420p"
    codec.time_base = fractions.Fraction(1, 1000)
    frame = av.VideoFrame.from_ndarray(
        np.zeros((FMT.height * 3 // 2, FMT.width), np.uint8), format="yuv420p"
    )
    frame.pts, frame.time_base = 0, codec.time_base
    packets = codec.encode(frame) + codec.encode(None)
    packet = packets[0]
    packet.time_base = codec.time_base
    return packet


def test_a_recording_that_never_got_a_picture_is_not_reported_as_a_file(tmp_path: Path) -> None:
    bus, mixer = ProgramBus(FMT, 300_000), AudioMixer()
    rec, notes, _ = keeper(tmp_path / "rec")
    assert rec.start("upacara", 600, bus, mixer)
    mixer.taps[0](b"\xf8\xff\xfe")  # sound alone does not open the file
    rec.stop()
    rec.close()
    assert [type(x) for x in notes] == [n.RecordingStarted, n.RecordingNotOpened]
    assert list((tmp_path / "rec").glob("*.mkv")) == []


def test_stopping_detaches_the_taps_and_journals_the_file(tmp_path: Path) -> None:
    bus, mixer = ProgramBus(FMT, 300_000), AudioMixer()
    rec, notes, problems = keeper(tmp_path / "rec")
    assert rec.start("upacara", 600, bus, mixer) and rec.active
    assert len(bus.taps) == 1 and len(mixer.taps) == 1
    health = rec.health()
    assert health["recording"] is True and isinstance(health["kbps"], int)
    assert health["isos"] == 0 and health["failed"] is None
    bus.taps[0](vp8_keyframe())
    mixer.taps[0](b"\xf8\xff\xfe")  # an Opus packet
    rec.stop()
    assert bus.taps == [] and mixer.taps == [] and not rec.active
    closed = [x for x in notes if isinstance(x, n.RecordingClosed)]
    assert len(closed) == 1 and closed[0].sha256 == sha256(Path(closed[0].path))
    # A second start opens a new file with fresh taps; the old recorder gets nothing more.
    assert rec.start("upacara", 600, bus, mixer) and len(bus.taps) == 1
    rec.stop()
    rec.close()
    assert problems == []


def test_no_folder_means_no_recording() -> None:
    rec, notes, _ = keeper(None)
    assert not rec.start("upacara", 600, ProgramBus(FMT, 300_000), AudioMixer())
    assert rec.health() == {"recording": False} and notes == []
    rec.close()


def test_an_unwritable_folder_is_an_alert_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    rec, _, problems = keeper(blocker / "rec")
    assert not rec.start("upacara", 600, ProgramBus(FMT, 300_000), AudioMixer())
    assert problems == ["recording"]
    rec.close()


async def test_the_operators_stop_closes_files_off_the_loop_and_journals_them(
    tmp_path: Path,
) -> None:
    bus, mixer = ProgramBus(FMT, 300_000), AudioMixer()
    rec, notes, _ = keeper(tmp_path / "rec")
    assert rec.start("upacara", 600, bus, mixer)
    bus.taps[0](vp8_keyframe())
    rec.stop(wait=False)
    assert not rec.active and bus.taps == []  # stopped at once
    await rec.flushed()
    closed = [x for x in notes if isinstance(x, n.RecordingClosed)]
    assert len(closed) == 1 and closed[0].sha256 == sha256(Path(closed[0].path))
    rec.close()
    assert [type(x) for x in notes].count(n.RecordingClosed) == 1  # journaled once


async def test_iso_tees_follow_the_recording(tmp_path: Path) -> None:
    """Venues already connected are recorded from a (re)start; a stop removes every tee."""
    from aiortc import RTCPeerConnection

    pc = RTCPeerConnection()
    receiver = pc.addTransceiver("video").receiver  # a real receiver: the hook's contract
    decoder_queue = getattr(receiver, "_RTCRtpReceiver__decoder_queue")  # noqa: B009
    original = decoder_queue.put
    bus, mixer = ProgramBus(FMT, 300_000), AudioMixer()
    rec, _, problems = keeper(tmp_path / "rec")
    rec.tee_iso("kota-cirebon", receiver)  # joined before the recording started
    assert decoder_queue.put == original and rec.isos == {}
    assert rec.start("upacara", 600, bus, mixer)
    assert decoder_queue.put != original and "kota-cirebon" in rec.isos
    rec.stop()
    assert decoder_queue.put == original  # no more copies into a closed file
    rec.close()
    await pc.close()
    assert problems == []


def test_a_receiver_without_the_hook_is_an_operator_problem(tmp_path: Path) -> None:
    bus, mixer = ProgramBus(FMT, 300_000), AudioMixer()
    rec, _, problems = keeper(tmp_path / "rec")
    assert rec.start("upacara", 600, bus, mixer)
    rec.tee_iso("kota-cirebon", object())
    assert problems == ["iso-kota-cirebon"] and rec.isos == {}
    rec.stop()
    rec.close()
