"""The operator link's messages survive the wire, and the control seats' rules."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from ceremony import notes
from ceremony import operator as op
from ceremony import operator_link as link
from ceremony.countdown import ArmState
from ceremony.sequencer import Sequencer
from ceremony.sequencer import commands as cmd
from ceremony.timebase import Now
from ceremony.wire import Tally
from media import runsheet_files
from tests.unit.conftest import SAMPLE

COMMANDS: list[op.OperatorCommand] = [
    op.Sequence(cmd.Go()),
    op.Sequence(cmd.Jump(3)),
    op.Sequence(cmd.AddTime(-30.0)),
    op.Take("kota-cirebon"),
    op.Take(None),
    op.SetPreview(None),
    op.ArmCountdown(10.0),
    op.AbortCountdown(),
    op.SendCue("Siap", None),
    op.SendChat("kota-cirebon", "Halo"),
    op.StartRecording(),
    op.StopRecording(),
    op.AddMarker("Sirene"),
    op.ProtocolNote("Menteri tiba"),
    op.ReplaceRunsheet("ceremony: {}"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=op.command_name)
def test_every_command_round_trips(command: op.OperatorCommand) -> None:
    message = link.Request(7, command)
    assert link.decode_client(link.encode(message)) == message


def test_every_client_and_server_message_round_trips() -> None:
    sheet = runsheet_files.load(SAMPLE)
    view = Sequencer(sheet).view(Now(100.0, 1.7e9))
    row = link.VenueRow(
        id="kota-cirebon",
        name="Kota Cirebon",
        status="joined",
        rtt_ms=12.5,
        video_fps=15.0,
        program_fps=15.0,
        latency_ms=None,
        ready=True,
        contact="Budi",
        reconnects=1,
        audio_dbfs=-20.0,
        tally=Tally.PREVIEW,
        countdown_state=ArmState.ARMED,
        countdown_bound_ms=1.5,
        countdown_error_ms=None,
    )
    client: list[link.ClientMessage] = [
        link.Hello("t" * 43, "console", want_control=False),
        link.TakeControl(),
        link.StopEngine(3),
        link.WantTiles({"program": (320, 180)}),
    ]
    server: list[link.ServerMessage] = [
        link.Welcome(
            client_id=1,
            ceremony_id="c",
            run_id="r",
            rehearsal=True,
            runsheet_yaml="x",
            journal_path="/j",
            controller=None,
            engine_pid=4,
        ),
        link.LinkRefused(link.LinkRefusal.BAD_TOKEN, "wrong token"),
        link.Reply(3, op.Result.refused("go", op.RejectReason.NOT_IN_CONTROL, "B has control")),
        link.ConsoleState(
            now=Now(100.0, 1.7e9),
            view=view,
            venues=(row,),
            countdown_fire_at=None,
            countdown_flagged=(),
            recording=link.RecordingHealth(recording=True, file="a.mkv", free_min=None),
            controller=2,
        ),
        link.Tiles([link.Tile("program", 2, 1, b"\x00" * 8)]),
        link.Notice(link.NoticeKind.CHAT, "kota-cirebon: siap"),
        link.ControlChanged(2, "officer"),
    ]
    for message in client:
        assert link.decode_client(link.encode(message)) == message
    for reply in server:
        assert link.decode_server(link.encode(reply)) == reply
    with pytest.raises(msgspec.ValidationError):  # a server message is no client message
        link.decode_client(link.encode(server[0]))


def test_hello_checks_version_then_token() -> None:
    hello = link.Hello("secret", "c")
    assert link.check_hello(hello, "secret", same=True) is None
    refused = link.check_hello(hello, "secret", same=False)
    assert refused is not None and refused.reason is link.LinkRefusal.BAD_TOKEN
    old = link.Hello("secret", "c", v=link.LINK_VERSION + 1)
    refused = link.check_hello(old, "secret", same=True)
    assert refused is not None and refused.reason is link.LinkRefusal.VERSION


def test_one_console_holds_control_until_another_takes_it() -> None:
    seats = link.ControlSeats()
    taken = seats.attach(1, "A", want_control=True)
    assert taken == link.ControlTaken(1, "A", None, "")
    assert seats.attach(2, "B", want_control=True) is None  # A holds it: B watches
    assert seats.attach(3, "officer", want_control=False) is None
    assert seats.may_command(1) and not seats.may_command(2) and not seats.may_command(3)
    refusal = seats.refusal("go")
    assert refusal.reason is op.RejectReason.NOT_IN_CONTROL and "A has control" in refusal.detail
    taken = seats.take(2)
    assert taken is not None
    assert taken.note() == notes.OperatorControl(action="taken", by="B", previous="A")
    assert seats.take(2) is None  # already holds it: nothing to journal
    assert seats.take(99) is None  # not attached
    assert seats.detach(1) is None  # a watcher leaving changes nothing
    released = seats.detach(2)
    assert released is not None and released.to is None and released.note().previous == "B"
    assert not seats.may_command(3)  # nobody is promoted by itself
    assert seats.attach(4, "A again", want_control=True) is not None  # the free seat is taken


def test_the_socket_path_fits_a_unix_socket_address(tmp_path: Path) -> None:
    from media.operator_link.framing import UNIX_PATH_MAX, socket_path

    short = socket_path(Path("/home/op/.local/share/ceremony/control"), "peresmian-mpp")
    assert short == Path("/home/op/.local/share/ceremony/control/peresmian-mpp.sock")
    hashed = socket_path(Path("/home/op/control"), "x" * 120)
    assert hashed.parent == Path("/home/op/control") and len(hashed.name) == 21
    deep = Path("/" + "d" * 120)
    elsewhere = socket_path(deep, "c")
    assert len(str(elsewhere)) <= UNIX_PATH_MAX and elsewhere.parent.name.startswith("ceremony-")
    assert elsewhere == socket_path(deep, "c") != socket_path(deep, "d")  # both sides agree
