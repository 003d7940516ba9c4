"""The program recording: stream copy plus sound, chapters, and a file that survives SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import av
import numpy as np
import pytest

from media.opus import OpusPacketizer
from media.program import VideoFormat, Vp8Encoder
from media.recorder import ProgramRecorder
from media.sources import AUDIO_SAMPLES, TestPattern

pytestmark = pytest.mark.integration

FMT = VideoFormat(320, 180, 15)


def test_recording_has_both_streams_the_right_length_and_chapters(tmp_path: Path) -> None:
    rec = ProgramRecorder(tmp_path / "program.mkv", FMT, 300_000)
    enc = Vp8Encoder(FMT, 300_000)
    pattern = TestPattern("rec", 320, 180)
    opus = OpusPacketizer()
    tone = (np.sin(np.arange(AUDIO_SAMPLES) / 10) * 8000).astype(np.int16)
    for i in range(45):  # three seconds at 15 fps
        if i == 15:
            rec.chapter("Laporan Wali Kota Cirebon")
        for packet in enc.encode(pattern.frame(i), i * 6000, i == 0):
            rec.add_video(packet)
        for _ in range(3 if i % 3 else 4):  # ~50 blocks of 20 ms a second, as the mixer
            for payload in opus.push(tone):
                rec.add_opus(payload)
    rec.chapter("Penutupan")
    rec.close()
    with av.open(str(tmp_path / "program.mkv")) as c:
        assert sorted(s.type for s in c.streams) == ["audio", "video"]
        assert abs(float(c.duration or 0) / 1e6 - 3.0) < 0.2
        titles = [ch["metadata"]["title"] for ch in c.chapters()]
        assert titles == ["Laporan Wali Kota Cirebon", "Penutupan"]
        assert sum(1 for _ in c.decode(video=0)) == 45
    with av.open(str(tmp_path / "program.mkv")) as c:
        sound = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])
        assert len(sound) > 2.8 * 48_000 and np.abs(sound).max() > 0.1  # the tone, decoded
    assert rec.failed is None


def test_a_killed_studio_leaves_a_playable_recording(tmp_path: Path) -> None:
    path = tmp_path / "program.mkv"
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        import numpy as np
        from media.program import Vp8Encoder, VideoFormat
        from media.opus import OpusPacketizer
        from media.recorder import ProgramRecorder
        from media.sources import TestPattern
        fmt = VideoFormat(320, 180, 15)
        rec = ProgramRecorder(Path({str(path)!r}), fmt, 300_000)
        enc, pattern = Vp8Encoder(fmt, 300_000), TestPattern("kill", 320, 180)
        opus = OpusPacketizer()
        start = time.monotonic()
        for i in range(10_000):
            while time.monotonic() < start + i / 15:
                time.sleep(0.002)
            for packet in enc.encode(pattern.frame(i), i * 6000, i % 30 == 0):
                rec.add_video(packet)
            for _ in range(3 if i % 3 else 4):  # the mixer's 20 ms blocks
                for payload in opus.push(np.zeros(960, np.int16)):
                    rec.add_opus(payload)
            if i % 15 == 0:
                print(i // 15, flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if int(line) >= 3:  # three seconds recorded
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    frames = 0
    with av.open(str(path)) as c:  # no trailer, no index: it must still play
        try:
            for _ in c.decode(video=0):
                frames += 1
        except av.error.EOFError:
            pass  # the file simply ends where the studio died
    assert frames >= (3 - 2) * 15  # within 2 s of the kill
