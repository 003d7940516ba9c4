"""The venue's half of the synchronized countdown: clock probes, arming, firing, fire reports."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ceremony import wire
from ceremony.clocksync import ClockEstimator, ClockSample
from ceremony.countdown import ArmState, VenueArm, VenueCountdown
from media.control import WireChannel
from media.firing import FireRecord, FireScheduler
from media.speaker import Speaker

log = logging.getLogger(__name__)

BURST_PROBES = 8
BURST_GAP_S = 0.03
PROBE_INTERVAL_S = 0.5  # 2 Hz steady: enough to follow drift, light on a loaded studio
ARMED_PROBE_INTERVAL_S = 0.2  # 5 Hz while armed: more chances of an undelayed round trip
ACK_REFRESH_S = 1.0
PARK_MAX_S = 0.05  # the loop never waits longer than this for the firing thread


@dataclass(frozen=True)
class CountdownChanged:
    """For the venue UI: the digits run from `deadline_local` on the venue's own clock."""

    arm_id: int
    state: ArmState
    deadline_local: float | None
    bound_s: float | None
    fired: FireRecord | None = None


Clock = Callable[[], float]


class CountdownAgent:
    def __init__(
        self,
        clock: Clock,
        emit: Callable[[CountdownChanged], None],
        *,
        report_true_time: bool = False,
        siren: Speaker | None = None,
        true_clock: Clock = time.monotonic,
        realtime: bool = True,
    ) -> None:
        """`true_clock`: the host's shared clock, for the simulation harness's true fire times
        (a venue in its own time namespace is told the namespace's offset for this alone)."""
        self.clock = clock
        self.estimator = ClockEstimator()
        self.countdown = VenueCountdown(self.estimator)
        self._emit = emit
        self._report_true = report_true_time
        self.siren = siren or Speaker(program=False)
        self.siren.clock = clock  # the siren is placed on the deadline's own clock
        self._fire_late: dict[int, float] = {}
        self._screen_late: dict[int, float] = {}
        self._reported: dict[int, tuple[float, float, float | None]] = {}
        self._control: WireChannel | None = None
        self._clock_ch: WireChannel | None = None
        self._probes: dict[int, float] = {}
        self._seq = 0
        self._last_ack = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        # Other threads of this process to hold for the last milliseconds (the venue app's GUI
        # thread): each is given the event that is set just after firing.
        self.also_quiet: list[Callable[[threading.Event], None]] = []
        self.scheduler = FireScheduler(
            clock,
            self._fired_in_thread,
            true_clock=true_clock,
            quiet=self._park_loop,
            realtime=realtime,
        )

    def attach(self, control: WireChannel, clock_channel: WireChannel) -> None:
        self._control, self._clock_ch = control, clock_channel
        self._loop = asyncio.get_running_loop()
        # Warm long before any arm: a stream that opens seconds before zero on a loaded PC
        # may still be settling (its first buffers drain in bursts) when zero comes.
        self.siren.open()

    def detach(self) -> None:
        # The armed deadline stays: a venue that loses the link after acking still fires.
        self._control = self._clock_ch = None

    def close(self) -> None:
        self.scheduler.close()
        self.siren.close()

    # ---- probes ------------------------------------------------------------------------

    async def run(self) -> None:
        """Probe burst on joining, then 2 Hz; keep arms placed and fire reports delivered."""
        for _ in range(BURST_PROBES):
            self._probe()
            await asyncio.sleep(BURST_GAP_S)
        next_report = 0.0
        while True:
            self._probe()
            self._maintain()
            now = time.monotonic()
            if now >= next_report:
                self._resend_reports()
                next_report = now + 1.0
            arm = self.countdown.current
            armed = arm is not None and arm.state is ArmState.ARMED
            await asyncio.sleep(ARMED_PROBE_INTERVAL_S if armed else PROBE_INTERVAL_S)

    def _probe(self) -> None:
        if self._clock_ch is None:
            return
        self._seq += 1
        t1 = self.clock()
        self._probes[self._seq] = t1
        for old in [s for s in self._probes if s < self._seq - 20]:
            del self._probes[old]
        self._clock_ch.send(wire.ClockProbe(seq=self._seq, t1=t1))

    def on_clock_message(self, msg: wire.Message) -> None:
        if not isinstance(msg, wire.ClockReply):
            return
        t4 = self.clock()
        sent = self._probes.pop(msg.seq, None)
        if sent is None or sent != msg.t1:
            return  # not ours, or a duplicate
        self.estimator.add(ClockSample(msg.t1, msg.t2, msg.t3, t4))

    # ---- arming ------------------------------------------------------------------------

    def on_control_message(self, msg: wire.Message) -> bool:
        match msg:
            case wire.Arm(arm_id=arm_id, fire_at=fire_at):
                arm = self.countdown.on_arm(arm_id, fire_at, self.clock())
                self._apply(arm)
                self._ack(arm)
                return True
            case wire.Abort(arm_id=arm_id):
                aborted = self.countdown.on_abort(arm_id)
                self.scheduler.cancel(arm_id)
                self.siren.cancel_siren(arm_id)
                if aborted is not None:
                    self._ack(aborted)
                    self._emit(CountdownChanged(arm_id, aborted.state, None, None))
                elif self._control:
                    self._control.send(wire.ArmAck(arm_id=arm_id, state=ArmState.ABORTED.value))
                return True
            case wire.FireReportAck(arm_id=arm_id):
                self.countdown.report_acked(arm_id)
                return True
        return False

    def _apply(self, arm: VenueArm) -> None:
        if arm.state is ArmState.ARMED and arm.deadline_local is not None:
            self.siren.open()  # open and warm long before zero: nothing is started at zero
            self._place(arm.arm_id, arm.deadline_local)
        self._emit(CountdownChanged(arm.arm_id, arm.state, arm.deadline_local, arm.bound_s))

    def _ack(self, arm: VenueArm) -> None:
        self._last_ack = time.monotonic()
        if self._control:
            self._control.send(
                wire.ArmAck(
                    arm_id=arm.arm_id,
                    state=arm.state.value,
                    local_deadline=arm.deadline_local,
                    bound_s=arm.bound_s,
                )
            )

    def _maintain(self) -> None:
        arm = self.countdown.current
        if arm is None:
            return
        if arm.state is ArmState.NO_CLOCK:
            self.countdown.current = None  # place it again now that probes may have answered
            arm = self.countdown.on_arm(arm.arm_id, arm.fire_at_studio, self.clock())
            if arm.state is not ArmState.NO_CLOCK:
                self._apply(arm)
                self._ack(arm)
            return
        if arm.state is ArmState.ARMED and arm.deadline_local is not None:
            if arm.deadline_local - self.clock() < 0.2:
                return  # too close to zero to move the deadline under the firing thread
            refined = self.countdown.refine(self.clock())
            if refined is not None and refined.deadline_local is not None:
                self._place(refined.arm_id, refined.deadline_local)
                if time.monotonic() - self._last_ack >= ACK_REFRESH_S:
                    self._ack(refined)

    # ---- firing ------------------------------------------------------------------------

    def _place(self, arm_id: int, deadline_local: float) -> None:
        """The decision at the deadline on the firing thread; the siren on the output stream's
        timeline, at the sample whose DAC time is the same deadline."""
        self.scheduler.schedule(arm_id, deadline_local)
        self.siren.schedule_siren(arm_id, deadline_local)

    def zero_screen_shown(self, late_s: float) -> None:
        """Loop thread: a venue screen painted the zero screen `late_s` after the deadline."""
        arm = self.countdown.current
        if arm is not None:
            self.screen_shown(arm.arm_id, late_s)

    def screen_shown(self, arm_id: int, late_s: float) -> None:
        """The venue's screens showed the zero screen `late_s` after the deadline (its own
        measure); with a projector and the crew's window, the later of the two counts."""
        self._screen_late[arm_id] = max(late_s, self._screen_late.get(arm_id, late_s))
        # Sent again even when the first report was acknowledged: the studio keeps the newest.
        sent = self._reported.get(arm_id)
        if sent is not None:
            self._send_report(arm_id, *sent)

    def _park_loop(self, released: threading.Event) -> None:
        """Hold the event loop (GIL released) for the last milliseconds before zero."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(released.wait, PARK_MAX_S)
        for park in self.also_quiet:
            try:
                park(released)
            except Exception:
                log.exception("could not hold a thread for the firing")

    def _fired_in_thread(self, record: FireRecord) -> None:
        # The siren is already on the stream's timeline; this thread only records the decision.
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._fired, record)

    def _fired(self, record: FireRecord) -> None:
        arm = self.countdown.current
        # How late the thread decided, on this venue's own clock: reported beside the bound,
        # which is the clock estimate's and was decided before zero.
        self._fire_late[record.arm_id] = record.fired_local - record.deadline_local
        for old in sorted(self._fire_late)[:-8]:
            self._fire_late.pop(old, None)
            self._screen_late.pop(old, None)
        self.countdown.fired(record.arm_id, record.fired_local, record.fired_true)
        log.info("fired arm %d at local %.6f", record.arm_id, record.fired_local)
        deadline = arm.deadline_local if arm else record.deadline_local
        self._emit(
            CountdownChanged(
                record.arm_id, ArmState.FIRED, deadline, arm.bound_s if arm else None, record
            )
        )
        self._resend_reports()

    def _resend_reports(self) -> None:
        if self._control is None:
            return
        for arm_id, report in list(self.countdown.pending_reports.items()):
            self._reported[arm_id] = report
            for old in sorted(self._reported)[:-8]:
                del self._reported[old]
            self._send_report(arm_id, *report)

    def _send_report(
        self, arm_id: int, local_fire: float, bound: float, true_fire: float | None
    ) -> None:
        if self._control is None:
            return
        arm = self.countdown.current
        deadline = arm.deadline_local if arm and arm.arm_id == arm_id else local_fire
        onset = self.siren.onset(arm_id)
        self._control.send(
            wire.FireReport(
                arm_id=arm_id,
                local_deadline=deadline or local_fire,
                local_fire=local_fire,
                bound_s=bound,
                true_fire=true_fire if self._report_true else None,
                onset_method=onset.method if onset else None,
                onset_local=onset.onset_local if onset else None,
                fire_late_s=self._fire_late.get(arm_id),
                onset_late_s=onset.late_s if onset else None,
                hall_latency_s=onset.hall_latency_s if onset else None,
                screen_late_s=self._screen_late.get(arm_id),
            )
        )
