"""The board's figure for a venue's sound: the share concealed over the last seconds.

The studio engine keeps one `RecentConcealment` per venue record beside its whole-run
counters (media/opus_receive.py): a periodic job notes the counters (`note`), and reporting
(`StudioEngine.status()`) only reads (`pct`), so reading changes nothing; the whole-run share
stays in the report for the as-run record.
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
        self.note(stats, now)
        return self.pct(stats, now)

    def note(self, stats: OpusReceiveStats, now: float) -> None:
        self.share.note(now, stats.concealed, stats.expected)

    def pct(self, stats: OpusReceiveStats, now: float) -> float | None:
        """The recent share now, from what was noted (pure)."""
        pct = self.share.share(now, stats.concealed, stats.expected)
        return None if pct is None else round(pct, 2)
