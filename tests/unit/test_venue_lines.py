"""`ceremony venue --headless` prints one readable line per change, never a repr."""

from __future__ import annotations

import datetime as dt

from ceremony import wire
from ceremony.countdown import ArmState
from launcher.venue_lines import VenueLines
from media.venue import LinkProblem, LinkState, LinkStateChanged, MessageReceived
from media.venue_countdown import CountdownChanged

AT = dt.datetime(2026, 12, 20, 10, 2, 3).timestamp()  # local time, as the line shows it


def laporan(remaining: float, **fields: object) -> MessageReceived:
    base: dict[str, object] = {
        "tally": wire.Tally.ON_AIR,
        "item_index": 4,
        "item_count": 9,
        "item_title": "Laporan Wali Kota",
        "remaining_s": remaining,
        "phase": "normal",
    }
    base.update(fields)
    return MessageReceived(wire.ProgramState(**base))  # type: ignore[arg-type]


def test_a_program_state_is_one_line_and_its_resends_are_silent() -> None:
    lines = VenueLines(wall=lambda: AT)
    assert (
        lines.line(laporan(191.2)) == "10:02:03 item 5/9 'Laporan Wali Kota' — ON AIR — 03:12 left"
    )
    assert lines.line(laporan(186.0)) is None  # the periodic re-send: nothing new to say
    assert lines.line(laporan(25.0, phase="warning")) == (
        "10:02:03 item 5/9 'Laporan Wali Kota' — ON AIR — 00:25 left (warning)"
    )
    assert lines.line(laporan(-12.0, phase="overtime")) == (
        "10:02:03 item 5/9 'Laporan Wali Kota' — ON AIR — 00:12 over"
    )
    assert lines.line(laporan(40.0, held=True)) == (
        "10:02:03 item 5/9 'Laporan Wali Kota' — ON AIR — held at 00:40"
    )
    ended = MessageReceived(
        wire.ProgramState(tally=wire.Tally.STANDBY, item_index=None, item_count=9, ended=True)
    )
    assert lines.line(ended) == "10:02:03 the ceremony has ended"


def test_link_cue_and_countdown_lines_are_words() -> None:
    lines = VenueLines(wall=lambda: AT)
    down = LinkStateChanged(
        LinkState.RECONNECTING,
        "studio unreachable (127.0.0.1:9: connection refused); retrying in 1.2 s",
        problem=LinkProblem.UNREACHABLE,
        retry_in_s=1.2,
    )
    assert lines.line(down) == (
        "10:02:03 link reconnecting — studio unreachable (127.0.0.1:9: connection refused); "
        "retrying in 1.2 s"
    )
    assert lines.line(LinkStateChanged(LinkState.ENDED, "x")) == (
        "10:02:03 the studio ended the ceremony: nothing more to do here"
    )
    assert lines.line(MessageReceived(wire.Cue(cue_id=1, text="Mohon bersiap"))) == (
        "10:02:03 cue from the studio: Mohon bersiap"
    )
    armed = CountdownChanged(3, ArmState.ARMED, 100.0, 0.0012)
    assert lines.line(armed) == "10:02:03 countdown armed (clock ±1.2 ms)"
    assert lines.line(armed) is None
    assert lines.line(CountdownChanged(3, ArmState.FIRED, 100.0, 0.0012)) == (
        "10:02:03 zero — DIRESMIKAN"
    )
    assert lines.line(MessageReceived(wire.Heartbeat(seq=1))) is None
