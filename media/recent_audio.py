"""The board's figure for a venue's sound: the share concealed over the last seconds.

The studio engine keeps one `RecentConcealment` per venue record beside its whole-run
counters (media/opus_receive.py) and asks it each time it reports (`StudioEngine.status()`);
the whole-run share stays in the report for the as-run record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ceremony.recent import RecentShare
from media.opus_receive import OpusReceiveStats


@dataclass
class RecentConcealment:
    share: RecentShare = field(default_factory=RecentShare)

    def update(self, stats: OpusReceiveStats, now: float) -> float | None:
        """The share (in %) of the venue's sound packets concealed in the last window, or None
        when none reached the studio in it; `now` on the monotonic clock."""
        pct = self.share.update(now, stats.concealed, stats.expected)
        return None if pct is None else round(pct, 2)
