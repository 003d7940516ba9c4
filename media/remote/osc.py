"""OSC control and feedback (python-osc's packet codec over an asyncio UDP endpoint).

In: `/studio/go`, `/studio/hold`, `/studio/arm 10`, `/studio/take 3`, … — the same set as the
HTTP API, with int, float or string arguments (what Companion's generic-osc module sends).
Out: on every change, `/studio/state/...` messages to the configured feedback targets, only the
values that changed (all of them on start and on `/studio/refresh`), so a panel's buttons light
up: tally per venue, item title, seconds left, countdown digits, recording.

OSC has no authentication: bind it to loopback (the default) or to a control network only.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket, ParseError

from ceremony import operator as op
from ceremony.sequencer import commands as cmd
from ceremony.wire import Tally
from media.remote.desk import OperatorDesk

log = logging.getLogger(__name__)

Address = tuple[str, int]
Args = Sequence[Any]
TALLY_NUMBER = {Tally.STANDBY: 0, Tally.PREVIEW: 1, Tally.ON_AIR: 2}
MAX_DATAGRAM = 2048


class OscArgumentError(ValueError):
    pass


def _number(args: Args, *, signed: bool) -> float:
    if len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], int | float | str):
        raise OscArgumentError("one number expected")
    try:
        value = float(args[0])
    except ValueError:
        raise OscArgumentError("one number expected") from None
    if not math.isfinite(value) or abs(value) > 86400 or (not signed and value <= 0):
        raise OscArgumentError("number out of range")
    return value


def _text(args: Args, default: str | None = None) -> str:
    if not args and default is not None:
        return default
    if len(args) != 1 or not isinstance(args[0], str):
        raise OscArgumentError("one string expected")
    problem = op.check_text(args[0], "text")
    if problem is not None:
        raise OscArgumentError(problem)
    return args[0]


def _venue(desk: OperatorDesk, arg: Any, *, studio_ok: bool) -> str | None:
    ref = str(arg) if isinstance(arg, int | str) and not isinstance(arg, bool) else ""
    if studio_ok and ref == "studio":
        return None
    venue = op.resolve_venue(ref, desk.venue_ids)
    if venue is None:
        raise OscArgumentError("no such venue")
    return venue


def osc_commands(desk: OperatorDesk) -> dict[str, Callable[[Args], op.OperatorCommand]]:
    def seq(command: cmd.Command) -> Callable[[Args], op.OperatorCommand]:
        return lambda _args: op.Sequence(command)

    def one(args: Args) -> Any:
        if len(args) != 1:
            raise OscArgumentError("one argument expected")
        return args[0]

    def cue(args: Args) -> op.OperatorCommand:
        if len(args) != 2:
            raise OscArgumentError("venue and text expected")
        return op.SendCue(_text(args[1:]), _venue(desk, args[0], studio_ok=False))

    return {
        "/studio/go": seq(cmd.Go()),
        "/studio/hold": seq(cmd.Hold()),
        "/studio/resume": seq(cmd.Resume()),
        "/studio/back": seq(cmd.Back()),
        "/studio/skip": seq(cmd.Skip()),
        "/studio/undo": seq(cmd.UndoGo()),
        "/studio/addtime": lambda a: op.Sequence(cmd.AddTime(_number(a, signed=True))),
        "/studio/arm": lambda a: op.ArmCountdown(_number(a, signed=False)),
        "/studio/abort": lambda _a: op.AbortCountdown(),
        "/studio/take": lambda a: op.Take(_venue(desk, one(a), studio_ok=True)),
        "/studio/preview": lambda a: op.SetPreview(_venue(desk, one(a), studio_ok=True)),
        "/studio/cue": cue,
        "/studio/message": lambda a: op.SendCue(_text(a), None),
        "/studio/record/start": lambda _a: op.StartRecording(),
        "/studio/record/stop": lambda _a: op.StopRecording(),
        "/studio/record/marker": lambda a: op.AddMarker(_text(a, default="marker")),
    }


def _clock(seconds: float) -> str:
    whole = int(abs(seconds))
    sign = "+" if seconds < 0 else ""
    return f"{sign}{whole // 60:02d}:{whole % 60:02d}"


def feedback_values(state: op.StudioState) -> dict[str, Any]:
    """Every feedback path and its value for one state (OSC ints, floats and strings)."""
    values: dict[str, Any] = {
        "/studio/state/status": state.status,
        "/studio/state/item": state.current.title if state.current else "",
        "/studio/state/item/index": state.current.index if state.current else 0,
        "/studio/state/speaker": state.current.speaker if state.current else "",
        "/studio/state/next": state.next.title if state.next else "",
        "/studio/state/remaining": math.floor(state.remaining_s),
        "/studio/state/remaining/text": _clock(state.remaining_s),
        "/studio/state/phase": state.phase,
        "/studio/state/held": int(state.held),
        "/studio/state/countdown": (
            math.ceil(state.countdown.seconds_left)
            if state.countdown.seconds_left is not None
            else -1
        ),
        "/studio/state/countdown/phase": state.countdown.phase.value,
        "/studio/state/recording": int(state.recording.active),
        "/studio/state/program": state.program,
    }
    for v in state.venues:
        values[f"/studio/state/tally/{v.index}"] = TALLY_NUMBER[v.tally]
        values[f"/studio/state/venue/{v.index}/status"] = v.status
        values[f"/studio/state/venue/{v.index}/name"] = v.name
    return values


def build(address: str, *args: Any) -> bytes:
    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    return bytes(builder.build().dgram)


class OscControl(asyncio.DatagramProtocol):
    def __init__(self, desk: OperatorDesk, feedback: Sequence[Address] = ()) -> None:
        self.desk = desk
        self.feedback = list(feedback)
        self._commands = osc_commands(desk)
        self._transport: asyncio.DatagramTransport | None = None
        self._sent: dict[str, Any] = {}
        self._unlisten: Callable[[], None] | None = None
        self.refused = 0  # malformed or unknown messages, counted not logged one by one
        self.port: int | None = None

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port))
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        self._unlisten = self.desk.listen(self._on_state)
        self._on_state(self.desk.state())
        log.info("OSC control on udp://%s:%d, feedback to %s", host, self.port, self.feedback)

    async def stop(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
        if self._transport is not None:
            self._transport.close()

    # ---- in ---------------------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: Address) -> None:
        if len(data) > MAX_DATAGRAM:
            self._refuse("oversized datagram")
            return
        try:
            messages = [timed.message for timed in OscPacket(data).messages]
        except (ParseError, ValueError, IndexError, TypeError, OverflowError):
            self._refuse("not an OSC packet")
            return
        for message in messages:
            self._handle(message.address, list(message.params))

    def _handle(self, address: str, args: list[Any]) -> None:
        if address == "/studio/refresh":
            self._sent.clear()
            self._on_state(self.desk.state())
            return
        parse = self._commands.get(address)
        if parse is None:
            self._refuse("unknown address")
            return
        try:
            command = parse(args)
        except OscArgumentError as exc:
            self._result(address, False, str(exc))
            return
        result = self.desk.execute(command)
        self._result(address, result.ok, result.reason.value if result.reason else "")

    def _refuse(self, why: str) -> None:
        self.refused += 1
        if self.refused in (1, 10, 100, 1000) or self.refused % 10000 == 0:
            log.warning("OSC: %d messages refused (latest: %s)", self.refused, why)

    def _result(self, address: str, ok: bool, reason: str) -> None:
        self._send(build("/studio/result", address, int(ok), reason))

    # ---- out --------------------------------------------------------------------------------

    def _on_state(self, state: op.StudioState) -> None:
        for path, value in feedback_values(state).items():
            if self._sent.get(path, object()) != value:
                self._sent[path] = value
                self._send(build(path, value))

    def _send(self, datagram: bytes) -> None:
        if self._transport is None:
            return
        for target in self.feedback:
            self._transport.sendto(datagram, target)

    def error_received(self, exc: Exception) -> None:
        log.debug("OSC socket: %s", exc)
