from __future__ import annotations

from collections.abc import Sequence

import pytest

from ceremony.runsheet import Runsheet
from ceremony.sequencer import ItemStatus, Sequencer, Status
from ceremony.sequencer import commands as c
from ceremony.sequencer.events import (
    CeremonyEnded,
    GoUndone,
    ItemEnded,
    ItemStarted,
    Phase,
    PhaseChanged,
    Refusal,
    Refused,
    StartCause,
)
from tests.unit.fakeclock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def seq(sample: Runsheet) -> Sequencer:
    return Sequencer(sample)


def started(events: Sequence[object]) -> list[int]:
    return [e.index for e in events if isinstance(e, ItemStarted)]


def test_go_starts_then_advances(seq: Sequencer, clock: FakeClock) -> None:
    assert started(seq.apply(c.Go(), clock.now())) == [0]
    events = seq.apply(c.Go(), clock.advance(170))
    ended = [e for e in events if isinstance(e, ItemEnded)]
    assert ended[0].index == 0 and ended[0].ran_s == 170 and ended[0].over_s == -10
    assert started(events) == [1]
    assert seq.view(clock.now()).rows[0].status is ItemStatus.DONE


def test_double_press_is_ignored_and_undo_restores(seq: Sequencer, clock: FakeClock) -> None:
    seq.apply(c.Go(), clock.now())
    events = seq.apply(c.Go(), clock.advance(0.3))
    assert events == [Refused("Go", Refusal.DOUBLE_PRESS)]
    assert seq.state.current == 0
    seq.apply(c.Go(), clock.advance(30))  # a real second press, 30 s later
    assert seq.state.current == 1
    assert seq.apply(c.UndoGo(), clock.advance(2))[0] == GoUndone(0)
    assert seq.state.current == 0
    # The item that was cut short keeps the seconds spent before the undo.
    assert seq.view(clock.now()).elapsed_s == pytest.approx(32.3)
    assert seq.apply(c.UndoGo(), clock.now())[0] == Refused("UndoGo", Refusal.NOTHING_TO_UNDO)


def test_undo_only_right_after_go(seq: Sequencer, clock: FakeClock) -> None:
    seq.apply(c.Go(), clock.now())
    seq.apply(c.AddTime(10), clock.advance(1))
    assert seq.apply(c.UndoGo(), clock.now())[0].reason is Refusal.NOTHING_TO_UNDO  # type: ignore[union-attr]


def test_phases_follow_remaining_time(seq: Sequencer, clock: FakeClock) -> None:
    # Item 3: the Cirebon report, 7:00 with warning 1:00 and danger 0:30, ends on hold.
    seq.apply(c.Jump(3), clock.now())
    phases = []
    for step in (300, 65, 30, 30, 60):
        phases += [e.phase for e in seq.tick(clock.advance(step)) if isinstance(e, PhaseChanged)]
    assert phases == [Phase.WARNING, Phase.DANGER, Phase.OVERTIME]
    view = seq.view(clock.now())
    assert view.current == 3 and view.remaining_s == pytest.approx(-65)


def test_auto_advance_starts_next_at_exact_end(seq: Sequencer, clock: FakeClock) -> None:
    seq.apply(c.Jump(1), clock.now())  # the anthem: 3:00, auto
    events = seq.tick(clock.advance(185))  # the tick comes 5 s late
    starts = [e for e in events if isinstance(e, ItemStarted)]
    assert starts[0].index == 2 and starts[0].cause is StartCause.AUTO
    assert seq.view(clock.now()).elapsed_s == pytest.approx(5)


def test_hold_pauses_timer(seq: Sequencer, clock: FakeClock) -> None:
    seq.apply(c.Go(), clock.now())
    seq.apply(c.Hold(), clock.advance(10))
    assert seq.state.status is Status.HOLDING
    clock.advance(100)
    assert seq.view(clock.now()).elapsed_s == pytest.approx(10)
    seq.apply(c.Resume(), clock.now())
    assert seq.view(clock.advance(5)).elapsed_s == pytest.approx(15)
    assert seq.apply(c.Resume(), clock.now())[0].reason is Refusal.NOT_RUNNING  # type: ignore[union-attr]


def test_back_continues_previous_timer(seq: Sequencer, clock: FakeClock) -> None:
    seq.apply(c.Go(), clock.now())
    seq.apply(c.Go(), clock.advance(40))
    events = seq.apply(c.Back(), clock.advance(10))
    assert started(events) == [0]
    assert seq.view(clock.advance(5)).elapsed_s == pytest.approx(45)
    assert seq.apply(c.Back(), clock.now())[0].reason is Refusal.NO_PREVIOUS  # type: ignore[union-attr]


def test_skip_is_passed_over_by_go(seq: Sequencer, clock: FakeClock) -> None:
    seq.apply(c.Go(), clock.now())
    seq.apply(c.Skip(), clock.advance(1))  # skips item 1
    assert started(seq.apply(c.Go(), clock.advance(10))) == [2]
    assert seq.view(clock.now()).rows[1].status is ItemStatus.SKIPPED
    assert seq.apply(c.Skip(0), clock.now())[0].reason is Refusal.NOT_PENDING  # type: ignore[union-attr]


def test_add_time_moves_projection(seq: Sequencer, clock: FakeClock, sample: Runsheet) -> None:
    seq.apply(c.Go(), clock.now())
    before = seq.view(clock.now()).projected_end_wall
    assert before == pytest.approx(clock.wall + sample.planned_duration_s)
    seq.apply(c.AddTime(60), clock.now())
    assert seq.view(clock.now()).projected_end_wall == pytest.approx(before + 60)
    seq.apply(c.AddTime(-10_000), clock.now())
    assert seq.allowance(0) == 0


def test_projection_counts_overrun(seq: Sequencer, clock: FakeClock, sample: Runsheet) -> None:
    seq.apply(c.Go(), clock.now())
    clock.advance(200)  # 20 s over the 3:00 opening
    rest = sample.planned_duration_s - sample.items[0].duration_s
    assert seq.view(clock.now()).projected_end_wall == pytest.approx(clock.wall + rest)


def test_go_past_last_item_ends_ceremony(seq: Sequencer, clock: FakeClock) -> None:
    seq.apply(c.Jump(7), clock.now())
    events = seq.apply(c.Go(), clock.advance(5))
    assert isinstance(events[-1], CeremonyEnded)
    assert seq.state.status is Status.ENDED
    assert seq.apply(c.Go(), clock.advance(5))[0].reason is Refusal.ENDED  # type: ignore[union-attr]


def test_jump_and_bad_index(seq: Sequencer, clock: FakeClock) -> None:
    assert seq.apply(c.Jump(99), clock.now())[0].reason is Refusal.BAD_INDEX  # type: ignore[union-attr]
    assert started(seq.apply(c.Jump(5), clock.now())) == [5]
    assert seq.apply(c.Jump(5), clock.now())[0].reason is Refusal.ALREADY  # type: ignore[union-attr]


def test_planned_starts_follow_hard_start(seq: Sequencer, clock: FakeClock) -> None:
    starts = seq.planned_starts(clock.now())
    assert starts[0] == 1_797_300_000.0  # 09:00 WIB on the sample's date
    assert starts[1] == starts[0] + 180


def test_end_ceremony(seq: Sequencer, clock: FakeClock) -> None:
    seq.apply(c.Go(), clock.now())
    events = seq.apply(c.EndCeremony(), clock.advance(3))
    assert isinstance(events[0], ItemEnded) and isinstance(events[-1], CeremonyEnded)
    assert seq.view(clock.now()).current is None
