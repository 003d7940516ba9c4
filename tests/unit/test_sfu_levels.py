"""What the studio takes of each venue through the SFU (media/sfu/feeds.py)."""

from __future__ import annotations

from media.sfu.feeds import FeedLevel, wanted_levels


def test_on_air_and_preview_in_full_visible_tiles_small_the_rest_nothing() -> None:
    levels = wanted_levels("v07", "v42", {"v01", "v02", "v07"})
    assert levels == {
        "v01": FeedLevel.SMALL,
        "v02": FeedLevel.SMALL,
        "v07": FeedLevel.FULL,  # on air and on the page: full, once
        "v42": FeedLevel.FULL,  # on preview, on another page: still taken
    }
    assert wanted_levels(None, None, set()) == {}
