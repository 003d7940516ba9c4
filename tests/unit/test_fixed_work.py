"""The scale benchmark's fixed-work probe: a real process timing the same chunk of work."""

from __future__ import annotations

import select

from launcher.fixed_work import FixedWorkProbe, chunk


def test_the_chunk_is_the_same_work_each_time() -> None:
    assert chunk() == chunk() > 0


def test_the_probe_reports_each_chunks_cpu_time_and_stops() -> None:
    probe = FixedWorkProbe()
    probe.start()
    try:
        assert probe._proc is not None and probe._proc.stdout is not None
        times: list[float] = []
        while len(times) < 3:
            ready, _, _ = select.select([probe._proc.stdout], [], [], 10)
            assert ready, "the probe wrote nothing for 10 s"
            times += probe.take()
        assert all(0 < t < 1000 for t in times)  # ms of CPU for ~1 ms of work
        median = FixedWorkProbe.median_ms(times)
        assert median is not None and min(times) <= median <= max(times)
    finally:
        proc = probe._proc
        probe.stop()
    assert proc is not None and proc.poll() is not None
    assert probe.take() == [] and FixedWorkProbe.median_ms([]) is None
