"""A share over the last few seconds, from counters that only grow.

The studio counts a venue's sound packets for the whole run (received, concealed, ...). A share
of those totals never forgets: a venue that lost 5 % of its sound in a bad minute and has been
clean for ten since still shows red. The board wants the recent share; the as-run report keeps
the whole run's. Fed the totals and `now` whenever the caller looks (any rate), it answers
the share of the last `window_s`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

WINDOW_S = 20.0  # long enough for a few lost bursts to show, short enough to clear soon after
STEP_S = 1.0  # samples closer than this are merged: memory stays ~window/step at any call rate


@dataclass
class RecentShare:
    window_s: float = WINDOW_S
    step_s: float = STEP_S
    # (now, part, whole) totals; the first is the newest one at or before the window's start
    _samples: deque[tuple[float, int, int]] = field(default_factory=deque)

    def update(self, now: float, part: int, whole: int) -> float | None:
        """Note the totals at `now`; the share (in %) of `part` in `whole` over the last
        `window_s` (over what there is, early on), or None when nothing was counted in it."""
        self.note(now, part, whole)
        return self.share(now, part, whole)

    def note(self, now: float, part: int, whole: int) -> None:
        """Keep the totals at `now` (the studio does so on a periodic job, once a second)."""
        s = self._samples
        if s and part == s[-1][1] and whole == s[-1][2] and now >= s[-1][0]:
            # Nothing counted since: the first sample of these totals answers `share` as all
            # of them would (through an SFU the studio hears most venues' sound not at all).
            return
        if s and (part < s[-1][1] or whole < s[-1][2] or now < s[-1][0]):
            s.clear()  # the counters (or the clock) started again: so does the window
        if len(s) >= 2 and now - s[-2][0] < self.step_s:
            s[-1] = (now, part, whole)
        else:
            s.append((now, part, whole))
        start = now - self.window_s
        while len(s) > 1 and s[1][0] <= start:
            s.popleft()

    def share(self, now: float, part: int, whole: int) -> float | None:
        """The share (in %) of `part` in `whole` since the window's start, from the totals kept
        so far; reading changes nothing. None when nothing was counted in it (or nothing kept:
        counters that went backwards since are a new start too)."""
        s = self._samples
        if not s or part < s[-1][1] or whole < s[-1][2]:
            return None
        start = now - self.window_s
        base = s[0]
        for sample in s:  # the newest kept at or before the window's start
            if sample[0] > start:
                break
            base = sample
        _, part0, whole0 = base
        if whole == whole0:
            return None
        return 100.0 * (part - part0) / (whole - whole0)
