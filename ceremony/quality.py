"""Which quality rung of the program each venue gets, from its own receiver feedback.

The studio encodes the program once per rung (e.g. 1280×720 and 640×360), each once for every
venue on it. A venue whose link cannot carry its rung loses packets, asks for keyframes, and
would make everyone's picture pulse if its requests were obeyed each time; so it is moved down,
and moved back up only after a long clean stretch (hysteresis: a link at the edge must not
flap). Pure: fed the loss the venue reported, its keyframe requests, its receiver's estimate of
what its link carries (REMB, where it sends one) and `now`.

The estimate, where a venue sends one: loss alone cannot tell a link too narrow for the rung
above from one that lost a burst, so a venue moved down was probed up again blindly after each
clean stretch (the 1.5 Mbit/s bench venue at 25.7 s: 2.1 s of late frames until it was undone).
- A drop while the estimate is below the rung above's bitrate learns a ceiling: no probe of that
  rung for CEILING_S. A failed probe of it learns it again, twice as long (up to MAX_CEILING_S);
  a move up to it that holds (PROBE_S) forgets it. With no estimate at the drop, the first one
  within ESTIMATE_AFTER_DROP_S after it counts as the one at the drop (aiortc's receiver sends
  none for its first ~3 s, or until it sees congestion).
- An estimate of at least ESTIMATE_UP_MARGIN × the rung above's bitrate, held ESTIMATE_UP_HOLD_S
  with clean loss as long, moves the venue up without the blind wait (a ceiling too: the link
  has shown it carries more now).
- No estimate at all (count-only bench venues keep no estimator; other receivers may send
  none): exactly the loss-driven behaviour above.
Limits, honestly (aiortc's estimator caps what it sends at about 1.5× the rate it receives, plus
10 kbit/s, and starts, ~3 s into the picture, from the rate of its last second):
- On the lower rung the estimate cannot reach the top rung's bitrate, let alone 1.25× it: a venue
  that learned a ceiling returns to the top only when the ceiling ages (5 min, then 10 …), even if
  its link has grown meanwhile.
- A venue dropped in its first seconds gets a first estimate made from the lower rung's rate, so
  it learns a ceiling whatever the cause (the bench's 5 %-loss venue does; at that loss it is
  never clean enough to be probed anyway).
- `bitrates` are what each rung really sends, capped at its nominal rate (SentRates): a picture
  that compresses below the top rung's nominal rate (a plain podium shot; a starved bench
  studio sent 535 kbit/s of its 2.5 Mbit/s) would otherwise keep every venue's estimate below
  it, and any drop would learn a ceiling.
- A clean venue whose estimate is spuriously low at a drop (its own machine starved: packets
  read late look like congestion to the estimator) is held down up to CEILING_S for nothing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

DOWN_LOSS_PCT = 4.0  # one report interval this lossy: the link cannot carry the rung
UP_LOSS_PCT = 1.0  # clean enough to try the rung above …
UP_CLEAN_S = 20.0  # … after this long without a worse report
MIN_DWELL_S = 6.0  # no change sooner than this after the last one …
# … but a move up that the link cannot carry is undone at once (a failed probe is the flap the
# dwell is there to prevent): on the 1.5 Mbit/s bench venue each probe of the top rung held it
# there 6 s, its picture frozen waiting for keyframes its link dropped, every ~26 s. Each probe
# that fails doubles the clean stretch the next one waits for.
PROBE_S = 15.0  # a move up that survives this long was right: the wait is UP_CLEAN_S again
MAX_UP_CLEAN_S = 320.0
KEYFRAME_WINDOW_S = 10.0
MAX_KEYFRAME_REQUESTS = 4  # more in the window: the venue keeps losing pictures
FEC_ON_LOSS_PCT = 1.0  # from this much loss the venue's program audio carries Opus FEC …
FEC_OFF_CLEAN_S = 30.0  # … until it has been clean this long
# The venue receiver's bandwidth estimate (see the module's docstring).
CEILING_S = 300.0  # a drop the estimate explains: no probe of the rung above this long …
MAX_CEILING_S = 3600.0  # … doubled by each failed probe of it, up to this
ESTIMATE_AFTER_DROP_S = 3.0  # no estimate at a drop: the first within this long stands for it
ESTIMATE_UP_MARGIN = 1.25  # an estimate this far above the rung above's bitrate …
ESTIMATE_UP_HOLD_S = 10.0  # … held this long, loss clean as long: up, no blind wait
ESTIMATE_FRESH_S = 5.0  # an older estimate is none (aiortc sends one every ~0.5 s)


@dataclass
class RungPolicy:
    """One venue's rung. 0 is the top; `lowest` the last rung there is; `bitrates` each rung's
    bit rate, top first (empty: estimates are kept but never used)."""

    lowest: int
    rung: int = 0
    changed_at: float | None = None
    clean_since: float | None = None
    # Audio is protected first: FEC on the program audio (a wideband SILK stream with in-band
    # FEC, encoded once for every venue that needs it) from the first lossy report.
    audio_fec: bool = False
    _audio_clean_since: float | None = None
    _requests: deque[float] = field(default_factory=deque)
    up_clean_s: float = UP_CLEAN_S  # the clean stretch the next move up waits for
    _moved_up_at: float | None = None  # while a move up is on probation
    bitrates: tuple[int, ...] = ()
    estimate_bps: int | None = None  # the venue receiver's latest estimate (REMB)
    estimate_at: float | None = None
    # rung -> until when it is not probed (its ceiling); and how long its next one lasts
    ceilings: dict[int, float] = field(default_factory=dict)
    _ceiling_s: dict[int, float] = field(default_factory=dict)
    _drop_unexplained: tuple[int, float] | None = None  # (rung above, when): awaits an estimate
    _estimate_high_since: float | None = None  # clearing the rung above with margin since

    def keyframe_requested(self, now: float) -> None:
        self._requests.append(now)
        while self._requests and now - self._requests[0] > KEYFRAME_WINDOW_S:
            self._requests.popleft()

    def estimate(self, now: float, bps: int) -> None:
        """The venue's receiver estimated what its link carries (bit/s)."""
        self.estimate_bps, self.estimate_at = bps, now
        if self._drop_unexplained is not None:
            above, at = self._drop_unexplained
            self._drop_unexplained = None
            if now - at <= ESTIMATE_AFTER_DROP_S and bps < self.bitrates[above]:
                self._learn_ceiling(at, above)
        target = self.rung - 1
        if 0 <= target < len(self.bitrates) and bps >= ESTIMATE_UP_MARGIN * self.bitrates[target]:
            if self._estimate_high_since is None:
                self._estimate_high_since = now
        else:
            self._estimate_high_since = None

    def probe_allowed(self, rung: int, now: float) -> bool:
        """No ceiling holds `rung` back now."""
        until = self.ceilings.get(rung)
        return until is None or now >= until

    def observe(self, now: float, loss_pct: float | None) -> int:
        """The rung for this venue after a loss report (None: no report yet); may move it."""
        while self._requests and now - self._requests[0] > KEYFRAME_WINDOW_S:
            self._requests.popleft()
        self._observe_audio(now, loss_pct)
        settled = self.changed_at is None or now - self.changed_at >= MIN_DWELL_S
        struggling = (loss_pct is not None and loss_pct >= DOWN_LOSS_PCT) or len(
            self._requests
        ) > MAX_KEYFRAME_REQUESTS
        if self._moved_up_at is not None and now - self._moved_up_at >= PROBE_S:
            self._moved_up_at = None  # the link carries it
            self.up_clean_s = UP_CLEAN_S
            self.ceilings.pop(self.rung, None)
            self._ceiling_s.pop(self.rung, None)
        if struggling and self._moved_up_at is not None:
            self._moved_up_at = None
            self.up_clean_s = min(MAX_UP_CLEAN_S, 2 * self.up_clean_s)
            settled = True  # back down at once
        if loss_pct is None or loss_pct > UP_LOSS_PCT or struggling:
            self.clean_since = None
        elif self.clean_since is None:
            self.clean_since = now
        if not self._estimate_fresh(now):
            self._estimate_high_since = None
        if struggling and settled and self.rung < self.lowest:
            above = self.rung
            self._move(now, self.rung + 1)
            self._dropped(now, above)
        elif (
            not struggling
            and settled
            and self.rung > 0
            and (self._estimate_clears(now) or self._clean_long_enough(now))
        ):
            self._move(now, self.rung - 1)
            self._moved_up_at = now
        return self.rung

    def _clean_long_enough(self, now: float) -> bool:
        """The blind probe: clean for the wait, and no ceiling on the rung above."""
        return (
            self.clean_since is not None
            and now - self.clean_since >= self.up_clean_s
            and self.probe_allowed(self.rung - 1, now)
        )

    def _estimate_clears(self, now: float) -> bool:
        """The estimate has cleared the rung above with margin, and loss been clean, long
        enough."""
        return (
            self._estimate_high_since is not None
            and now - self._estimate_high_since >= ESTIMATE_UP_HOLD_S
            and self.clean_since is not None
            and now - self.clean_since >= ESTIMATE_UP_HOLD_S
        )

    def _estimate_fresh(self, now: float) -> bool:
        return self.estimate_at is not None and now - self.estimate_at <= ESTIMATE_FRESH_S

    def _dropped(self, now: float, above: int) -> None:
        """Moved down from `above`: does the estimate say the link cannot carry it?"""
        self._drop_unexplained = None
        if above >= len(self.bitrates):
            return
        # A failed probe of a rung with a ceiling learns it again (longer), whatever the
        # estimate; otherwise the estimate must explain the drop.
        estimate = self.estimate_bps if self._estimate_fresh(now) else None
        if above in self._ceiling_s or (estimate is not None and estimate < self.bitrates[above]):
            self._learn_ceiling(now, above)
        else:  # none yet (or one from before the link filled): the next one decides
            self._drop_unexplained = (above, now)

    def _learn_ceiling(self, at: float, rung: int) -> None:
        last = self._ceiling_s.get(rung)
        span = CEILING_S if last is None else min(MAX_CEILING_S, 2 * last)
        self._ceiling_s[rung] = span
        self.ceilings[rung] = at + span

    def _observe_audio(self, now: float, loss_pct: float | None) -> None:
        if loss_pct is None:
            return
        if loss_pct >= FEC_ON_LOSS_PCT:
            self.audio_fec = True
            self._audio_clean_since = None
        elif self._audio_clean_since is None:
            self._audio_clean_since = now
        elif now - self._audio_clean_since >= FEC_OFF_CLEAN_S:
            self.audio_fec = False

    def _move(self, now: float, rung: int) -> None:
        self.rung = rung
        self.changed_at = now
        self.clean_since = None
        self._estimate_high_since = None  # the rung above is another one now
        self._requests.clear()  # the new rung starts with a clean record


