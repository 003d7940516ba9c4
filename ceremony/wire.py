"""The wire protocol between the studio and the venues: every message, validated and size-limited.

JSON objects with a `type` tag and a protocol version `v`. Anything a peer sends is decoded here
and either becomes a typed message or a WireError naming what was wrong — never an exception that
reaches the session. Documented message by message in docs/protocol.md.
"""

from __future__ import annotations

import re
import typing
from enum import StrEnum
from typing import Annotated, Any, cast

import msgspec

from ceremony.audiotime import OnsetMethod

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 16 * 1024  # control messages are small; SDP offers go through signaling
MAX_SIGNAL_BYTES = 64 * 1024  # an SDP offer with all candidates fits well within this
MAX_TEXT = 500  # cue, chat, contact, sound problem, titles and names, in characters
MAX_ID = 64  # venue and ceremony ids (the run-sheet allows 64 characters)
MAX_TOKEN = 64  # HMAC-SHA256, hex
MAX_FINGERPRINT = 95  # SHA-256 as 32 hex pairs with colons
MAX_ADDRESS = 260  # "host:port"
MAX_ADDRESSES = 8
MAX_DEPTH = 8  # nesting of JSON arrays and objects; no message needs more than 3
# WebSocket close code of the signaling connection when the studio ends the run: the venue
# shows that the ceremony is over instead of reconnecting.
CLOSE_CEREMONY_ENDED = 4002

# Every string a peer can send has a length limit, checked while decoding.
Id = Annotated[str, msgspec.Meta(max_length=MAX_ID)]
Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]
Token = Annotated[str, msgspec.Meta(max_length=MAX_TOKEN)]
Fingerprint = Annotated[str, msgspec.Meta(max_length=MAX_FINGERPRINT)]
Address = Annotated[str, msgspec.Meta(max_length=MAX_ADDRESS)]
Sdp = Annotated[str, msgspec.Meta(max_length=MAX_SIGNAL_BYTES)]
# Integers stay within what every JSON reader holds exactly (and what an answer can echo).
Int = Annotated[int, msgspec.Meta(ge=-(2**53), le=2**53)]


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
    UNKNOWN_COUNTDOWN = "unknown_countdown"  # arm_ack / fire_report for an arm never sent
    RATE_LIMITED = "rate_limited"  # more chat / ready messages than the studio records


class JoinRefusal(StrEnum):
    """Why the studio refused a venue; the venue app explains each one to its crew."""

    # The only answer an unauthenticated peer gets: forged, altered, signed by another studio,
    # or a field that is not what the studio signed (names, addresses, fingerprint).
    BAD_TOKEN = "bad_token"
    EXPIRED = "expired"
    OTHER_VENUE = "other_venue"  # a valid token, but issued to a different venue
    UNKNOWN_VENUE = "unknown_venue"  # signed by this studio, for a venue no longer listed
    WRONG_CEREMONY = "wrong_ceremony"  # signed by this studio, for another ceremony
    MALFORMED = "malformed"  # not a join message, or its offer could not be answered
    # Decided by the venue itself, before anything is sent: the server is not the invite's studio.
    CERTIFICATE_MISMATCH = "certificate_mismatch"


class _Msg(msgspec.Struct, tag_field="type", kw_only=True):
    v: int = PROTOCOL_VERSION


# ---- both directions ------------------------------------------------------------------------


class Heartbeat(_Msg, tag="heartbeat"):
    seq: Int
    # The studio's: its clock when it sent the last answered heartbeat and when the answer
    # came. With the instant the venue heard that heartbeat, a clock sample at no extra message.
    prev_seq: Int | None = None
    prev_sent: float | None = None
    prev_answered: float | None = None
    # Whether the studio wants this one answered. A studio that hears the venue's transport
    # (its acknowledgements prove the venue alive) asks only every few seconds.
    answer: bool = True


class HeartbeatAck(_Msg, tag="heartbeat_ack"):
    seq: Int
    # A venue's answer carries its statistics: one message a second instead of two, for the
    # studio that reads a hundred of them.
    stats: Stats | None = None


class Chat(_Msg, tag="chat"):
    text: Text
    sender: Text = ""


