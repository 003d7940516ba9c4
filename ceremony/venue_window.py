"""The venue's window link: how the venue app's window talks to its link running as a process.

The venue link (signaling, the WebRTC peer, the program's sound, the siren and its firing
thread, fire reports) runs in a process of its own (`ceremony venue --headless --window-link`);
the crew's window is a client of it over a local socket, like the studio's consoles are clients
of the engine (`ceremony.operator_link`, whose token check this link shares). A window that
crashes takes nothing with it: the hall's siren still sounds at its instant and the studio
still gets the fire report; a relaunched app attaches again.

A session: the window sends `WindowHello` (with the machine owner's token); the link answers
`WindowWelcome` or `LinkRefused`. Then the window sends `SayChat`, `SetReady`, `ZeroShown`,
`WantPicture` and `Leave`; the link sends `VenueState` at once on attaching and on a
change, `Picture`s while asked for, and `LinkEnding` just before it ends on its own. All the
instants in `VenueState` are on the machine's monotonic clock, which both processes read, so
the window's countdown still reaches zero at the link's local deadline. Pure: no sockets, no
clock reads; the server and the client live in media/venue_window_{server,client}.py.
"""

from __future__ import annotations

import msgspec

from ceremony import wire
from ceremony.countdown import ArmState
from ceremony.operator_link import LinkRefused, check_version_and_token
from ceremony.venue_states import LinkProblem, LinkState

WINDOW_LINK_VERSION = 1
MAX_FRAME = 8 * 1024 * 1024  # a 1920×1080 program picture in I420 (3 MB) fits
MAX_WINDOW_FRAME = 64 * 1024  # what a window may send: a chat line, a size
CHAT_LINES = 50


# ---- window -> link -------------------------------------------------------------------------


class WindowHello(msgspec.Struct, frozen=True, tag="hello"):
    token: str
    client: str  # who attaches, for the log: "venue window (pid 4711)"
    v: int = WINDOW_LINK_VERSION


class SayChat(msgspec.Struct, frozen=True, tag="chat"):
    """A chat line to the studio; it joins the conversation every window shows."""

    text: str


class SetReady(msgspec.Struct, frozen=True, tag="ready"):
    ready: bool
    contact: str


class ZeroShown(msgspec.Struct, frozen=True, tag="zero_shown"):
    """The window painted the zero screen `late_s` after the deadline (negative: before)."""

    late_s: float


class WantPicture(msgspec.Struct, frozen=True, tag="want_picture"):
    """The program picture, fitted into `width`×`height` (0×0: none; the link then converts
    nothing for this window)."""

    width: int
    height: int


class Leave(msgspec.Struct, frozen=True, tag="leave"):
    """The crew closed the app on purpose: the link leaves the ceremony and its process ends."""


WindowMessage = WindowHello | SayChat | SetReady | ZeroShown | WantPicture | Leave


# ---- link -> window -------------------------------------------------------------------------


class WindowWelcome(msgspec.Struct, frozen=True, tag="welcome"):
    ceremony_id: str
    venue_id: str
    venue_name: str
    link_pid: int
    v: int = WINDOW_LINK_VERSION


class VenueState(msgspec.Struct, frozen=True, kw_only=True, tag="state"):
    """Everything the venue's screens show (the fields of the window's view, by name), taken by
    the link at one instant. Instants are on the machine's monotonic clock."""

    link: LinkState = LinkState.CONNECTING
    link_detail: str = ""  # English, for the log and a tooltip; screens use the typed fields
    refusal: wire.JoinRefusal | None = None  # why, when `link` is REFUSED
    problem: LinkProblem | None = None  # why, when `link` is RECONNECTING
    retry_in_s: float | None = None
    welcome: wire.Welcome | None = None
    program: wire.ProgramState | None = None
    program_at: float = 0.0  # when the program state arrived
    program_offset: float | None = None  # studio - venue clock offset then (places `ends_at`)
    cue: str = ""
    cue_at: float = 0.0
    chat: tuple[tuple[bool, str], ...] = ()  # (from the studio?, text), oldest first
    countdown_state: ArmState | None = None
    countdown_deadline: float | None = None  # the local deadline
    countdown_bound_s: float | None = None
    rtt_ms: float | None = None
    sound_problem: str = ""  # the speaker's own words when it cannot play (empty: it plays)
    seq: int = 0
    v: int = WINDOW_LINK_VERSION


class Picture(msgspec.Struct, frozen=True, tag="picture"):
    """The program picture fitted into the asked size: I420 (Y, U, V planes back to back) at
    `width`×`height` rounded up to even sides (the window crops the extra column or row)."""

    width: int
    height: int
    i420: bytes


class LinkEnding(msgspec.Struct, frozen=True, tag="ending"):
    """The link ends on its own (`final`: refused, replaced, ended, or stopped by a Leave):
    the window does not call it lost."""

    final: LinkState


WindowServerMessage = WindowWelcome | LinkRefused | VenueState | Picture | LinkEnding


def check_hello(hello: WindowHello, token: str, *, same: bool) -> LinkRefused | None:
    """Why a WindowHello is refused, or None (`same`: the token matched, compared in constant
    time by the caller)."""
    return check_version_and_token(hello.v, WINDOW_LINK_VERSION, token, same=same)


def link_name(ceremony_id: str, venue_id: str) -> str:
    """The name the link's socket is made from: one link per venue of a ceremony."""
    return f"{ceremony_id}--{venue_id}"


def fitted(width: int, height: int, box_w: int, box_h: int) -> tuple[int, int]:
    """`width`×`height` scaled to fill the box without distortion (letterboxed), even sides."""
    scale = min(box_w / max(1, width), box_h / max(1, height))
    w, h = max(2, round(width * scale)), max(2, round(height * scale))
    return w - w % 2, h - h % 2


_window_decoder = msgspec.msgpack.Decoder(WindowMessage)
_server_decoder = msgspec.msgpack.Decoder(WindowServerMessage)
_encoder = msgspec.msgpack.Encoder()


def encode(message: WindowMessage | WindowServerMessage) -> bytes:
    return _encoder.encode(message)


def decode_window(data: bytes) -> WindowMessage:
    return _window_decoder.decode(data)


def decode_server(data: bytes) -> WindowServerMessage:
    return _server_decoder.decode(data)
