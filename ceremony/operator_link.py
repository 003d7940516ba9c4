"""The operator link: how a console window talks to the studio engine running in its own process.

The engine is a process of its own (`ceremony studio --headless`); every console is a client of
it over a local socket. This module holds the link's typed messages (msgspec structs, tagged,
versioned) and the rule of who may command: one console holds control, the others watch until one
of them takes control over explicitly. Pure: no sockets, no clock reads; the framing and the
server live in media/operator_link/.

A session: the client sends `Hello` (with the machine owner's token); the engine answers `Welcome`
or `LinkRefused`. Then the client sends `Request`s (each answered by a `Reply` with the same id),
`TakeControl`, `WantTiles` and `StopEngine`; the engine sends `ConsoleState` four times a second,
`Tiles` while asked for, `Notice`s (refusals, chat) and `ControlChanged`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import msgspec

from ceremony import notes
from ceremony.countdown import ArmState
from ceremony.operator import OperatorCommand, RejectReason, Result
from ceremony.sequencer import View
from ceremony.timebase import Now
from ceremony.wire import Tally

LINK_VERSION = 2  # 2: tiles carry I420 (1.5 bytes a pixel), not BGRA
MAX_FRAME = 8 * 1024 * 1024  # a frame of tiles at the monitors' size fits; anything bigger is wrong
MAX_CLIENT_FRAME = 1024 * 1024  # what a client may send: commands and a run-sheet


# ---- client -> engine -----------------------------------------------------------------------


class Hello(msgspec.Struct, frozen=True, tag="hello"):
    token: str
    client: str  # who attaches, as the journal names them: "console on pc-studio-1 (pid 4711)"
    v: int = LINK_VERSION
    want_control: bool = True  # take control if nobody holds it (a watcher asks False)


class Request(msgspec.Struct, frozen=True, tag="request"):
    id: int
    command: OperatorCommand


class TakeControl(msgspec.Struct, frozen=True, tag="take_control"):
    """Take control from whoever holds it (journaled: who, from whom, when)."""


class StopEngine(msgspec.Struct, frozen=True, tag="stop_engine"):
    """End the run and stop the engine (the console asked the operator first)."""

    id: int


class WantTiles(msgspec.Struct, frozen=True, tag="want_tiles"):
    """Pictures wanted: per tile key ("program", "preview" or a venue id) its size in pixels.
    Empty: none (the engine then converts nothing for this client)."""

    sizes: dict[str, tuple[int, int]]


ClientMessage = Hello | Request | TakeControl | StopEngine | WantTiles


# ---- engine -> client -----------------------------------------------------------------------


class LinkRefusal(StrEnum):
    BAD_TOKEN = "bad_token"
    VERSION = "version"  # the client speaks another version of the link
    PROTOCOL = "protocol"  # the first message was not a Hello, or could not be read


class LinkRefused(msgspec.Struct, frozen=True, tag="refused"):
    reason: LinkRefusal
    detail: str = ""
    v: int = LINK_VERSION


class Welcome(msgspec.Struct, frozen=True, tag="welcome"):
    client_id: int
    ceremony_id: str
    run_id: str
    rehearsal: bool
    runsheet_yaml: str  # the run-sheet the engine runs now (it may have been edited)
    journal_path: str
    controller: int | None  # who holds control (this client's id if it got control)
    engine_pid: int
    v: int = LINK_VERSION
    # Set when this engine took the run over from its journal after a restart (crash resume):
    # the recording part it writes now (2, 3, …). A console says so. (Unknown to an older
    # client, which ignores it.)
    resumed_part: int | None = None


class Reply(msgspec.Struct, frozen=True, tag="reply"):
    id: int
    result: Result


class NoticeKind(StrEnum):
    REFUSED = "refused"  # a sequencer command was refused (from any surface)
    CHAT = "chat"  # a venue wrote
    ENGINE_STOPPING = "engine_stopping"


class Notice(msgspec.Struct, frozen=True, tag="notice"):
    kind: NoticeKind
    text: str


class ControlChanged(msgspec.Struct, frozen=True, tag="control"):
    controller: int | None
    name: str = ""  # the controlling client's name


class Tile(msgspec.Struct, frozen=True):
    """One picture at the tile's size: Y, U and V planes back to back (I420), at the size
    rounded up to even sides (the console crops the extra column or row)."""

    key: str
    width: int
    height: int
    i420: bytes


class Tiles(msgspec.Struct, frozen=True, tag="tiles"):
    tiles: list[Tile]


class VenueRow(msgspec.Struct, frozen=True, kw_only=True):
    """One venue as the console's board and tiles show it."""

    id: str
    name: str
    status: str  # the engine's VenueStatus value: invited, joined, lost, refused
    rtt_ms: float | None
    video_fps: float
    program_fps: float
    latency_ms: float | None
    ready: bool
    contact: str
    reconnects: int
    audio_dbfs: float | None
    tally: Tally
    countdown_state: ArmState | None
    countdown_bound_ms: float | None
    countdown_error_ms: float | None
    sound_problem: str = ""  # the venue's speaker is silent, and why
    loss_in_pct: float | None = None  # the venue's camera reaching the studio
    loss_out_pct: float | None = None  # the program reaching the venue
    audio_concealed_pct: float | None = None  # the venue's sound at the studio, not rebuilt (run)
    audio_concealed_recent_pct: float | None = None  # the same over the last ~20 s (the board's)
    last_seen_s: float | None = None  # since the venue's last message


