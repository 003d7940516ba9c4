"""What the studio takes of each venue through the SFU, and how its subscriptions follow
(media/sfu/feeds.py)."""

from __future__ import annotations

from media.mixer import AudioMixer
from media.sfu.feeds import FeedLevel, StudioFeeds, _Taken, wanted_levels
from media.sfu.janus import JanusError


def test_on_air_and_preview_in_full_visible_tiles_small_the_rest_nothing() -> None:
    levels = wanted_levels("v07", "v42", {"v01", "v02", "v07"})
    assert levels == {
        "v01": FeedLevel.SMALL,
        "v02": FeedLevel.SMALL,
        "v07": FeedLevel.FULL,  # on air and on the page: full, once
        "v42": FeedLevel.FULL,  # on preview, on another page: still taken
    }
    assert wanted_levels(None, None, set()) == {}


class _Feeds(StudioFeeds):
    """The reconciliation alone: taking and dropping are recorded, Janus is not asked."""

    def __init__(self) -> None:
        super().__init__("http://janus", 1, "pin", AudioMixer(), lambda s: False, on_track=print)
        self.log: list[tuple[str, str, FeedLevel]] = []
        self.refuse: set[str] = set()

    async def _take(self, venue_id: str, feed: int, level: FeedLevel) -> _Taken:
        if venue_id in self.refuse:
            raise JanusError("join: No such feed (428)")
        self.log.append(("take", venue_id, level))
        return _Taken(feed, level, handle=None, pc=None)  # type: ignore[arg-type]

    async def _drop(self, taken: _Taken) -> None:
        self.log.append(("drop", str(taken.feed), taken.level))


async def test_subscriptions_follow_what_is_wanted_new_before_old() -> None:
    feeds = _Feeds()
    feeds.want({"v1": FeedLevel.SMALL, "v2": FeedLevel.SMALL})
    first = feeds.assign("v1")
    assert await feeds._reconcile() is False  # v2 has not joined: not asked for
    assert feeds.log == [("take", "v1", FeedLevel.SMALL)]
    feeds.log.clear()
    feeds.want({"v1": FeedLevel.FULL})
    feeds.refuse.add("v1")
    assert await feeds._reconcile() is True  # refused: retried, the small copy kept
    assert feeds.taken["v1"].level is FeedLevel.SMALL and feeds.log == []
    feeds.refuse.clear()
    assert await feeds._reconcile() is False
    assert feeds.log == [("take", "v1", FeedLevel.FULL), ("drop", str(first), FeedLevel.SMALL)]
    feeds.log.clear()
    second = feeds.assign("v1")  # the venue rejoined: its old feed is gone
    feeds.refuse.add("v1")  # and it has not published the new one yet
    assert await feeds._reconcile() is True
    assert "v1" not in feeds.taken and feeds.log == [("drop", str(first), FeedLevel.FULL)]
    feeds.refuse.clear()
    await feeds._reconcile()
    assert feeds.taken["v1"].feed == second
    feeds.forget("v1")
    await feeds._reconcile()
    assert feeds.taken == {}
