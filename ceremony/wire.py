"""The wire protocol between the studio and the venues: every message, validated and size-limited.

JSON objects with a `type` tag and a protocol version `v`. Anything a peer sends is decoded here
and either becomes a typed message or a WireError naming what was wrong — never an exception that
reaches the session. Documented message by message in docs/protocol.md.
"""

from __future__ import annotations

import typing
from enum import StrEnum
from typing import Any, cast

import msgspec

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 16 * 1024  # control messages are small; SDP offers go through signaling
MAX_SIGNAL_BYTES = 64 * 1024  # an SDP offer with all candidates fits well within this
MAX_TEXT = 500  # cue and chat text, in characters


class Tally(StrEnum):
    ON_AIR = "on_air"
    PREVIEW = "preview"
    STANDBY = "standby"


class ErrorCode(StrEnum):
    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    UNKNOWN_TYPE = "unknown_type"
    UNSUPPORTED_VERSION = "unsupported_version"
    FORBIDDEN = "forbidden"


class JoinRefusal(StrEnum):
    """Why the studio refused a venue; the venue app explains each one to its crew."""

    BAD_TOKEN = "bad_token"  # forged, altered or signed by another studio
    EXPIRED = "expired"
    OTHER_VENUE = "other_venue"  # a valid token, but issued to a different venue
    UNKNOWN_VENUE = "unknown_venue"
    WRONG_CEREMONY = "wrong_ceremony"
    MALFORMED = "malformed"
    # Decided by the venue itself, before anything is sent: the server is not the invite's studio.
    CERTIFICATE_MISMATCH = "certificate_mismatch"


class _Msg(msgspec.Struct, tag_field="type", kw_only=True):
    v: int = PROTOCOL_VERSION


# ---- both directions ------------------------------------------------------------------------


class Heartbeat(_Msg, tag="heartbeat"):
    seq: int


class HeartbeatAck(_Msg, tag="heartbeat_ack"):
    seq: int


class Chat(_Msg, tag="chat"):
    text: str
    sender: str = ""


class Error(_Msg, tag="error"):
    """The answer to a message that could not be used. The session carries on."""

    code: ErrorCode
    detail: str


# ---- studio -> venue ------------------------------------------------------------------------


class Welcome(_Msg, tag="welcome"):
    studio: str
    ceremony_id: str
    ceremony_title: str
    venue_id: str
    venue_name: str


class ProgramState(_Msg, tag="program_state"):
    """What is on now, and this venue's tally. Sent on every change and after joining."""

    tally: Tally
    item_index: int | None
    item_count: int
    item_title: str = ""
    item_kind: str = ""
    speaker_name: str = ""
    speaker_role: str = ""
    source: str = ""
    source_name: str = ""
    next_title: str = ""
    ended: bool = False
    # The speaker timer, as of sending: the venue counts down from here on its own clock.
    remaining_s: float | None = None
    phase: str = ""  # normal / warning / danger / overtime
    held: bool = False
    ceremony_title: str = ""


class Cue(_Msg, tag="cue"):
    cue_id: int
    text: str


# ---- venue -> studio ------------------------------------------------------------------------


class Ready(_Msg, tag="ready"):
    ready: bool
    contact: str = ""


class Stats(_Msg, tag="stats"):
    """The venue's own view of the link, once a second."""

    program_fps: float
    program_frames: int
    audio_frames: int
    video_fps_sent: float
    video_frames_sent: int
    reconnects: int
    latency_p50_ms: float | None = None  # program glass-to-glass, from the picture's time code
    latency_p95_ms: float | None = None
    sound_problem: str = ""  # why the venue's speaker is silent ("" while it plays)
    path: str = ""  # how the venue reaches the studio: host/srflx/relay + udp/tcp/tls


class CueAck(_Msg, tag="cue_ack"):
    cue_id: int


# ---- operator (console) -> studio: never accepted from a venue ----------------------------


class Operator(_Msg, tag="operator"):
    action: str
    args: dict[str, Any] = msgspec.field(default_factory=dict)


# ---- countdown (control channel) --------------------------------------------------------


class Arm(_Msg, tag="arm"):
    """Fire at `fire_at` on the studio's monotonic clock. Resent until acknowledged."""

    arm_id: int
    fire_at: float
    title: str = ""


class Abort(_Msg, tag="abort"):
    arm_id: int