class RecordingHealth(msgspec.Struct, frozen=True, kw_only=True):
    recording: bool = False
    file: str = ""
    duration_s: float = 0.0
    size_mb: float = 0.0
    kbps: int = 0
    free_min: float | None = None
    failed: str = ""
    isos: int = 0


class ConsoleState(msgspec.Struct, frozen=True, kw_only=True, tag="state"):
    """Everything the console shows, taken by the engine at one instant."""

    now: Now
    view: View
    venues: tuple[VenueRow, ...]
    countdown_fire_at: float | None  # on the machine's monotonic clock (shared by its processes)
    countdown_flagged: tuple[str, ...]
    device_problems: dict[str, str] = msgspec.field(default_factory=dict)
    recording: RecordingHealth = msgspec.field(default_factory=RecordingHealth)
    preview: str | None = None  # the venue in preview: picked by the operator, else the next item's
    manual_override: bool = False  # the operator took a source outside the run-sheet
    journal_path: str = ""
    controller: int | None = None  # the client holding control (None: nobody)
    controller_name: str = ""
    seq: int = 0
    v: int = LINK_VERSION


ServerMessage = Welcome | LinkRefused | Reply | ConsoleState | Tiles | Notice | ControlChanged


def check_hello(hello: Hello, token: str, *, same: bool) -> LinkRefused | None:
    """Why a Hello is refused, or None. `same`: the token matched (compared in constant time
    by the caller, which has the secret)."""
    return check_version_and_token(hello.v, LINK_VERSION, token, same=same)


def check_version_and_token(
    client_v: int, version: int, token: str, *, same: bool
) -> LinkRefused | None:
    """The first message's checks on any local link (this one, the venue's window link): the
    client speaks `version`, and its token matched a non-empty one."""
    if client_v != version:
        return LinkRefused(
            LinkRefusal.VERSION,
            f"the server speaks version {version}, the client {client_v}",
            v=version,
        )
    if not same or not token:
        return LinkRefused(LinkRefusal.BAD_TOKEN, "wrong token", v=version)
    return None


# ---- control ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ControlTaken:
    """Control moved: to `to` (None: released because its holder left) from `previous`."""

    to: int | None
    to_name: str
    previous: int | None
    previous_name: str

    def note(self) -> notes.OperatorControl:
        """The journal's record of it."""
        return notes.OperatorControl(
            action="taken" if self.to is not None else "released",
            by=self.to_name,
            previous=self.previous_name,
        )


class ControlSeats:
    """Who may command. The first client that wants control gets it while nobody holds it;
    the others watch (their commands are refused NOT_IN_CONTROL) until one takes it over."""

    def __init__(self) -> None:
        self.names: dict[int, str] = {}
        self.controller: int | None = None

    def attach(self, client_id: int, name: str, *, want_control: bool) -> ControlTaken | None:
        self.names[client_id] = name
        if want_control and self.controller is None:
            return self._give(client_id)
        return None

    def detach(self, client_id: int) -> ControlTaken | None:
        released = self._give(None) if self.controller == client_id else None
        self.names.pop(client_id, None)
        return released

    def take(self, client_id: int) -> ControlTaken | None:
        if client_id not in self.names or self.controller == client_id:
            return None
        return self._give(client_id)

    def may_command(self, client_id: int) -> bool:
        return self.controller == client_id

    def refusal(self, command: str) -> Result:
        holder = self.names.get(self.controller, "") if self.controller is not None else ""
        detail = (
            f"{holder} has control: take control to command"
            if holder
            else "this console watches: take control to command"
        )
        return Result.refused(command, RejectReason.NOT_IN_CONTROL, detail)

    @property
    def controller_name(self) -> str:
        return self.names.get(self.controller, "") if self.controller is not None else ""

    def _give(self, client_id: int | None) -> ControlTaken:
        previous = self.controller
        taken = ControlTaken(
            to=client_id,
            to_name=self.names.get(client_id, "") if client_id is not None else "",
            previous=previous,
            previous_name=self.names.get(previous, "") if previous is not None else "",
        )
        self.controller = client_id
        return taken


_client_decoder = msgspec.msgpack.Decoder(ClientMessage)
_server_decoder = msgspec.msgpack.Decoder(ServerMessage)
_encoder = msgspec.msgpack.Encoder()


def encode(message: ClientMessage | ServerMessage) -> bytes:
    return _encoder.encode(message)


def decode_client(data: bytes) -> ClientMessage:
    return _client_decoder.decode(data)


def decode_server(data: bytes) -> ServerMessage:
    return _server_decoder.decode(data)
