"""`Sequencer.next_deadline`: the instant `tick` next has something to do, so a front end wakes
it then instead of polling (media/studio/engine.py arms one loop timer at it)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceremony.runsheet import Runsheet
from ceremony.sequencer import Sequencer
from ceremony.sequencer import commands as c
from ceremony.sequencer.events import ItemStarted, Phase, PhaseChanged, StartCause
from tests.unit.conftest import SAMPLE
from tests.unit.fakeclock import FakeClock


def test_nothing_is_due_before_the_start_while_holding_or_after_the_end(sample: Runsheet) -> None:
    clock = FakeClock()
    seq = Sequencer(sample)
    assert seq.next_deadline(clock.now()) is None  # ready: only GO starts anything
    seq.apply(c.Go(), clock.now())
    seq.apply(c.Hold(), clock.advance(10))
    assert seq.next_deadline(clock.advance(500)) is None  # held: the time left does not run
    seq.apply(c.Resume(), clock.now())
    assert seq.next_deadline(clock.now()) == pytest.approx(clock.mono + 180 - 10 - 60)
    seq.apply(c.EndCeremony(), clock.now())
    assert seq.next_deadline(clock.now()) is None


def test_a_manual_item_wakes_at_warning_danger_and_zero_then_waits(sample: Runsheet) -> None:
    clock = FakeClock()
    seq = Sequencer(sample)
    start = clock.mono
    seq.apply(c.Go(), clock.now())  # item 0: 180 s, warning at 60 s left, danger at 15 s
    for left, phase in ((60, Phase.WARNING), (15, Phase.DANGER), (0, Phase.OVERTIME)):
        deadline = seq.next_deadline(clock.now())
        assert deadline == start + 180 - left
        clock.advance(deadline - 0.001 - clock.mono)  # just before: nothing to do yet
        assert seq.tick(clock.now()) == []
        assert seq.next_deadline(clock.now()) == pytest.approx(deadline)
        clock.advance(0.001)
        assert seq.tick(clock.now()) == [PhaseChanged(0, phase)]
    assert seq.next_deadline(clock.advance(30)) is None  # overtime: the operator decides
    seq.apply(c.AddTime(60), clock.now())  # 30 s left again (warning): zero is next
    assert seq.next_deadline(clock.now()) == pytest.approx(clock.mono + 30 - 15)


def test_an_automatic_item_is_due_at_its_zero_and_the_next_starts_then(sample: Runsheet) -> None:
    clock = FakeClock()
    seq = Sequencer(sample)
    seq.apply(c.Go(), clock.now())
    seq.apply(c.Go(), clock.advance(100))  # item 1, the anthem: auto at its end
    zero = clock.mono + 180
    deadline = seq.next_deadline(clock.now())
    while deadline is not None and deadline < zero:
        seq.tick(clock.advance(deadline - clock.mono))
        deadline = seq.next_deadline(clock.now())
    assert deadline == pytest.approx(zero)
    clock.advance(zero - clock.mono + 2.5)  # woken late: the next item still starts at zero
    events = seq.tick(clock.now())
    started = [e for e in events if isinstance(e, ItemStarted)]
    assert [(e.index, e.cause) for e in started] == [(2, StartCause.AUTO)]
    assert seq.state.runs[-1].start_mono == pytest.approx(zero)
    assert seq.next_deadline(clock.now()) == pytest.approx(zero + 180 - 60)


def test_a_phase_not_yet_reported_is_due_at_once(sample: Runsheet) -> None:
    clock = FakeClock()
    seq = Sequencer(sample)
    seq.apply(c.Go(), clock.now())
    seq.state.phase = None  # e.g. a state rebuilt without its phase
    assert seq.next_deadline(clock.now()) == clock.mono


steps = st.lists(
    st.tuples(
        st.sampled_from(["go", "hold", "resume", "add", "cut", "back", "wait"]),
        st.floats(min_value=0.0, max_value=400.0),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(steps=steps, fractions=st.lists(st.floats(0.0, 0.999), min_size=25, max_size=25))
def test_tick_has_nothing_to_do_before_the_deadline_and_something_at_it(
    steps: list[tuple[str, float]], fractions: list[float]
) -> None:
    """Whatever the operator did, a tick before the deadline is empty, and one at it is not:
    waking only at deadlines misses nothing and wakes for nothing."""
    from media import runsheet_files

    seq = Sequencer(runsheet_files.load(SAMPLE))
    clock = FakeClock()
    commands: dict[str, c.Command] = {
        "go": c.Go(),
        "hold": c.Hold(),
        "resume": c.Resume(),
        "add": c.AddTime(45),
        "cut": c.AddTime(-45),
        "back": c.Back(),
    }
    for (action, wait), fraction in zip(steps, fractions, strict=False):
        if action != "wait":
            seq.apply(commands[action], clock.now())
        deadline = seq.next_deadline(clock.now())
        if deadline is None:
            assert seq.tick(clock.advance(wait)) == []
            continue
        assert deadline >= clock.mono
        if deadline - clock.mono > 0.01:  # any instant before it: nothing to do
            clock.advance((deadline - clock.mono) * fraction)
            if deadline - clock.mono > 1e-6:
                assert seq.tick(clock.now()) == []
        clock.advance(deadline - clock.mono + 1e-6)  # at it (float rounding aside): something
        assert seq.tick(clock.now()) != []
