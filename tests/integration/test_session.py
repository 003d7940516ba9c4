"""The live session over real aiortc peer connections on loopback."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest

from ceremony import wire
from ceremony.sequencer import commands as cmd
from media.studio import VenueStatus, VenueStatusChanged
from media.tls import fingerprint_bytes
from media.venue import LinkState, LinkStateChanged, MessageReceived, VenueLink
from tests.integration.conftest import Studio

pytestmark = pytest.mark.integration

CIREBON = "kota-cirebon"


@asynccontextmanager
async def running(link: VenueLink) -> AsyncIterator[asyncio.Task[LinkState]]:
    task = asyncio.create_task(link.run())
    try:
        yield task
    finally:
        link.stop()
        await asyncio.wait_for(task, timeout=10)


def state(s: LinkState) -> Callable[[Any], bool]:
    return lambda e: isinstance(e, LinkStateChanged) and e.state is s


def message(kind: type, **match: object) -> Callable[[Any], bool]:
    return lambda e: (
        isinstance(e, MessageReceived)
        and isinstance(e.message, kind)
        and all(getattr(e.message, k) == v for k, v in match.items())
    )


async def test_join_then_go_reaches_venue_as_tally(studio: Studio) -> None:
    link, events = studio.link(studio.invite(CIREBON))
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        welcome = link.welcome
        assert welcome is not None and welcome.venue_name == "MPP Kota Cirebon"
        await events.wait(message(wire.ProgramState, item_index=None))
        studio.engine.command(cmd.Jump(3))  # the Cirebon report: this venue goes on air
        on_air = await events.wait(message(wire.ProgramState, tally=wire.Tally.ON_AIR))
        assert on_air.message.item_title == "Laporan Wali Kota Cirebon"
        # The speaker's time runs out at an instant on the studio clock (this process's):
        # sent with the item's full time, placed by the venue with its clock estimate.
        state_sent = on_air.message
        assert state_sent.ends_at is not None and state_sent.remaining_s is not None
        assert state_sent.ends_at - time.monotonic() == pytest.approx(
            state_sent.remaining_s, abs=1.0
        )
        studio.engine.command(cmd.Go())
        await events.wait(message(wire.ProgramState, tally=wire.Tally.STANDBY, item_index=4))
        # Program video and the venue's camera both flow.
        await events.wait(lambda e: link.counters.program_frames >= 5, timeout=10)
        assert studio.engine.venues[CIREBON].video_frames > 0
        assert studio.engine.venues[CIREBON].status is VenueStatus.JOINED


def _genuine(studio: Studio, **fields: Any) -> Any:
    """An invite this studio really signed, with `fields` changed before signing."""
    from ceremony.invite import Invite, sign_token

    claim = msgspec.structs.replace(studio.invite(CIREBON).claim(), **fields)
    return Invite(**msgspec.structs.asdict(claim), token=sign_token(studio.identity.secret, claim))


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda s, i: msgspec.structs.replace(i, token="0" * 64), wire.JoinRefusal.BAD_TOKEN),
        (
            lambda s, i: msgspec.structs.replace(i, expires=i.expires + 60),
            wire.JoinRefusal.BAD_TOKEN,
        ),
        (lambda s, i: msgspec.structs.replace(i, studio="@tudio"), wire.JoinRefusal.BAD_TOKEN),
        (
            lambda s, i: msgspec.structs.replace(i, venue_id="lokasi-02"),
            wire.JoinRefusal.OTHER_VENUE,
        ),
        (lambda s, i: _genuine(s, venue_id="atlantis"), wire.JoinRefusal.UNKNOWN_VENUE),
        (lambda s, i: _genuine(s, ceremony_id="other"), wire.JoinRefusal.WRONG_CEREMONY),
    ],
)
async def test_bad_invites_are_refused_with_reason(
    studio: Studio, tamper: Callable[[Any, Any], Any], reason: wire.JoinRefusal
) -> None:
    invite = tamper(studio, studio.invite(CIREBON))
    link, events = studio.link(invite)
    async with running(link) as task:
        final = await asyncio.wait_for(task, timeout=10)
    assert final is LinkState.REFUSED
    refused = await events.wait(state(LinkState.REFUSED))
    assert refused.detail.startswith(reason.value)
    assert studio.engine.venues[CIREBON].status is VenueStatus.INVITED


async def test_expired_invite_is_refused(studio: Studio) -> None:
    link, events = studio.link(studio.invite(CIREBON, expires_in=-10))
    async with running(link) as task:
        assert await asyncio.wait_for(task, timeout=10) is LinkState.REFUSED
    refused = await events.wait(state(LinkState.REFUSED))
    assert "expired" in refused.detail


async def test_certificate_mismatch_is_refused_by_the_venue(studio: Studio) -> None:
    wrong = "AB:" * 31 + "AB"
    link, events = studio.link(msgspec.structs.replace(studio.invite(CIREBON), fingerprint=wrong))
    async with running(link) as task:
        assert await asyncio.wait_for(task, timeout=10) is LinkState.REFUSED
    refused = await events.wait(state(LinkState.REFUSED))
    assert refused.detail.startswith("certificate_mismatch") and "fingerprint" in refused.detail
    assert not studio.events.events  # nothing reached the studio's join handling


async def test_malformed_join_on_signaling(studio: Studio) -> None:
    pin = aiohttp.Fingerprint(fingerprint_bytes(studio.identity.certificate.fingerprint))
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"wss://127.0.0.1:{studio.port}/signal", ssl=pin)
        await ws.send_str('{"type": "join", "venue_id": 5}')
        reply = wire.decode((await ws.receive(timeout=5)).data, frozenset({wire.Refused}))
        assert isinstance(reply, wire.Refused) and reply.reason is wire.JoinRefusal.MALFORMED
        await ws.close()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("this is not json", wire.ErrorCode.MALFORMED),
        ('{"type": "heartbeat", "seq": "seven"}', wire.ErrorCode.MALFORMED),
        ('{"type": "teleport"}', wire.ErrorCode.UNKNOWN_TYPE),
        ('{"type": "chat", "text": "' + "x" * 20_000 + '"}', wire.ErrorCode.TOO_LARGE),
        ('{"type": "operator", "action": "go"}', wire.ErrorCode.FORBIDDEN),
        ('{"type": "cue", "cue_id": 1, "text": "hi"}', wire.ErrorCode.FORBIDDEN),
        ('{"type": "heartbeat", "seq": 1, "v": 99}', wire.ErrorCode.UNSUPPORTED_VERSION),
    ],
)
async def test_bad_messages_get_an_error_and_the_session_survives(
    studio: Studio, payload: str, code: wire.ErrorCode
) -> None:
    link, events = studio.link(studio.invite(CIREBON))
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        assert link._control is not None
        link._control.channel.send(payload)
        await events.wait(message(wire.Error, code=code))
        # Still alive: a GO afterwards still reaches the venue, and nothing moved the sequencer.
        assert studio.engine.desk.sequencer.state.current is None
        studio.engine.command(cmd.Jump(3))
        await events.wait(message(wire.ProgramState, tally=wire.Tally.ON_AIR))
        assert studio.engine.venues[CIREBON].status is VenueStatus.JOINED
        assert link.state is LinkState.CONNECTED


async def test_venue_reconnects_after_the_studio_drops_it(studio: Studio) -> None:
    link, events = studio.link(studio.invite(CIREBON))
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        record = studio.engine.venues[CIREBON]
        studio.engine.peers.close(record, "test: link cut")
        await studio.events.wait(
            lambda e: isinstance(e, VenueStatusChanged) and e.status is VenueStatus.LOST
        )
        await events.wait(state(LinkState.RECONNECTING))
        await studio.events.wait(
            lambda e: (
                isinstance(e, VenueStatusChanged)
                and e.status is VenueStatus.JOINED
                and "#2" in e.reason
            )
        )
        assert record.reconnects == 1
        await events.wait(lambda e: link.counters.reconnects == 1)


async def test_newest_connection_wins(studio: Studio) -> None:
    invite = studio.invite(CIREBON)
    first, first_events = studio.link(invite)
    second, second_events = studio.link(invite)
    async with running(first) as first_task:
        await first_events.wait(state(LinkState.CONNECTED))
        async with running(second):
            await second_events.wait(state(LinkState.CONNECTED))
            assert await asyncio.wait_for(first_task, timeout=10) is LinkState.REPLACED
            assert studio.engine.venues[CIREBON].status is VenueStatus.JOINED


async def test_silent_venue_is_marked_lost_by_heartbeat(studio: Studio) -> None:
    link, events = studio.link(studio.invite(CIREBON))
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        # The venue goes silent: no control messages, no camera (a frozen laptop).
        assert link._control is not None and link._video_track is not None
        link._control.send = lambda message: False  # type: ignore[method-assign]
        link._video_track.stop()
        # Its SCTP still acknowledges: the studio notices at the next answer it asks for (every
        # 3 s) that is not given within 2.8 s.
        lost = await studio.events.wait(
            lambda e: isinstance(e, VenueStatusChanged) and e.status is VenueStatus.LOST,
            timeout=9,
        )
        assert "no heartbeat" in lost.reason


async def test_program_and_venue_recordings(studio: Studio, tmp_path: Path) -> None:
    """The studio records the program (stream copy) and the venue's own picture (ISO)."""
    import av

    from media.recorder import IsoRecorder

    link, events = studio.link(studio.invite(CIREBON))
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        await events.wait(lambda e: studio.engine.venues[CIREBON].video_frames >= 20, timeout=15)
    iso = studio.engine.record.isos[CIREBON]
    assert isinstance(iso, IsoRecorder) and iso.frames >= 10 and iso.failed is None
    studio.engine.stop_recording()  # closes and hashes off the loop
    await studio.engine.record.flushed()
    with av.open(str(iso.path)) as c:
        assert sum(1 for _ in c.decode(video=0)) >= 10


