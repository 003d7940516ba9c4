"""The studio engine wakes its sequencer at the sequencer's deadline (one core timer, no polling),
on the clocks it is given: driven here with a fake clock, no loop, no sockets."""

from __future__ import annotations

from pathlib import Path

from ceremony.sequencer import commands as cmd
from ceremony.sequencer.events import Phase, PhaseChanged
from media import runsheet_files
from media.identity import ensure_identity
from media.studio import SequencerEvents, StudioConfig, StudioEngine, StudioEvent
from tests.unit.conftest import SAMPLE
from tests.unit.fakeclock import FakeClock


def test_the_core_timer_is_armed_at_the_sequencers_deadline_and_ticks_it(tmp_path: Path) -> None:
    clock = FakeClock()
    engine = StudioEngine(
        runsheet_files.load(SAMPLE),
        ensure_identity(tmp_path / "studio", ["127.0.0.1"]),
        StudioConfig(media_dir=tmp_path),
        tmp_path / "journal.jsonl",
        mono=lambda: clock.mono,
        wall=lambda: clock.wall,
    )
    seen: list[StudioEvent] = []
    engine.subscribe(seen.append)
    try:
        assert engine._next_core_instant() is None  # nothing runs, no venue: nothing to wake
        start = clock.mono
        engine.command(cmd.Go())  # item 0: 180 s, warning at 60 s left
        assert engine._next_core_instant() == start + 120
        clock.advance(119.0)
        before = len(seen)
        engine._core_due(clock.mono)  # woken early (it never is, but harmless): nothing
        assert len(seen) == before
        clock.advance(1.0)
        engine._core_due(clock.mono)
        assert seen[-1] == SequencerEvents((PhaseChanged(0, Phase.WARNING),))
        assert engine._next_core_instant() == start + 165  # danger next
        assert engine.status().venues  # status reads the same clocks
    finally:
        engine.close()
