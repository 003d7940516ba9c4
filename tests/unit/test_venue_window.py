"""The venue's window link: its messages survive the wire, and the view the window shows is the
view the link keeps."""

from __future__ import annotations

import msgspec
import pytest

from ceremony import venue_window as vw
from ceremony import wire
from ceremony.countdown import ArmState
from ceremony.operator_link import LinkRefusal, LinkRefused
from ceremony.venue_states import LinkProblem, LinkState
from media.venue import LinkStateChanged, MessageReceived
from media.venue_countdown import CountdownChanged
from media.venue_view import ViewKeeper

WELCOME = wire.Welcome(
    studio="Studio Kementerian PANRB",
    ceremony_id="c",
    ceremony_title="Peresmian Serentak",
    venue_id="kota-cirebon",
    venue_name="MPP Kota Cirebon",
)
PROGRAM = wire.ProgramState(
    tally=wire.Tally.ON_AIR, item_index=2, item_count=8, item_title="Sambutan", ends_at=1234.5
)
FULL_STATE = vw.VenueState(
    link=LinkState.RECONNECTING,
    link_detail="studio quiet for 3 s",
    refusal=wire.JoinRefusal.EXPIRED,
    problem=LinkProblem.STUDIO_QUIET,
    retry_in_s=2.5,
    welcome=WELCOME,
    program=PROGRAM,
    program_at=1000.25,
    program_offset=-0.0125,
    cue="Siap sirene",
    cue_at=1001.0,
    chat=((True, "halo"), (False, "kami siap")),
    countdown_state=ArmState.ARMED,
    countdown_deadline=1030.123456789,
    countdown_bound_s=0.0021,
    rtt_ms=12.5,
    sound_problem="no sound: PaErrorCode -9996",
    seq=7,
)

WINDOW_MESSAGES: list[vw.WindowMessage] = [
    vw.WindowHello("t" * 43, "venue window on pc (pid 1)"),
    vw.SayChat("kami siap"),
    vw.SetReady(True, "Budi 0812"),
    vw.ZeroShown(-0.004),
    vw.WantPicture(1280, 720),
    vw.WantPicture(0, 0),
    vw.Leave(),
]
SERVER_MESSAGES: list[vw.WindowServerMessage] = [
    vw.WindowWelcome("c", "kota-cirebon", "MPP Kota Cirebon", 4711),
    LinkRefused(LinkRefusal.BAD_TOKEN, "wrong token", v=vw.WINDOW_LINK_VERSION),
    vw.VenueState(),
    FULL_STATE,
    vw.Picture(4, 2, bytes(range(12))),
    vw.LinkEnding(LinkState.REFUSED),
]


@pytest.mark.parametrize("message", WINDOW_MESSAGES, ids=lambda m: type(m).__name__)
def test_every_window_message_round_trips(message: vw.WindowMessage) -> None:
    assert vw.decode_window(vw.encode(message)) == message


@pytest.mark.parametrize("message", SERVER_MESSAGES, ids=lambda m: type(m).__name__)
def test_every_link_message_round_trips(message: vw.WindowServerMessage) -> None:
    assert vw.decode_server(vw.encode(message)) == message


def test_the_deadline_crosses_exactly() -> None:
    """The window's countdown reaches zero at the link's own instant: no rounding on the way."""
    decoded = vw.decode_server(vw.encode(FULL_STATE))
    assert isinstance(decoded, vw.VenueState)
    assert decoded.countdown_deadline == FULL_STATE.countdown_deadline
    assert decoded.welcome == WELCOME and decoded.program == PROGRAM


def test_a_link_message_is_not_taken_for_a_window_message() -> None:
    with pytest.raises(msgspec.ValidationError):
        vw.decode_window(vw.encode(vw.VenueState()))
    with pytest.raises(msgspec.ValidationError):
        vw.decode_server(vw.encode(vw.Leave()))


def test_hello_checks_the_version_and_the_token() -> None:
    hello = vw.WindowHello("secret", "window")
    assert vw.check_hello(hello, "secret", same=True) is None
    wrong = vw.check_hello(hello, "secret", same=False)
    assert wrong is not None and wrong.reason is LinkRefusal.BAD_TOKEN
    assert vw.check_hello(hello, "", same=True) is not None  # no token: nobody gets in
    older = vw.check_hello(vw.WindowHello("secret", "window", v=0), "secret", same=True)
    assert older is not None and older.reason is LinkRefusal.VERSION
    assert older.v == vw.WINDOW_LINK_VERSION  # the window learns which version to speak


@pytest.mark.parametrize(
    ("size", "box", "fitted"),
    [
        ((320, 180), (1280, 720), (1280, 720)),
        ((320, 180), (1000, 1000), (1000, 562)),  # letterboxed, even sides for I420
        ((320, 180), (301, 169), (300, 168)),
        ((160, 96), (1, 1), (2, 2)),
    ],
)
def test_pictures_are_fitted_to_even_sides(
    size: tuple[int, int], box: tuple[int, int], fitted: tuple[int, int]
) -> None:
    assert vw.fitted(*size, *box) == fitted


def test_the_view_the_link_keeps_crosses_to_the_window_whole() -> None:
    changes: list[int] = []
    keeper = ViewKeeper(lambda: None, lambda: changes.append(1))
    keeper.on_event(LinkStateChanged(LinkState.CONNECTED, "Studio Kementerian PANRB"))
    keeper.on_event(MessageReceived(WELCOME))
    keeper.on_event(CountdownChanged(3, ArmState.ARMED, 2000.000123, 0.0015))
    keeper.on_event(MessageReceived(wire.Chat(text="halo", sender="studio")))
    keeper.add_chat(False, "kami siap")
    view = keeper.view()
    assert len(changes) == 5  # every change is told (the server pushes it at once)
    assert view.link is LinkState.CONNECTED and view.welcome == WELCOME
    assert view.countdown_deadline == 2000.000123 and view.countdown_bound_s == 0.0015
    assert view.chat == ((True, "halo"), (False, "kami siap"))
    assert vw.decode_server(vw.encode(view)) == view
