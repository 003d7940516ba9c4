"""The countdown's transport at the studio: arm and abort through the session protocol, its
acks and fire reports journaled, the pictures of zero kept for the record."""

from __future__ import annotations

from collections.abc import Callable

import av

from ceremony import notes, wire
from ceremony.countdown import DEFAULT_LEAD_S, StudioCountdown
from ceremony.runsheet import ItemKind, Runsheet
from ceremony.sequencer.sequencer import Sequencer
from ceremony.session import StudioSession
from ceremony.session import studio as session_events
from media.program import ProgramBus
from media.studio.clocks import Clocks
from media.studio.events import CountdownUpdated, Emit, NoteSink
from media.studio.records import Venues
from media.studio_record import StudioRecording


class CountdownLink:
    def __init__(
        self,
        session: StudioSession,
        *,
        sheet: Callable[[], Runsheet],
        sequencer: Callable[[], Sequencer],
        venues: Venues,
        bus: ProgramBus,
        record: StudioRecording,
        wake_session: Callable[[], None],
        clocks: Clocks,
        note: NoteSink,
        emit: Emit,
    ) -> None:
        """`sequencer`: the one in use (the countdown item decides who is armed)."""
        self._session = session
        self._sheet = sheet
        self._sequencer = sequencer
        self._venues = venues
        self._bus = bus
        self._record = record
        self._wake_session = wake_session
        self._clocks = clocks
        self._note = note
        self._emit = emit
        self._zero_passed_while_down: int | None = None

    @property
    def countdown(self) -> StudioCountdown:
        return self._session.countdown

    def restore(self, countdown: StudioCountdown) -> None:
        """A countdown known again after a restart (armed, acks, fire reports as journaled):
        fire reports arriving now are accepted once, acked venues are not sent the arm again."""
        now = self._clocks.mono()
        self._session.restore_countdown(countdown, now)
        self._wake_session()
        if countdown.fire_at is not None and countdown.fire_at <= now:
            # Zero passed while no engine ran: pictures taken now would not show it.
            self._zero_passed_while_down = countdown.arm_id

    def arm(
        self, lead_s: float = DEFAULT_LEAD_S, venue_ids: list[str] | None = None, title: str = ""
    ) -> int:
        """Arm for now + lead on the studio clock; raises CountdownError for a bad request."""
        ids = venue_ids if venue_ids is not None else self._countdown_venues()
        arm_id = self._session.arm(self._clocks.mono(), lead_s, ids, title)
        assert self.countdown.fire_at is not None
        self._note(notes.CountdownArmed(arm_id, self.countdown.fire_at, lead_s, ids, title))
        self._emit(CountdownUpdated(arm_id, None))
        self._wake_session()  # the arm goes out now
        return arm_id

    def abort(self) -> int | None:
        arm_id = self._session.abort(self._clocks.mono())
        if arm_id is not None:
            self._note(notes.CountdownAborted(arm_id))
            self._emit(CountdownUpdated(arm_id, None))
            self._wake_session()
        return arm_id

    def _countdown_venues(self) -> list[str]:
        sheet = self._sheet()
        cur = self._sequencer().state.current
        if cur is not None and sheet.items[cur].kind is ItemKind.COUNTDOWN:
            return list(sheet.item_venues(sheet.items[cur]))
        return list(self._venues)

    # ---- what the session says happened --------------------------------------------------

    def acked(self, event: session_events.ArmAcked) -> None:
        if event.journal:
            self._note(
                notes.CountdownAck(
                    event.venue_id,
                    event.arm_id,
                    event.state.value,
                    event.bound_s,
                    event.local_deadline,
                )
            )
        self._emit(CountdownUpdated(event.arm_id, event.venue_id))

    def fire_reported(self, vid: str, msg: wire.FireReport, fire_at: float | None) -> None:
        self._note(
            notes.FireReported(
                venue=vid,
                arm_id=msg.arm_id,
                local_deadline=msg.local_deadline,
                local_fire=msg.local_fire,
                bound_s=msg.bound_s,
                true_fire=msg.true_fire,
                fire_at=fire_at,
                onset_method=msg.onset_method,
                onset_local=msg.onset_local,
                fire_late_s=msg.fire_late_s,
                hall_latency_s=msg.hall_latency_s,
                screen_late_s=msg.screen_late_s,
            )
        )
        self._emit(CountdownUpdated(msg.arm_id, vid))

    def zero(self, arm_id: int) -> None:
        """Zero on the studio clock: every picture of the moment, for the record."""
        if arm_id == self._zero_passed_while_down:
            return  # zero passed while no engine ran: pictures taken now would not show it
        frames: dict[str, av.VideoFrame | None] = {"program": self._bus.last_frame}
        for vid, record in self._venues.items():
            frames[vid] = record.conn.latest_video if record.conn else None
        self._record.snapshot(arm_id, frames)
