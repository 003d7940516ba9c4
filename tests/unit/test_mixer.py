"""Program audio: mix-minus and meters, on synthetic blocks."""

from __future__ import annotations

import av
import numpy as np
import pytest

from media.mixer import (
    MINUS_VENUES,
    RETURN_QUEUE,
    SILENCE_DBFS,
    AudioMixer,
    AudioSourceBuffer,
    measure,
)
from media.opus import PACKET_SAMPLES, EncodedAudioTrack
from media.sources import AUDIO_RATE, AUDIO_SAMPLES


def tone(hz: float, amplitude: float = 0.25) -> np.ndarray:
    t = np.arange(AUDIO_SAMPLES) / AUDIO_RATE
    return (np.sin(2 * np.pi * hz * t) * amplitude * 32767).astype(np.int16)


def energy_at(block: np.ndarray, hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(block.astype(np.float32)))
    freqs = np.fft.rfftfreq(len(block), 1 / AUDIO_RATE)
    return float(spectrum[np.argmin(np.abs(freqs - hz))])


def test_mix_minus_leaves_out_the_on_air_venues_own_signal() -> None:
    mixer = AudioMixer()
    cirebon, studio = tone(1000), tone(300)
    mixer.add_source("kota-cirebon", lambda: cirebon)
    mixer.add_source("studio", lambda: studio)
    mixer.add_source("lokasi-02", lambda: tone(700))
    for vid in ("kota-cirebon", "lokasi-02"):
        mixer.subscribe(vid)
    mixer.set_live({"kota-cirebon": 1.0, "studio": 1.0})  # the mayor on air, studio mic open
    out = mixer.tick()
    # Cirebon hears the studio but not itself; the others hear both; nobody hears lokasi-02.
    assert energy_at(out["kota-cirebon"], 1000) < 1e-3 * energy_at(out["lokasi-02"], 1000)
    assert energy_at(out["kota-cirebon"], 300) > 1000
    assert energy_at(out["lokasi-02"], 1000) > 1000
    assert energy_at(out["lokasi-02"], 700) < 1e-3 * energy_at(out["lokasi-02"], 1000)
    np.testing.assert_array_equal(out["kota-cirebon"], studio)


def test_meters_for_every_source_even_muted_ones() -> None:
    mixer = AudioMixer()
    mixer.add_source("a", lambda: tone(440, 0.5))
    mixer.add_source("b", lambda: None)  # nothing arrived this block
    mixer.set_live({})
    mixer.tick()
    assert mixer.levels["a"].peak_dbfs == pytest.approx(-6.0, abs=0.1)
    assert mixer.levels["a"].rms_dbfs == pytest.approx(-9.0, abs=0.2)
    assert mixer.levels["b"].peak_dbfs == SILENCE_DBFS
    assert mixer.program_level.peak_dbfs == SILENCE_DBFS


def test_mix_clips_instead_of_wrapping() -> None:
    mixer = AudioMixer()
    loud = np.full(AUDIO_SAMPLES, 30000, np.int16)
    mixer.add_source("a", lambda: loud)
    mixer.add_source("b", lambda: loud)
    mixer.subscribe("c")
    mixer.set_live({"a": 1.0, "b": 1.0})
    assert int(mixer.tick()["c"].min()) == 32767


def test_return_queue_is_bounded() -> None:
    mixer = AudioMixer()
    track = mixer.subscribe("slow")
    mixer.add_source("a", lambda: tone(440))
    mixer.set_live({"a": 1.0})
    for _ in range(100):  # the venue's sender stalls: blocks are dropped, not hoarded
        mixer.tick()
    assert len(track._queue) == RETURN_QUEUE


class CountingBuffer(AudioSourceBuffer):
    def __init__(self) -> None:
        super().__init__()
        self.pops = 0

    def pop(self) -> np.ndarray | None:
        self.pops += 1
        return super().pop()