async def test_a_venue_that_cannot_play_the_program_tells_the_studio(studio: Studio) -> None:
    """No speaker by that name (or no PortAudio at all): the crew is told, and so is the desk."""
    from media.venue import VenueConfig

    config = VenueConfig(speaker="no such speaker in this hall", program_sound=True)
    link, events = studio.link(studio.invite(CIREBON), config)

    def studio_knows(_event: object) -> bool:
        stats = studio.engine.venues[CIREBON].stats
        return stats is not None and stats.sound_problem.startswith("no sound")

    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        await events.wait(studio_knows, timeout=15)
    assert link.speaker.problem is not None
    row = studio.engine.status().venue(CIREBON)
    assert row is not None and row.sound_problem.startswith("no sound")


async def test_the_studio_hears_the_venue_receivers_bandwidth_estimate(studio: Studio) -> None:
    """The venue's program receiver sends REMB (aiortc's estimator: once it has measured ~3 s
    of the picture, or sooner on congestion); the studio keeps the connection's latest and its
    rung policy has it (ceremony/quality.py)."""
    link, events = studio.link(studio.invite(CIREBON))
    record = studio.engine.venues[CIREBON]

    def estimated(_event: object) -> bool:  # checked at each event: frames come 30 a second
        return record.conn is not None and record.conn.estimate_bps is not None

    async with running(link):
        await events.wait(estimated, timeout=20)
        assert record.conn is not None and record.conn.estimate_bps is not None
        assert record.quality.estimate_bps == record.conn.estimate_bps > 0
        # What each rung really sends (the test pattern compresses far below its target),
        # capped at the target: the estimate is weighed against that.
        rungs = studio.engine.bus.rungs
        assert len(record.quality.bitrates) == len(rungs)
        assert all(0 < b <= r.bitrate for b, r in zip(record.quality.bitrates, rungs, strict=True))


