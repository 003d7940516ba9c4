"""The operator desk: the one place control surfaces reach the studio engine.

Every surface (HTTP, OSC, `ceremony ctl`, the timer page) sends `ceremony.operator` commands
here and gets a typed `Result`: the same commands, guards and journal entries as the console's
keys, because they end in the same engine calls. It also builds the `StudioState` they are
shown and tells listeners when it may have changed. Runs on the engine's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import msgspec

from ceremony import operator as op
from ceremony.countdown import CountdownError
from ceremony.runsheet import Source
from ceremony.runsheet.errors import RunsheetError
from ceremony.runsheet.yaml_io import parse_yaml
from ceremony.sequencer.events import Refused
from media.clock import now as clock_now
from media.studio import StudioEngine

log = logging.getLogger(__name__)

Listener = Callable[[op.StudioState], None]

STATE_TICK_S = 0.25  # the time left changes every second: a quarter second keeps it exact
# A state at most this old answers a poll: a panel polling 200 times a second must not make the
# engine's loop build 200 states (each walks every venue's statistics).
POLL_CACHE_S = 0.1


class OperatorDesk:
    def __init__(self, engine: StudioEngine, *, rehearsal: bool = False) -> None:
        self.engine = engine
        self.rehearsal = rehearsal
        self._listeners: list[Listener] = []
        self._seq = 0
        self._last: op.StudioState | None = None
        self._push_scheduled = False
        self._task: asyncio.Task[None] | None = None
        self._cached: tuple[float, op.StudioState] | None = None
        engine.subscribe(lambda _event: self.changed())

    @property
    def venue_ids(self) -> list[str]:
        return list(self.engine.venues)

    # ---- commands ------------------------------------------------------------------------

    def execute(self, command: op.OperatorCommand) -> op.Result:
        name = op.command_name(command)
        try:
            result = self._execute(command, name)
        except Exception:  # a surface must never take the engine down
            log.exception("operator command %s failed", name)
            result = op.Result.refused(name, op.RejectReason.BAD_ARGUMENT, "internal error")
        self.changed()
        return result

    def _execute(self, command: op.OperatorCommand, name: str) -> op.Result:
        engine = self.engine
        match command:
            case op.Sequence(command=seq_command):
                for event in engine.command(seq_command):
                    if isinstance(event, Refused):
                        return op.Result.refused(
                            name, op.RejectReason(event.reason.value), event.reason.value
                        )
                return op.Result.accepted(name)
            case op.Take(venue_id=venue_id) | op.SetPreview(venue_id=venue_id) if (
                venue_id is not None and venue_id not in engine.venues
            ):
                return op.Result.refused(name, op.RejectReason.UNKNOWN_VENUE, "no such venue")
            case op.Take(venue_id=venue_id):
                engine.take(Source.venue(venue_id) if venue_id else Source.studio())
                return op.Result.accepted(name)
            case op.SetPreview(venue_id=venue_id):
                engine.preview(venue_id)
                return op.Result.accepted(name)
            case op.ArmCountdown(lead_s=lead_s):
                try:
                    arm_id = engine.arm_countdown(lead_s)
                except CountdownError as exc:
                    return op.Result.refused(name, op.RejectReason.COUNTDOWN, str(exc))
                return op.Result.accepted(name, f"arm {arm_id}")
            case op.AbortCountdown():
                if engine.abort_countdown() is None:
                    return op.Result.refused(
                        name, op.RejectReason.NOT_RUNNING, "no countdown is armed"
                    )
                return op.Result.accepted(name)
            case op.SendCue(text=text, venue_id=venue_id):
                if venue_id is not None and venue_id not in engine.venues:
                    return op.Result.refused(name, op.RejectReason.UNKNOWN_VENUE, "no such venue")
                if (problem := op.check_text(text, "the cue")) is not None:
                    return op.Result.refused(name, op.RejectReason.BAD_ARGUMENT, problem)
                return op.Result.accepted(name, f"cue {engine.cue(text, venue_id)}")
            case op.SendChat(venue_id=venue_id, text=text):
                if venue_id not in engine.venues:
                    return op.Result.refused(name, op.RejectReason.UNKNOWN_VENUE, "no such venue")
                if (problem := op.check_text(text, "the message")) is not None:
                    return op.Result.refused(name, op.RejectReason.BAD_ARGUMENT, problem)
                engine.chat(venue_id, text)
                return op.Result.accepted(name)
            case op.StartRecording():
                if engine.record.active:
                    return op.Result.refused(name, op.RejectReason.ALREADY, "already recording")
                if not engine.start_recording():
                    problem = engine.device_problems.get("recording", "cannot record")
                    return op.Result.refused(name, op.RejectReason.RECORDING, problem)
                return op.Result.accepted(name)
            case op.StopRecording():
                if not engine.record.active:
                    return op.Result.refused(name, op.RejectReason.ALREADY, "not recording")
                engine.stop_recording()
                return op.Result.accepted(name)
            case op.AddMarker(text=text):
                if (problem := op.check_text(text, "the marker")) is not None:
                    return op.Result.refused(name, op.RejectReason.BAD_ARGUMENT, problem)
                engine.marker(text)
                return op.Result.accepted(name)
            case op.ProtocolNote(text=text):
                if (problem := op.check_text(text, "the note")) is not None:
                    return op.Result.refused(name, op.RejectReason.BAD_ARGUMENT, problem)
                engine.protocol_note(text)
                return op.Result.accepted(name)
            case op.ReplaceRunsheet(yaml=text):
                try:
                    engine.replace_runsheet(parse_yaml(text, "<edited run-sheet>"))
                except (RunsheetError, ValueError) as exc:
                    return op.Result.refused(name, op.RejectReason.RUNSHEET, str(exc))
                return op.Result.accepted(name)
        raise AssertionError(f"unhandled operator command {command!r}")

    # ---- state ---------------------------------------------------------------------------

    def polled_state(self) -> op.StudioState:
        """The state for a poll: fresh, or built within the last POLL_CACHE_S (and no command
        or event since)."""
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > POLL_CACHE_S:
            self._cached = (now, self.state())
        return self._cached[1]

    def state(self) -> op.StudioState:
        engine = self.engine
        sheet = engine.sheet
        seq = engine.desk.sequencer
        view = seq.view(clock_now())
        mono = time.monotonic()
        preview = op.preview_venue(engine.preview_venue, sheet, view.next)
        program = engine.program_source
        health = {str(v["id"]): v for v in engine.snapshot()["venues"]}  # type: ignore[attr-defined]
        rows = []
        for i, (vid, record) in enumerate(engine.venues.items()):
            h = health.get(vid, {})
            rows.append(
                op.VenueRow(
                    index=i + 1,
                    id=vid,
                    name=record.venue.name,
                    status=record.status.value,
                    tally=op.tally_for(vid, program, preview),
                    ready=bool(record.ready),
                    video_fps=float(h.get("video_fps_at_studio") or 0.0),
                    program_fps=float(h.get("program_fps_at_venue") or 0.0),
                    rtt_ms=h.get("rtt_ms"),
                    loss_in_pct=h.get("loss_in_pct"),
                    sound_problem=str(h.get("sound_problem") or ""),
                )
            )
        cd = engine.countdown
        countdown = op.CountdownInfo()
        if cd.fire_at is not None:
            phase = (
                op.CountdownPhase.ABORTED
                if cd.aborted
                else op.CountdownPhase.FIRED
                if mono >= cd.fire_at
                else op.CountdownPhase.ARMED
            )
            countdown = op.CountdownInfo(
                phase=phase,
                arm_id=cd.arm_id,
                title=cd.title,
                seconds_left=(
                    round(cd.fire_at - mono, 3) if phase is op.CountdownPhase.ARMED else None
                ),
                acked=sum(1 for v in cd.venues.values() if v.acked),
                venues=len(cd.venues),
            )
        rec = engine.recording_health()
        recording = op.RecordingInfo(
            active=bool(rec.get("recording")),
            file=str(rec.get("file") or ""),
            duration_s=float(rec.get("duration_s") or 0.0),  # type: ignore[arg-type]
            problem=str(rec.get("failed") or engine.device_problems.get("recording", "")),
        )
        return op.StudioState(
            ceremony_id=sheet.ceremony.id,
            ceremony_title=sheet.ceremony.title,
            rehearsal=self.rehearsal,
            status=view.status.value,
            current=op.item_info(sheet, view.current) if view.current is not None else None,
            next=op.item_info(sheet, view.next) if view.next is not None else None,
            elapsed_s=round(view.elapsed_s, 3),
            remaining_s=round(view.remaining_s, 3),
            phase=view.phase.value if view.phase else "",
            held=view.status.value == "holding",
            program=str(program),
            manual_override=engine.manual_override,
            preview=preview,
            venues=rows,
            countdown=countdown,
            recording=recording,
        )

    # ---- change notification ---------------------------------------------------------------

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with each new state (on the engine's loop); returns the unsubscribe."""
        self._listeners.append(listener)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._tick(), name="operator")
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def changed(self) -> None:
        """Something happened: push the state on the next turn of the loop (once per burst)."""
        self._cached = None
        if self._push_scheduled or not self._listeners:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._push_scheduled = True
        loop.call_soon(self._push)

    def _push(self) -> None:
        self._push_scheduled = False
        if not self._listeners:
            return
        state = self.state()
        if self._last is not None and _same(state, self._last):
            return
        self._seq += 1
        state = msgspec.structs.replace(state, seq=self._seq)
        self._last = state
        for listener in list(self._listeners):
            try:
                listener(state)
            except Exception:
                log.exception("operator state listener failed")

    async def _tick(self) -> None:
        """Time moves without events: the whole seconds left and the countdown digits."""
        while True:
            await asyncio.sleep(STATE_TICK_S)
            if self._listeners:
                self._push()

    def close(self) -> None:
        self._listeners.clear()
        if self._task is not None:
            self._task.cancel()
            self._task = None


def _whole(seconds: float | None) -> float | None:
    return None if seconds is None else float(int(seconds))


def _shown(state: op.StudioState) -> op.StudioState:
    """The state as a panel shows it: whole seconds, rounded rates (a change worth pushing)."""
    replace = msgspec.structs.replace
    return replace(
        state,
        seq=0,
        elapsed_s=float(int(state.elapsed_s)),
        remaining_s=float(int(state.remaining_s)),
        countdown=replace(state.countdown, seconds_left=_whole(state.countdown.seconds_left)),
        recording=replace(state.recording, duration_s=float(int(state.recording.duration_s))),
        venues=[
            replace(
                v,
                video_fps=float(round(v.video_fps)),
                program_fps=float(round(v.program_fps)),
                rtt_ms=None,
                loss_in_pct=None,
            )
            for v in state.venues
        ],
    )


def _same(a: op.StudioState, b: op.StudioState) -> bool:
    return _shown(a) == _shown(b)