SENT_RATE_SMOOTHING_S = 10.0  # a keyframe's burst must not read as the rung's rate


@dataclass
class SentRates:
    """What each rung really sends (bit/s), smoothed, capped at its nominal rate; the nominal
    rate where a rung has not been encoded lately (no venue on it). Fed the encoders' byte
    counters and `now`."""

    nominal: tuple[int, ...]
    _last: tuple[float, tuple[int, ...]] | None = None
    _smoothed: list[float | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._smoothed = [None] * len(self.nominal)

    def observe(self, now: float, bytes_encoded: tuple[int, ...]) -> tuple[int, ...]:
        last, self._last = self._last, (now, bytes_encoded)
        if last is not None and now > last[0]:
            span = now - last[0]
            weight = min(1.0, span / SENT_RATE_SMOOTHING_S)
            for i, (before, after) in enumerate(zip(last[1], bytes_encoded, strict=True)):
                if after == before:
                    self._smoothed[i] = None  # not encoded: nothing to go by
                    continue
                rate = 8 * (after - before) / span
                old = self._smoothed[i]
                self._smoothed[i] = rate if old is None else old + weight * (rate - old)
        return self.rates()

    def rates(self) -> tuple[int, ...]:
        return tuple(
            nominal if sent is None else int(min(nominal, sent))
            for nominal, sent in zip(self.nominal, self._smoothed, strict=True)
        )