async def test_a_venue_moved_down_a_rung_gets_the_smaller_picture(studio: Studio) -> None:
    """The resolution changes mid-stream at the lower rung's keyframe, and back again."""
    import time

    from ceremony.quality import RungPolicy
    from media.venue import ProgramFrame

    link, events = studio.link(studio.invite(CIREBON))
    bus = studio.engine.bus
    top, low = bus.rungs[0].fmt, bus.rungs[1].fmt
    assert (low.width, low.height) == (top.width // 2, top.height // 2)

    def picture(width: int) -> Callable[[Any], bool]:
        return lambda e: isinstance(e, ProgramFrame) and e.frame.width == width

    record = studio.engine.venues[CIREBON]
    async with running(link):
        await events.wait(picture(top.width), timeout=15)
        # A report of heavy loss, as the link-quality loop would feed it: the policy moves it.
        bus.set_rung(CIREBON, record.quality.observe(time.monotonic(), 30.0))
        await events.wait(picture(low.width), timeout=15)
        assert bus._rungs_in_use() == [0, 1] and record.quality.rung == 1
        record.quality = RungPolicy(lowest=1)  # a clean record: back to the top
        bus.set_rung(CIREBON, 0)
        seen_low = False

        def top_after_low(e: Any) -> bool:  # the recorder scans from the first event
            nonlocal seen_low
            seen_low = seen_low or picture(low.width)(e)
            return seen_low and picture(top.width)(e)

        await events.wait(top_after_low, timeout=15)
        assert bus._rungs_in_use() == [0]  # nobody left on the lower rung: not encoded


class _DeadSpeaker:
    """A speaker whose stream died with its sound server: the venue must open it again
    (media.speaker.keep_open), off its loop, while it runs."""

    def __init__(self) -> None:
        self.reopened = threading.Event()
        self.problem: str | None = "no sound: the PulseAudio stream ended: Connection terminated"

    def lost(self) -> bool:
        return not self.reopened.is_set()

    def reopen(self) -> bool:
        self.reopened.set()
        self.problem = None
        return True

    def push_program(self, _frame: object) -> None:
        pass


async def test_a_joined_venue_opens_its_dead_speaker_again(studio: Studio) -> None:
    link, events = studio.link(studio.invite(CIREBON))
    dead = _DeadSpeaker()
    link.speaker = dead  # type: ignore[assignment]
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        assert await asyncio.to_thread(dead.reopened.wait, 10)
    assert dead.problem is None


class _SpeakerThatDies:
    """A speaker that plays, then stops for good (its device unplugged): nothing to reopen."""

    def __init__(self) -> None:
        self.problem: str | None = None

    def lost(self) -> bool:
        return False

    def reopen(self) -> bool:
        return False

    def push_program(self, _frame: object) -> None:
        pass


async def test_a_speaker_that_dies_is_on_the_studios_board_without_waiting_for_an_answer(
    studio: Studio,
) -> None:
    """Between events the venue answers a heartbeat only every 6 s; its speaker's death goes
    to the studio at once, in statistics of its own."""
    link, events = studio.link(studio.invite(CIREBON))
    speaker = _SpeakerThatDies()
    link.speaker = speaker  # type: ignore[assignment]
    sent: list[object] = []
    send = link.send
    refuse = False  # the channel closing under the venue: nothing goes

    def sending(message: wire._Msg) -> bool:
        if refuse:
            return False
        sent.append(message)
        return send(message)

    link.send = sending  # type: ignore[method-assign]

    def studio_knows(problem: str) -> Callable[[object], bool]:
        def knows(_event: object) -> bool:
            stats = studio.engine.venues[CIREBON].stats
            return stats is not None and stats.sound_problem == problem

        return knows

    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        await events.wait(studio_knows(""), timeout=15)  # its first answer: sound plays
        speaker.problem = "no sound: unplugged"
        refuse = True
        link._tell_sound_change()  # what the joined link does once a second (no await between)
        refuse = False
        link._tell_sound_change()  # not sent the first time: told the next
        await events.wait(studio_knows("no sound: unplugged"), timeout=15)
    told = [m for m in sent if isinstance(m, wire.Stats)]
    assert [m.sound_problem for m in told] == ["no sound: unplugged"]
