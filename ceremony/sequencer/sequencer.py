"""The run-sheet sequencer: a sans-I/O state machine.

Fed operator commands with `apply(command, now)` and the passage of time with `tick(now)`; returns
typed events, and tells with `next_deadline(now)` when `tick` next has something to do. It never
sleeps or reads a clock, so tests drive it with a fake clock and a journal replay drives it with
the recorded times and rebuilds exactly the same state.
"""

from __future__ import annotations

import copy
import logging
from enum import StrEnum

import msgspec

from ceremony.runsheet.model import EndAction, Runsheet
from ceremony.sequencer import commands as cmd
from ceremony.sequencer.events import (
    CeremonyEnded,
    CeremonyStarted,
    Event,
    GoUndone,
    Held,
    ItemEnded,
    ItemStarted,
    Phase,
    PhaseChanged,
    Refusal,
    Refused,
    Resumed,
    Skipped,
    StartCause,
    TimeAdded,
)
from ceremony.timebase import Now, local_epoch

log = logging.getLogger(__name__)

GO_GUARD_S = 0.5  # a second GO this soon after the first is a double press, not a decision
_MAX_AUTO_ADVANCES_PER_TICK = 1000


class Status(StrEnum):
    READY = "ready"
    RUNNING = "running"
    HOLDING = "holding"
    ENDED = "ended"


class ItemStatus(StrEnum):
    PENDING = "pending"
    ON_AIR = "on_air"
    DONE = "done"
    SKIPPED = "skipped"


class Run(msgspec.Struct):
    """One stretch of an item on air. An item run again (BACK, JUMP) gets another Run."""

    index: int
    start_mono: float
    start_wall: float
    end_mono: float | None = None
    end_wall: float | None = None
    held_s: float = 0.0
    hold_since: float | None = None


class State(msgspec.Struct):
    status: Status
    extra_s: list[float]
    skipped: list[bool]
    current: int | None = None
    runs: list[Run] = msgspec.field(default_factory=list)
    phase: Phase | None = None
    last_go_mono: float | None = None
    started_wall: float | None = None
    ended_wall: float | None = None


class ItemRow(msgspec.Struct, frozen=True):
    index: int
    status: ItemStatus
    planned_s: float
    allowance_s: float  # planned + added time
    planned_start_wall: float
    actual_start_wall: float | None
    ran_s: float
    over_s: float | None  # None until the item has run


class View(msgspec.Struct, frozen=True):
    """Everything a front end shows, computed for one instant."""

    status: Status
    current: int | None
    next: int | None
    elapsed_s: float
    remaining_s: float
    phase: Phase | None
    projected_end_wall: float
    can_undo: bool
    rows: tuple[ItemRow, ...]


