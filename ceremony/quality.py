"""Which quality rung of the program each venue gets, from its own receiver feedback.

The studio encodes the program once per rung (e.g. 1280×720 and 640×360), each once for every
venue on it. A venue whose link cannot carry its rung loses packets, asks for keyframes, and
would make everyone's picture pulse if its requests were obeyed each time; so it is moved down,
and moved back up only after a long clean stretch (hysteresis: a link at the edge must not
flap). Pure: fed the loss the venue reported, its keyframe requests and `now`.
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


@dataclass
class RungPolicy:
    """One venue's rung. 0 is the top; `lowest` the last rung there is."""

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

    def keyframe_requested(self, now: float) -> None:
        self._requests.append(now)
        while self._requests and now - self._requests[0] > KEYFRAME_WINDOW_S:
            self._requests.popleft()

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
        if struggling and self._moved_up_at is not None:
            self._moved_up_at = None
            self.up_clean_s = min(MAX_UP_CLEAN_S, 2 * self.up_clean_s)
            settled = True  # back down at once
        if loss_pct is None or loss_pct > UP_LOSS_PCT or struggling:
            self.clean_since = None
        elif self.clean_since is None:
            self.clean_since = now
        if struggling and settled and self.rung < self.lowest:
            self._move(now, self.rung + 1)
        elif (
            not struggling
            and settled
            and self.rung > 0
            and self.clean_since is not None
            and now - self.clean_since >= self.up_clean_s
        ):
            self._move(now, self.rung - 1)
            self._moved_up_at = now
        return self.rung

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
        self._requests.clear()  # the new rung starts with a clean record