class ArmAck(_Msg, tag="arm_ack"):
    arm_id: int
    state: str  # ceremony.countdown.ArmState value
    local_deadline: float | None = None
    bound_s: float | None = None


class FireReport(_Msg, tag="fire_report"):
    arm_id: int
    local_deadline: float
    local_fire: float
    bound_s: float
    true_fire: float | None = None  # the host's unshifted clock, from the simulation harness only


class FireReportAck(_Msg, tag="fire_report_ack"):
    arm_id: int


# ---- clock channel (unordered, no retransmission) ---------------------------------------


class ClockProbe(_Msg, tag="clock_probe"):
    seq: int
    t1: float  # sender's clock when sent


class ClockReply(_Msg, tag="clock_reply"):
    seq: int
    t1: float
    t2: float  # replier's clock on receipt
    t3: float  # replier's clock when replying


# ---- signaling (WebSocket, before the peer connection exists) ---------------------------


class Join(_Msg, tag="join"):
    venue_id: str
    ceremony_id: str
    expires: float
    token: str
    sdp: str  # the venue's offer, all candidates gathered


class Accepted(_Msg, tag="accepted"):
    sdp: str  # the studio's answer
    studio: str
    venue_name: str


class Refused(_Msg, tag="refused"):
    reason: JoinRefusal
    detail: str


Message = (
    Heartbeat
    | HeartbeatAck
    | Chat
    | Error
    | Welcome
    | ProgramState
    | Cue
    | Ready
    | Stats
    | CueAck
    | Operator
    | ClockProbe
    | ClockReply
    | Join
    | Accepted
    | Refused
    | Arm
    | Abort
    | ArmAck
    | FireReport
    | FireReportAck
)

VENUE_MAY_SEND: frozenset[type[_Msg]] = frozenset(
    {
        Heartbeat,
        HeartbeatAck,
        Chat,
        Error,
        Ready,
        Stats,
        CueAck,
        ClockProbe,
        ClockReply,
        ArmAck,
        FireReport,
    }
)
STUDIO_MAY_SEND: frozenset[type[_Msg]] = frozenset(
    {
        Heartbeat,
        HeartbeatAck,
        Chat,
        Error,
        Welcome,
        ProgramState,
        Cue,
        ClockProbe,
        ClockReply,
        Arm,
        Abort,
        FireReportAck,
    }
)
SIGNALING_FROM_VENUE: frozenset[type[_Msg]] = frozenset({Join})

_TAGS: dict[str, type[_Msg]] = {cls.__struct_config__.tag: cls for cls in typing.get_args(Message)}
_TEXT_FIELDS = {Chat: "text", Cue: "text"}


class WireError(Exception):
    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(f"{code.value}: {detail}")
        self.code = code
        self.detail = detail

    def reply(self) -> Error:
        return Error(code=self.code, detail=self.detail[:300])


def encode(message: _Msg) -> bytes:
    return msgspec.json.encode(message)


def decode(
    data: bytes | str,
    allowed: frozenset[type[_Msg]],
    *,
    limit: int = MAX_MESSAGE_BYTES,
) -> Message:
    """Decode one message a peer sent, or raise WireError saying what is wrong with it."""
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > limit:
        raise WireError(ErrorCode.TOO_LARGE, f"{len(raw)} bytes; the limit is {limit}")
    try:
        obj = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise WireError(ErrorCode.MALFORMED, f"not JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise WireError(ErrorCode.MALFORMED, "expected a JSON object")
    tag = obj.get("type")
    cls = _TAGS.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise WireError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {tag!r}")
    version = obj.get("v", PROTOCOL_VERSION)
    if version != PROTOCOL_VERSION:
        raise WireError(
            ErrorCode.UNSUPPORTED_VERSION,
            f"protocol version {version!r}; this side speaks {PROTOCOL_VERSION}",
        )
    if cls not in allowed:
        raise WireError(ErrorCode.FORBIDDEN, f"{tag!r} may not be sent from this side")
    try:
        message = cast(Message, msgspec.convert(obj, cls))
    except msgspec.ValidationError as exc:
        raise WireError(ErrorCode.MALFORMED, f"{tag}: {exc}") from None
    field = _TEXT_FIELDS.get(type(message))
    if field is not None and len(getattr(message, field)) > MAX_TEXT:
        raise WireError(ErrorCode.TOO_LARGE, f"{tag}.{field} longer than {MAX_TEXT} characters")
    return message
