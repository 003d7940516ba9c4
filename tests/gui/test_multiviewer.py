"""The console at 100 venues, offscreen and without an engine: the multiviewer pages through
the venues keeping the on-air and preview venues in view, and the board lists every venue with
the troubled ones first."""

from __future__ import annotations

import msgspec
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ceremony.runsheet import Venue
from ceremony.wire import Tally
from ui.bridge import VenueRow
from ui.console.board import Health, VenueBoard, health_counts, health_of
from ui.console.multiviewer import PAGE_SIZE, Multiviewer, page_count, page_of

pytestmark = pytest.mark.gui

IDS = [f"mpp-{n:03d}" for n in range(1, 101)]


def _venues() -> list[Venue]:
    return [Venue(id=vid, name=f"MPP {vid[-3:]}") for vid in IDS]


def _row(vid: str, **changes: object) -> VenueRow:
    row = VenueRow(
        id=vid,
        name=f"MPP {vid[-3:]}",
        status="joined",
        rtt_ms=3.0,
        video_fps=5.0,
        program_fps=30.0,
        latency_ms=90.0,
        ready=True,
        contact="",
        reconnects=0,
        audio_dbfs=-30.0,
        tally=Tally.STANDBY,
        countdown_state=None,
        countdown_bound_ms=None,
        countdown_error_ms=None,
        last_seen_s=0.2,
    )
    return msgspec.structs.replace(row, **changes)


def test_pages_cover_every_venue_once_and_small_ceremonies_have_one() -> None:
    assert page_count(11) == 1 and page_of(IDS[:11], 0, None, None) == IDS[:11]
    pages = page_count(100)
    assert pages == 8  # 14 a page, two places kept for on air and preview
    seen = [vid for p in range(pages) for vid in page_of(IDS, p, None, None)]
    assert sorted(seen) == IDS and len(seen) == 100
    assert all(len(page_of(IDS, p, "mpp-001", "mpp-100")) <= PAGE_SIZE for p in range(pages))


def test_paging_keeps_on_air_and_preview_in_view(qtbot: QtBot) -> None:
    shown: list[frozenset[str]] = []
    viewer = Multiviewer(_venues(), lambda *a: None, lambda vid: None)
    qtbot.addWidget(viewer)
    viewer.shown_changed.connect(shown.append)
    viewer.resize(1366, 500)
    viewer.show()
    viewer.follow("mpp-077", "mpp-003")  # the first snapshot: on air and preview
    assert shown[-1] == frozenset(viewer.shown)
    for page in range(viewer.pages):
        assert viewer.page == page
        visible = {vid for vid, tile in viewer.tiles.items() if tile.isVisible()}
        assert {"mpp-077", "mpp-003"} <= visible
        assert visible == set(viewer.shown) == shown[-1]
        assert len(visible) <= PAGE_SIZE
        qtbot.mouseClick(viewer.next, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert viewer.page == 0  # wrapped round
    viewer.turn(-1)
    assert viewer.page == viewer.pages - 1 and "mpp-100" in viewer.shown
    viewer.follow("mpp-050", None)  # a TAKE on another page: the tile comes into view
    assert "mpp-050" in viewer.shown and "mpp-077" not in viewer.shown


def test_the_board_lists_every_venue_troubled_first(qtbot: QtBot) -> None:
    board = VenueBoard(_venues(), 9)
    qtbot.addWidget(board)
    rows = [_row(vid) for vid in IDS]
    rows[41] = _row(IDS[41], status="lost", last_seen_s=12.0)
    rows[7] = _row(IDS[7], loss_in_pct=4.0)
    rows[88] = _row(IDS[88], sound_problem="no output device")
    rows[60] = _row(IDS[60], status="invited", last_seen_s=None)
    ordered = board.order(rows, flagged=["mpp-096"])
    assert [v.id for v in ordered[:5]] == ["mpp-042", "mpp-008", "mpp-089", "mpp-096", "mpp-061"]
    assert board.rowCount() == 100 and len(ordered) == 100
    assert [board.item(i, 0).text() for i in range(2)] == ["● MPP 042", "● MPP 008"]  # type: ignore[union-attr]
    assert board.row_ids[:2] == ["mpp-042", "mpp-008"]
    first = {v.id for v in ordered[:5]}
    assert [v.id for v in ordered[5:]] == [vid for vid in IDS if vid not in first]  # sheet order
    counts = health_counts(rows, ["mpp-096"])
    assert counts == {Health.LOST: 1, Health.TROUBLED: 3, Health.WAITING: 1, Health.WELL: 95}
    # Well again: back to its place in the run-sheet's order.
    rows[7] = _row(IDS[7])
    assert health_of(rows[7]) is Health.WELL
    assert [v.id for v in board.order(rows)][:3] == ["mpp-042", "mpp-089", "mpp-061"]


def test_recent_concealment_troubles_a_venue_and_recovery_clears_it() -> None:
    """The board judges a venue's sound by its last seconds, not by the whole run."""
    bad_now = _row(IDS[3], audio_concealed_pct=0.5, audio_concealed_recent_pct=3.0)
    assert health_of(bad_now) is Health.TROUBLED
    recovered = _row(IDS[3], audio_concealed_pct=6.0, audio_concealed_recent_pct=0.0)
    assert health_of(recovered) is Health.WELL
