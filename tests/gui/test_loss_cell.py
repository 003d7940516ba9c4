"""The board's loss cell carries the studio's recent concealment of the venue's sound."""

from __future__ import annotations

import msgspec

from ceremony.wire import Tally
from tests.gui.test_multiviewer import _row
from ui.console.window import _loss


def test_the_loss_cell_shows_the_concealed_sound_only_when_there_is_some() -> None:
    row = _row("kota-001", loss_in_pct=5.2, loss_out_pct=0.4, tally=Tally.STANDBY)
    assert _loss(row) == "5.2/0.4"
    assert _loss(msgspec.structs.replace(row, audio_concealed_recent_pct=0.0)) == "5.2/0.4"
    assert _loss(msgspec.structs.replace(row, audio_concealed_recent_pct=1.26)) == "5.2/0.4 ♪1.3"


def test_the_loss_cell_shows_the_recent_share_not_the_whole_run() -> None:
    """A venue that concealed 6 % in a bad minute and is clean now shows no ♪ (the whole run's
    share is the as-run report's)."""
    row = _row("kota-001", loss_in_pct=0.0, loss_out_pct=0.0, tally=Tally.STANDBY)
    recovered = msgspec.structs.replace(
        row, audio_concealed_pct=6.0, audio_concealed_recent_pct=0.0
    )
    assert _loss(recovered) == "0.0/0.0"