class Sequencer:
    def __init__(self, sheet: Runsheet) -> None:
        self.sheet = sheet
        n = len(sheet.items)
        self.state = State(Status.READY, extra_s=[0.0] * n, skipped=[False] * n)
        self._undo: State | None = None
        c = sheet.ceremony
        # Times of day never change during a ceremony: convert them once, not on every view.
        self._hard_starts = [
            local_epoch(c.date, item.hard_start, c.timezone) if item.hard_start else None
            for item in sheet.items
        ]

    # ---- queries -------------------------------------------------------------------------

    def snapshot(self) -> tuple[State, State | None]:
        """Comparable copy of everything that defines the sequencer (used by replay checks)."""
        return copy.deepcopy(self.state), copy.deepcopy(self._undo)

    def allowance(self, index: int) -> float:
        return max(0.0, self.sheet.items[index].duration_s + self.state.extra_s[index])

    def ran(self, index: int, now: Now) -> float:
        total = 0.0
        for run in self.state.runs:
            if run.index != index:
                continue
            end = run.end_mono if run.end_mono is not None else now.mono
            held = run.held_s + (now.mono - run.hold_since if run.hold_since is not None else 0.0)
            total += max(0.0, end - run.start_mono - held)
        return total

    def remaining(self, now: Now) -> float:
        cur = self.state.current
        if cur is None:
            return 0.0
        return self.allowance(cur) - self.ran(cur, now)

    def phase_at(self, now: Now) -> Phase | None:
        cur = self.state.current
        if cur is None or self.state.status is Status.ENDED:
            return None
        item = self.sheet.items[cur]
        left = self.remaining(now)
        if left <= 0:
            return Phase.OVERTIME
        if left <= item.danger_at:
            return Phase.DANGER
        if left <= item.warning_at:
            return Phase.WARNING
        return Phase.NORMAL

    def next_deadline(self, now: Now) -> float | None:
        """The monotonic instant at which `tick` next has something to do (an automatic
        advance, a phase change), if no command comes first; `now.mono` if it has now; None
        if only a command can change anything (not running, holding, overtime on a manual item).
        A front end wakes `tick` at this instant instead of polling it."""
        st = self.state
        if st.status is not Status.RUNNING or st.current is None:
            return None
        if self.phase_at(now) != st.phase:
            return now.mono
        item = self.sheet.items[st.current]
        left = self.remaining(now)
        if left <= 0:
            return now.mono if item.end_action is EndAction.AUTO else None
        # What is left runs down to the nearest of warning, danger and zero below it.
        crossing = max(t for t in (item.warning_at, item.danger_at, 0.0) if t < left)
        return now.mono + (left - crossing)

    def next_index(self, after: int | None) -> int | None:
        start = 0 if after is None else after + 1
        for i in range(start, len(self.sheet.items)):
            if not self.state.skipped[i]:
                return i
        return None

    def _previous_index(self, before: int) -> int | None:
        for i in range(before - 1, -1, -1):
            if not self.state.skipped[i]:
                return i
        return None

    def item_status(self, index: int) -> ItemStatus:
        if index == self.state.current and self.state.status is not Status.ENDED:
            return ItemStatus.ON_AIR
        if any(r.index == index for r in self.state.runs):
            return ItemStatus.DONE
        if self.state.skipped[index]:
            return ItemStatus.SKIPPED
        return ItemStatus.PENDING

    def _hard_start_wall(self, index: int) -> float | None:
        return self._hard_starts[index]

    def planned_starts(self, now: Now) -> list[float]:
        """Planned start (wall) of every item: from the first hard start, else the actual start."""
        first_hard = self._hard_start_wall(0) if self.sheet.items else None
        anchor = first_hard or self.state.started_wall or now.wall
        starts: list[float] = []
        t = anchor
        for i, item in enumerate(self.sheet.items):
            hard = self._hard_start_wall(i)
            if hard is not None and hard > t:
                t = hard
            starts.append(t)
            t += item.duration_s
        return starts

    def projected_end(self, now: Now) -> float:
        """Time of day the ceremony will end if every remaining item keeps its allowance."""
        st = self.state
        if st.status is Status.ENDED and st.ended_wall is not None:
            return st.ended_wall
        t = now.wall
        after: int | None = None
        if st.current is not None:
            t += max(0.0, self.remaining(now))
            after = st.current
        i = self.next_index(after)
        while i is not None:
            hard = self._hard_start_wall(i)
            if hard is not None and hard > t:
                t = hard
            t += self.allowance(i)
            i = self.next_index(i)
        return t

    def view(self, now: Now) -> View:
        st = self.state
        planned = self.planned_starts(now)
        rows = []
        for i, item in enumerate(self.sheet.items):
            runs = [r for r in st.runs if r.index == i]
            ran = self.ran(i, now)
            rows.append(
                ItemRow(
                    index=i,
                    status=self.item_status(i),
                    planned_s=item.duration_s,
                    allowance_s=self.allowance(i),
                    planned_start_wall=planned[i],
                    actual_start_wall=runs[0].start_wall if runs else None,
                    ran_s=ran,
                    over_s=ran - item.duration_s if runs else None,
                )
            )
        cur = st.current if st.status is not Status.ENDED else None
        return View(
            status=st.status,
            current=cur,
            next=self.next_index(st.current) if st.status is not Status.ENDED else None,
            elapsed_s=self.ran(cur, now) if cur is not None else 0.0,
            remaining_s=self.remaining(now) if cur is not None else 0.0,
            phase=self.phase_at(now),
            projected_end_wall=self.projected_end(now),
            can_undo=self._undo is not None,
            rows=tuple(rows),
        )

    # ---- commands ------------------------------------------------------------------------

    def apply(self, command: cmd.Command, now: Now) -> list[Event]:
        name = type(command).__name__
        if self.state.status is Status.ENDED:
            return [Refused(name, Refusal.ENDED)]
        if not isinstance(command, cmd.Go | cmd.UndoGo):
            undo_before = self._undo
            self._undo = None  # only the GO just pressed can be undone
        events = self._dispatch(command, now)
        if (
            not isinstance(command, cmd.Go | cmd.UndoGo)
            and events
            and isinstance(events[0], Refused)
        ):
            self._undo = undo_before  # a refused command changed nothing, undo included
        events += self._phase_events(now)
        return events

    def _dispatch(self, command: cmd.Command, now: Now) -> list[Event]:
        st = self.state
        name = type(command).__name__
        match command:
            case cmd.Go():
                if st.last_go_mono is not None and now.mono - st.last_go_mono < GO_GUARD_S:
                    return [Refused(name, Refusal.DOUBLE_PRESS)]
                snapshot = copy.deepcopy(st)
                events = self._advance(self.next_index(st.current), StartCause.GO, now)
                self.state.last_go_mono = now.mono
                self._undo = snapshot
                return events
            case cmd.UndoGo():
                if self._undo is None:
                    return [Refused(name, Refusal.NOTHING_TO_UNDO)]
                restored = self._undo
                self._undo = None
                # The time between GO and undo belongs to the item that was cut short.
                self.state = restored
                log.info("GO undone: back to item %s", restored.current)
                return [GoUndone(restored.current)]
            case cmd.Back():
                if st.current is None:
                    return [Refused(name, Refusal.NOT_RUNNING)]
                prev = self._previous_index(st.current)
                if prev is None:
                    return [Refused(name, Refusal.NO_PREVIOUS)]
                return self._advance(prev, StartCause.BACK, now)
            case cmd.Jump(index=index):
                if not 0 <= index < len(self.sheet.items):
                    return [Refused(name, Refusal.BAD_INDEX)]
                if index == st.current:
                    return [Refused(name, Refusal.ALREADY)]
                st.skipped[index] = False
                return self._advance(index, StartCause.JUMP, now)
            case cmd.Hold():
                if st.status is not Status.RUNNING or st.current is None:
                    return [Refused(name, Refusal.NOT_RUNNING)]
                st.runs[-1].hold_since = now.mono
                self._set_status(Status.HOLDING)
                return [Held(st.current)]
            case cmd.Resume():
                if st.status is not Status.HOLDING or st.current is None:
                    return [Refused(name, Refusal.NOT_RUNNING)]
                held = self._close_hold(now)
                self._set_status(Status.RUNNING)
                return [Resumed(st.current, held)]
            case cmd.Skip(index=index):
                target = self.next_index(st.current) if index is None else index
                if target is None or not 0 <= target < len(self.sheet.items):
                    return [Refused(name, Refusal.BAD_INDEX)]
                if self.item_status(target) not in (ItemStatus.PENDING, ItemStatus.SKIPPED):
                    return [Refused(name, Refusal.NOT_PENDING)]
                st.skipped[target] = not st.skipped[target]
                return [Skipped(target, st.skipped[target])]
            case cmd.AddTime(seconds=seconds):
                if st.current is None:
                    return [Refused(name, Refusal.NOT_RUNNING)]
                item = self.sheet.items[st.current]
                st.extra_s[st.current] = max(-item.duration_s, st.extra_s[st.current] + seconds)
                return [TimeAdded(st.current, seconds, self.allowance(st.current))]
            case cmd.EndCeremony():
                return self._end_current(now) + self._end_ceremony(now)
        raise AssertionError(f"unhandled command {command!r}")  # pragma: no cover

    def tick(self, now: Now) -> list[Event]:
        """Let time pass: auto-advance items whose time is up, report phase changes."""
        events: list[Event] = []
        for _ in range(_MAX_AUTO_ADVANCES_PER_TICK):
            st = self.state
            if st.status is not Status.RUNNING or st.current is None:
                break
            item = self.sheet.items[st.current]
            left = self.remaining(now)
            if item.end_action is not EndAction.AUTO or left > 0:
                break
            # Start the next item at the exact instant this one ran out, not at tick time, so
            # a late tick does not make the ceremony drift.
            at = now.plus(left)
            self._undo = None
            events += self._advance(self.next_index(st.current), StartCause.AUTO, at)
        events += self._phase_events(now)
        return events

    # ---- internals -----------------------------------------------------------------------

    def _set_status(self, status: Status) -> None:
        if status is not self.state.status:
            log.info("sequencer %s -> %s", self.state.status.value, status.value)
            self.state.status = status

    def _close_hold(self, now: Now) -> float:
        run = self.state.runs[-1]
        held = 0.0
        if run.hold_since is not None:
            held = now.mono - run.hold_since
            run.held_s += held
            run.hold_since = None
        return held

    def _end_current(self, now: Now) -> list[Event]:
        st = self.state
        if st.current is None or not st.runs or st.runs[-1].end_mono is not None:
            return []
        self._close_hold(now)
        run = st.runs[-1]
        run.end_mono, run.end_wall = now.mono, now.wall
        ran = self.ran(st.current, now)
        item = self.sheet.items[st.current]
        return [ItemEnded(st.current, item.id, ran, ran - item.duration_s)]

    def _end_ceremony(self, now: Now) -> list[Event]:
        st = self.state
        if st.started_wall is None:
            st.started_wall = now.wall
        st.ended_wall = now.wall
        st.phase = None
        self._set_status(Status.ENDED)
        return [CeremonyEnded(now.wall)]

    def _advance(self, target: int | None, cause: StartCause, now: Now) -> list[Event]:
        st = self.state
        events: list[Event] = []
        if st.started_wall is None:
            st.started_wall = now.wall
            events.append(CeremonyStarted(now.wall))
        events += self._end_current(now)
        if target is None:
            return events + self._end_ceremony(now)
        st.current = target
        st.runs.append(Run(target, now.mono, now.wall))
        st.phase = None
        self._set_status(Status.RUNNING)
        item = self.sheet.items[target]
        log.info("item %d %r started (%s)", target, item.title, cause.value)
        events.append(ItemStarted(target, item.id, cause, now.wall))
        return events

    def _phase_events(self, now: Now) -> list[Event]:
        phase = self.phase_at(now)
        st = self.state
        if phase == st.phase:
            return []
        st.phase = phase
        if phase is None or st.current is None:
            return []
        return [PhaseChanged(st.current, phase)]