class Error(_Msg, tag="error"):
    """The answer to a message that could not be used. The session carries on."""

    code: ErrorCode
    detail: Text


# ---- studio -> venue ------------------------------------------------------------------------


class SfuRoute(msgspec.Struct, frozen=True, kw_only=True):
    """Where the venue takes the program's picture from when the studio uses an SFU (Janus)."""

    url: Text  # the SFU's HTTP API
    room: Int
    feed: Int  # the program's publisher in the room
    pin: Id  # the room's join PIN (the studio keeps the room's admin secret)
    # The feed id this venue publishes its camera and microphone under (0: it sends them to the
    # studio directly), and the studio's sound publisher (program and mix-minus; 0: the sound
    # comes on this connection). See docs/sfu.md.
    publish_feed: Int = 0
    sound_feed: Int = 0


class Welcome(_Msg, tag="welcome"):
    studio: Text
    ceremony_id: Id
    ceremony_title: Text
    venue_id: Id
    venue_name: Text
    sfu: SfuRoute | None = None  # None: the program comes on this connection
    rehearsal: bool = False  # this run is a rehearsal (GLADI): every screen says so
    run_id: Id = ""


class ProgramState(_Msg, tag="program_state"):
    """What is on now, and this venue's tally. Sent on every change and after joining."""

    tally: Tally
    item_index: Int | None
    item_count: Int
    item_title: Text = ""
    item_kind: Id = ""
    speaker_name: Text = ""
    speaker_role: Text = ""
    source: Text = ""
    source_name: Text = ""
    next_title: Text = ""
    ended: bool = False
    # The speaker timer, as of sending (a held item's time, or for a venue with no clock
    # estimate yet) ...
    remaining_s: float | None = None
    # ... and the instant it runs out on the studio's monotonic clock, like a countdown's
    # `fire_at`: the venue places it with its clock estimate (None while held).
    ends_at: float | None = None
    phase: Id = ""  # normal / warning / danger / overtime
    held: bool = False
    ceremony_title: Text = ""


class Cue(_Msg, tag="cue"):
    cue_id: Int
    text: Text


# ---- venue -> studio ------------------------------------------------------------------------


class Ready(_Msg, tag="ready"):
    ready: bool
    contact: Text = ""


class Stats(_Msg, tag="stats"):
    """The venue's own view of the link, once a second."""

    program_fps: float
    program_frames: Int
    audio_frames: Int
    video_fps_sent: float
    video_frames_sent: Int
    reconnects: Int
    latency_p50_ms: float | None = None  # program glass-to-glass, from the picture's time code
    latency_p95_ms: float | None = None
    sound_problem: Text = ""  # why the venue's speaker is silent ("" while it plays)
    path: Id = ""  # how the venue reaches the studio: host/srflx/relay + udp/tcp/tls


class CueAck(_Msg, tag="cue_ack"):
    cue_id: Int


# ---- operator (console) -> studio: never accepted from a venue ----------------------------


class Operator(_Msg, tag="operator"):
    action: Id
    args: dict[Id, Any] = msgspec.field(default_factory=dict)


# ---- countdown (control channel) --------------------------------------------------------


class Arm(_Msg, tag="arm"):
    """Fire at `fire_at` on the studio's monotonic clock. Resent until acknowledged.
    `probe_every_s`: probe the clock no more often than this while armed (the studio answers
    every armed venue's probes; None: the venue's own armed rate)."""

    arm_id: Int
    fire_at: float
    title: Text = ""
    probe_every_s: float | None = None


class Abort(_Msg, tag="abort"):
    arm_id: Int


class ArmAck(_Msg, tag="arm_ack"):
    arm_id: Int
    state: Id  # ceremony.countdown.ArmState value
    local_deadline: float | None = None
    bound_s: float | None = None


class FireReport(_Msg, tag="fire_report"):
    arm_id: Int
    local_deadline: float
    local_fire: float
    bound_s: float
    true_fire: float | None = None  # the host's unshifted clock, from the simulation harness only
    # Where the siren was placed on the venue's output stream, beside the decision above; the
    # bound is the clock's and stays as armed. All optional: older venues send none of them.
    onset_method: OnsetMethod | None = None
    onset_local: float | None = None  # predicted DAC onset (calibrated hall latency included)
    fire_late_s: float | None = None  # how late the firing thread decided, on the venue's clock
    onset_late_s: float | None = None  # how late the siren's first sample was placed
    hall_latency_s: float | None = None  # the calibrated latency the siren was advanced by
    screen_late_s: float | None = None  # the zero screen's measured lateness