def test_a_venue_buffer_is_taken_from_only_while_it_has_sound_and_metered_back_to_silence() -> None:
    mixer = AudioMixer()
    quiet, sounding = CountingBuffer(), CountingBuffer()
    sounding.push_samples(tone(440, 0.5))  # arrived before the venue was added
    mixer.add_buffer("kota-cirebon", sounding)
    mixer.add_buffer("lokasi-02", quiet)
    mixer.subscribe("lokasi-03")  # a listener: its return is the program
    mixer.set_live({"kota-cirebon": 1.0})
    mixer.tick()  # the first tick meters
    assert mixer.levels["kota-cirebon"].peak_dbfs == pytest.approx(-6.0, abs=0.1)
    assert mixer.levels["lokasi-02"].peak_dbfs == SILENCE_DBFS
    assert mixer.program_level.peak_dbfs == pytest.approx(-6.0, abs=0.1)
    for _ in range(9):
        mixer.tick()
    assert quiet.pops == 0 and sounding.pops == 1  # nothing was waiting after the first
    assert mixer.levels["kota-cirebon"].peak_dbfs == SILENCE_DBFS  # gone quiet: metered so
    # Sound arriving wakes it again: two blocks, one a tick, then silence.
    quiet.push_samples(np.concatenate([tone(700), tone(700)]))
    mixer.set_live({"lokasi-02": 1.0})
    heard = [energy_at(mixer.tick()["lokasi-03"], 700) for _ in range(3)]
    assert heard[0] > 1000 and heard[1] > 1000 and heard[2] < 1.0
    assert quiet.pops == 2
    # A removed venue's sound no longer wakes the mixer.
    mixer.remove_source("lokasi-02")
    quiet.push_samples(tone(700))
    mixer.tick()
    assert quiet.pops == 2 and "lokasi-02" not in mixer.levels


def test_source_buffer_reblocks_any_frame_size() -> None:
    buf = AudioSourceBuffer()
    buf.push_samples(np.arange(AUDIO_SAMPLES + 100, dtype=np.int16))
    first = buf.pop()
    assert first is not None and len(first) == AUDIO_SAMPLES and buf.pop() is None
    buf.push_samples(np.zeros(AUDIO_SAMPLES - 100, np.int16))
    second = buf.pop()
    assert second is not None and second[0] == AUDIO_SAMPLES


def test_measure_silence() -> None:
    assert measure(np.zeros(AUDIO_SAMPLES, np.int16)).rms_dbfs == SILENCE_DBFS


def decode(payloads: list[bytes]) -> np.ndarray:
    codec = av.CodecContext.create("libopus", "r")
    assert isinstance(codec, av.AudioCodecContext)
    codec.format, codec.layout, codec.sample_rate = "s16", "mono", AUDIO_RATE
    frames = [f for p in payloads for f in codec.decode(av.Packet(p))]
    return np.concatenate([f.to_ndarray().reshape(-1) for f in frames])


def drain(track: EncodedAudioTrack) -> list[bytes]:
    out = list(track._queue)
    track._queue.clear()
    return out


def test_returns_are_encoded_once_for_everyone_not_on_air() -> None:
    mixer = AudioMixer()
    mixer.add_source("kota-cirebon", lambda: tone(1000))
    mixer.add_source("studio", lambda: tone(300))
    tracks = {vid: mixer.subscribe(vid) for vid in ("kota-cirebon", "lokasi-02", "lokasi-03")}
    mixer.set_live({"kota-cirebon": 1.0, "studio": 1.0})
    got: dict[str, list[bytes]] = {vid: [] for vid in tracks}
    for _ in range(30):  # 600 ms: ten 60 ms packets each
        mixer.tick()
        for vid, track in tracks.items():
            got[vid] += drain(track)
    assert [len(p) for p in got.values()] == [10, 10, 10]
    # One encode serves every venue not on air: the very same payload objects.
    assert all(a is b for a, b in zip(got["lokasi-02"], got["lokasi-03"], strict=True))
    cirebon, others = decode(got["kota-cirebon"])[4800:], decode(got["lokasi-02"])[4800:]
    assert energy_at(cirebon, 1000) < 0.02 * energy_at(others, 1000)
    assert energy_at(cirebon, 300) > 0.5 * energy_at(others, 300)