class FireReportAck(_Msg, tag="fire_report_ack"):
    arm_id: Int


# ---- clock channel (unordered, no retransmission) ---------------------------------------


class ClockProbe(_Msg, tag="clock_probe"):
    seq: Int
    t1: float  # sender's clock when sent


class ClockReply(_Msg, tag="clock_reply"):
    seq: Int
    t1: float
    t2: float  # replier's clock on receipt
    t3: float  # replier's clock when replying


# ---- signaling (WebSocket, before the peer connection exists) ---------------------------


class Join(_Msg, tag="join"):
    """The invite's signed fields, as the venue read them, its token and its offer.

    The studio checks the token over every field the venue shows its crew, so an invite whose
    studio name, title, addresses or fingerprint were changed on the way is refused.
    """

    venue_id: Id
    ceremony_id: Id
    expires: float
    token: Token
    sdp: Sdp  # the venue's offer, all candidates gathered
    studio: Text = ""
    ceremony_title: Text = ""
    venue_name: Text = ""
    addresses: Annotated[list[Address], msgspec.Meta(max_length=MAX_ADDRESSES)] = msgspec.field(
        default_factory=list
    )
    fingerprint: Fingerprint = ""


class Accepted(_Msg, tag="accepted"):
    sdp: Sdp  # the studio's answer
    studio: Text
    venue_name: Text


class Refused(_Msg, tag="refused"):
    reason: JoinRefusal
    detail: Text


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


def _optional_enums(cls: type[_Msg]) -> dict[str, frozenset[str]]:
    """The fields typed `SomeEnum | None`, with the values this side knows."""
    found = {}
    for name, hint in typing.get_type_hints(cls).items():
        args = typing.get_args(hint)
        enums = [a for a in args if isinstance(a, type) and issubclass(a, StrEnum)]
        if len(args) == 2 and type(None) in args and len(enums) == 1:
            found[name] = frozenset(member.value for member in enums[0])
    return found


# A newer peer may add a value to an optional enumerated field within version 1 (as it may add
# fields, which are ignored): such a value is read as absent, not as a malformed message, so the
# message (a fire report: the record of a fire) is not lost over a detail this side cannot name.
_LENIENT: dict[type[_Msg], dict[str, frozenset[str]]] = {
    cls: fields for cls in _TAGS.values() if (fields := _optional_enums(cls))
}
_MSGSPEC_DETAIL = re.compile(
    r"^(?:Expected `(?P<want>[a-z ]+)`(?: of length (?P<len>[<>=]+ \d+))?"
    r"(?:, got `(?P<got>[a-z]+)`)?"
    r"|Object missing required field `(?P<missing>\w+)`"
    r"|(?P<enum>Invalid enum value)"
    r"|(?P<range>Number out of range))"
    r".*?(?: - at `\$(?P<path>\.\w+)?)?"
)


class WireError(Exception):
    """What is wrong with a message. The detail names fields and rules, never the peer's data."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(f"{code.value}: {detail}")
        self.code = code
        self.detail = detail

    def reply(self) -> Error:
        return Error(code=self.code, detail=self.detail[:300])


def encode(message: _Msg) -> bytes:
    return msgspec.json.encode(message)


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_INNERMOST = re.compile(rb"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")


def _too_deep(raw: bytes) -> bool:
    """Whether valid JSON nests arrays/objects deeper than MAX_DEPTH.

    Done with regular expressions (C speed, linear on valid JSON): a venue flooding 16 KiB
    messages of brackets must not cost a Python loop per byte. Strings are blanked first, then
    the innermost pairs are peeled MAX_DEPTH times; any bracket left is deeper than that.
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False  # the common case, decided at once
    text = _JSON_STRING.sub(b'""', raw)
    for _ in range(MAX_DEPTH):
        text, peeled = _INNERMOST.subn(b"", text)
        if not peeled:
            return False
    return b"[" in text or b"{" in text


def _schema_detail(tag: str, cls: type[_Msg], exc: Exception) -> str:
    """msgspec's complaint, reduced to what names our schema: never a value the peer sent."""
    m = _MSGSPEC_DETAIL.match(str(exc))
    if m is None:
        return f"{tag}: a field is missing or has the wrong type"
    path = m.group("path")
    field = path[1:] if path and path[1:] in cls.__struct_fields__ else None
    where = f" `{field}`" if field else ""
    if m.group("missing") and m.group("missing") in cls.__struct_fields__:
        return f"{tag}: required field `{m.group('missing')}` is missing"
    if m.group("len"):
        return f"{tag}: field{where} is too long ({m.group('len')})"
    if m.group("want") and m.group("got"):
        return f"{tag}: field{where} should be {m.group('want')}, not {m.group('got')}"
    if m.group("enum"):
        return f"{tag}: field{where} has a value that is not allowed"
    if m.group("range"):
        return f"{tag}: field{where} is a number out of range"
    return f"{tag}: field{where} is invalid"


def decode(
    data: bytes | str,
    allowed: frozenset[type[_Msg]],
    *,
    limit: int = MAX_MESSAGE_BYTES,
) -> Message:
    """Decode one message a peer sent, or raise WireError saying what is wrong with it.

    Whatever the bytes, nothing but WireError leaves this function: not a RecursionError from
    deep nesting, not a UnicodeError from invalid UTF-8, not a msgspec error of any kind.
    """
    try:
        return _decode(data, allowed, limit)
    except WireError:
        raise
    except Exception:  # a decoder bug must still be a refusal, never a dead session
        raise WireError(ErrorCode.MALFORMED, "the message could not be read") from None


def _decode(data: bytes | str, allowed: frozenset[type[_Msg]], limit: int) -> Message:
    if isinstance(data, str):
        if len(data) > limit:  # before encoding: no copy of an oversized string
            raise WireError(ErrorCode.TOO_LARGE, f"more than {limit} bytes")
        try:
            raw = data.encode()
        except UnicodeEncodeError:  # lone surrogates from a lenient decoder
            raise WireError(ErrorCode.MALFORMED, "not valid UTF-8 text") from None
    else:
        raw = bytes(data)
    if len(raw) > limit:
        raise WireError(ErrorCode.TOO_LARGE, f"{len(raw)} bytes; the limit is {limit}")
    try:
        obj = msgspec.json.decode(raw)  # C; past ~1,000 levels a RecursionError, caught here
    except RecursionError:
        raise WireError(ErrorCode.MALFORMED, f"nested deeper than {MAX_DEPTH} levels") from None
    except (msgspec.MsgspecError, UnicodeError, ValueError):
        raise WireError(ErrorCode.MALFORMED, "not JSON, or not valid UTF-8") from None
    if _too_deep(raw):  # only valid JSON gets here: the string pattern stays linear
        raise WireError(ErrorCode.MALFORMED, f"nested deeper than {MAX_DEPTH} levels")
    if not isinstance(obj, dict):
        raise WireError(ErrorCode.MALFORMED, "expected a JSON object")
    tag = obj.get("type")
    cls = _TAGS.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise WireError(ErrorCode.UNKNOWN_TYPE, "unknown message type")
    version = obj.get("v", PROTOCOL_VERSION)
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise WireError(
            ErrorCode.UNSUPPORTED_VERSION,
            f"unsupported protocol version; this side speaks {PROTOCOL_VERSION}",
        )
    assert isinstance(tag, str)
    if cls not in allowed:
        raise WireError(ErrorCode.FORBIDDEN, f"{tag!r} may not be sent from this side")
    for name, known in _LENIENT.get(cls, {}).items():
        value = obj.get(name)
        if isinstance(value, str) and len(value) <= MAX_ID and value not in known:
            obj[name] = None  # longer is no name a newer peer would use: still malformed
    try:
        message = cast(Message, msgspec.convert(obj, cls))
    except msgspec.ValidationError as exc:
        detail = _schema_detail(tag, cls, exc)
        code = ErrorCode.TOO_LARGE if "too long" in detail else ErrorCode.MALFORMED
        raise WireError(code, detail) from None
    return message