async def test_a_return_track_keeps_its_timestamps_across_encoders() -> None:
    mixer = AudioMixer()
    mixer.add_source("a", lambda: tone(440))
    track = mixer.subscribe("a")
    pts = []
    for live in ({}, {"a": 1.0}, {}):  # off air, on air (own encoder), off again
        mixer.set_live(live)
        for _ in range(6):
            mixer.tick()
        while track._queue:
            packet = await track.recv()
            pts.append(packet.pts)
    assert pts == [i * PACKET_SAMPLES for i in range(len(pts))] and len(pts) >= 5


@pytest.mark.parametrize(
    ("fmt", "layout", "data"),
    [
        ("s16", "mono", np.array([[100, -200, 300]], np.int16)),
        ("s16", "stereo", np.array([[100, 7, -200, 7, 300, 7]], np.int16)),  # interleaved
        ("fltp", "stereo", np.array([[100, -200, 300], [7, 7, 7]], np.float32) / 32767),
        ("s32", "mono", np.array([[100 << 16, -200 << 16, 300 << 16]], np.int32)),
    ],
)
def test_any_frame_becomes_its_first_channel_in_int16(
    fmt: str, layout: str, data: np.ndarray
) -> None:
    from media.sources import mono_int16

    frame = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
    frame.sample_rate = AUDIO_RATE
    np.testing.assert_allclose(mono_int16(frame), [100, -200, 300], atol=1)
    assert mono_int16(frame).dtype == np.int16


def test_the_sfus_shared_mix_minus_leaves_out_every_live_venue_only() -> None:
    mixer = AudioMixer()
    cirebon, studio = tone(1000), tone(300)
    mixer.add_source("kota-cirebon", lambda: cirebon)
    mixer.add_source("studio", lambda: studio)
    minus = mixer.subscribe_minus_venues(lambda source: source in {"kota-cirebon", "lokasi-02"})
    mixer.set_live({"studio": 1.0})
    out = mixer.tick()
    np.testing.assert_array_equal(out[MINUS_VENUES], studio)  # no venue live: the program
    mixer.set_live({"kota-cirebon": 1.0, "studio": 1.0})
    out = mixer.tick()
    # The venue on air hears the studio, not itself.
    np.testing.assert_array_equal(out[MINUS_VENUES], studio)
    assert energy_at(out[MINUS_VENUES], 1000) < 1e-3 * energy_at(cirebon, 1000)
    for _ in range(3):  # 60 ms packets
        mixer.tick()
    assert drain(minus)  # encoded for the SFU
    minus.stop()
    mixer.tick()
    assert MINUS_VENUES not in mixer.tick()  # stopped: no longer mixed


def test_a_protected_venue_gets_the_fec_stream_encoded_once() -> None:
    """Venues on lossy links share one FEC'd encode (SILK, TOC config < 12); the rest keep the
    full-band one; with nobody protected, the FEC encoder goes away."""
    mixer = AudioMixer()
    mixer.add_source("studio", lambda: tone(300))
    mixer.set_live({"studio": 1.0})
    tracks = {vid: mixer.subscribe(vid) for vid in ("a", "b", "c")}
    mixer.protected = {"b", "c"}
    for _ in range(PACKET_SAMPLES // AUDIO_SAMPLES * 2):
        mixer.tick()
    firsts = {vid: t._queue[0] for vid, t in tracks.items()}
    assert firsts["b"] is firsts["c"]  # the same payload object: one encode for both
    assert (firsts["b"][0] >> 3) < 12 <= (firsts["a"][0] >> 3)
    mixer.protected = set()
    mixer.tick()
    assert mixer._fec_encoder is None
