"""A stranger on the signaling port, and a joined venue sending junk, against a real studio."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import msgspec
import pytest

from ceremony import wire
from ceremony.runsheet import Runsheet
from ceremony.sequencer import commands as cmd
from launcher.demo import free_port
from media.ice import pin_host_addresses
from media.identity import ensure_identity
from media.signaling_limits import CloseKind, SignalingLimits
from media.studio import StudioConfig, StudioEngine, VenueStatus
from media.tls import fingerprint_bytes
from media.venue import LinkState
from tests.integration.conftest import LOOPBACK, SMALL, Recorder, Studio, studio_on_loopback
from tests.integration.test_session import CIREBON, message, running, state

pytestmark = pytest.mark.integration

LIMITS = SignalingLimits(
    handshake_s=1.0, join_s=1.0, max_pending_per_address=3, refusal_burst=4, summary_s=3600
)


@pytest.fixture
async def guarded(tmp_path: Path, sheet: Runsheet) -> AsyncIterator[Studio]:
    async with studio_on_loopback(tmp_path, sheet, signaling=LIMITS) as running:
        yield running


async def signal(studio: Studio, payload: str | bytes, source: str = LOOPBACK) -> object:
    """Send one signaling message from `source`; the studio's reply, or how it closed."""
    pin = aiohttp.Fingerprint(fingerprint_bytes(studio.identity.certificate.fingerprint))
    connector = aiohttp.TCPConnector(local_addr=(source, 0), ssl=pin)
    async with aiohttp.ClientSession(connector=connector) as http:
        ws = await http.ws_connect(f"wss://{LOOPBACK}:{studio.port}/signal")
        if isinstance(payload, bytes):
            await ws.send_bytes(payload)
        else:
            await ws.send_str(payload)
        reply = await ws.receive(timeout=5)
        await ws.close()
    if reply.type == aiohttp.WSMsgType.TEXT:
        return wire.decode(reply.data, frozenset({wire.Refused, wire.Accepted}), limit=1 << 20)
    return reply.type


def join_with(studio: Studio, **fields: object) -> str:
    invite = studio.invite(CIREBON)
    body = msgspec.to_builtins(
        wire.Join(
            venue_id=invite.venue_id,
            ceremony_id=invite.ceremony_id,
            expires=invite.expires,
            token=invite.token,
            sdp="",
            studio=invite.studio,
            ceremony_title=invite.ceremony_title,
            venue_name=invite.venue_name,
            addresses=invite.addresses,
            fingerprint=invite.fingerprint,
        )
    )
    body.update(fields)
    return json.dumps(body)


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_a_bad_offer_with_a_valid_token_leaves_the_live_venue_alone(
    guarded: Studio, caplog: pytest.LogCaptureFixture
) -> None:
    link, _ = guarded.link(guarded.invite(CIREBON))
    async with running(link):
        await _.wait(state(LinkState.CONNECTED))
        conn = guarded.engine.venues[CIREBON].conn
        for sdp in ("", "garbage", "v=0\r\n"):
            reply = await signal(guarded, join_with(guarded, sdp=sdp))
            assert isinstance(reply, wire.Refused) and reply.reason is wire.JoinRefusal.MALFORMED
        record = guarded.engine.venues[CIREBON]
        assert record.conn is conn and record.status is VenueStatus.JOINED
        assert link.state is LinkState.CONNECTED and link.counters.reconnects == 0
    no_tracebacks(caplog)


@pytest.mark.parametrize(
    "payload",
    [
        "[" * 5000 + "]" * 5000,
        b'{"type":"join","venue_id":"\xff\xfe"}',
        '{"type":"join","venue_id":"a","ceremony_id":"c","expires":1,"token":"é","sdp":""}',
        '{"type":"accepted","sdp":"","studio":"","venue_name":""}',
        "x" * 70_000,  # over the signaling limit: aiohttp closes with 1009
    ],
)
async def test_malformed_signaling_is_refused_or_closed_without_a_traceback(
    guarded: Studio, payload: str | bytes, caplog: pytest.LogCaptureFixture
) -> None:
    reply = await signal(guarded, payload)
    assert isinstance(reply, wire.Refused) or reply in (
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
    )
    if isinstance(reply, wire.Refused):
        assert reply.reason in (wire.JoinRefusal.MALFORMED, wire.JoinRefusal.BAD_TOKEN)
    no_tracebacks(caplog)


async def test_strangers_learn_nothing_and_leave_no_text_in_the_journal(guarded: Studio) -> None:
    long_id = "x" * 60
    for venue_id, ceremony_id in ((long_id, "c"), ("kota-cirebon", "other"), ("nope", "nope")):
        reply = await signal(
            guarded, join_with(guarded, venue_id=venue_id, ceremony_id=ceremony_id, token="0" * 64)
        )
        assert isinstance(reply, wire.Refused) and reply.reason is wire.JoinRefusal.BAD_TOKEN
        assert guarded.sheet.ceremony.id not in reply.detail
    await guarded.engine.stop()  # the summary goes to the journal on the way out
    journal = guarded.engine.journal_path.read_text(encoding="utf-8")
    assert long_id not in journal and '"join_refused"' not in journal
    summaries = [json.loads(line) for line in journal.splitlines() if "signaling_summary" in line]
    assert len(summaries) == 1
    assert summaries[0]["payload"]["kinds"] == {"bad_token": 3}


async def test_an_address_that_keeps_failing_is_held_off_and_others_still_join(
    guarded: Studio,
) -> None:
    for _ in range(int(LIMITS.refusal_burst)):
        assert isinstance(await signal(guarded, "{", source="127.0.0.9"), wire.Refused)
    with pytest.raises((aiohttp.ClientError, ConnectionError, ssl.SSLError)):
        await signal(guarded, "{", source="127.0.0.9")
    assert guarded.engine.admission.tally.totals[CloseKind.RATE_LIMITED] >= 1
    link, events = guarded.link(guarded.invite(CIREBON))
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))


async def test_idle_connections_are_closed_at_the_join_deadline_and_capped(
    guarded: Studio,
) -> None:
    source = "127.0.0.7"
    opened = []
    for _ in range(LIMITS.max_pending_per_address + 2):
        opened.append(await asyncio.open_connection(LOOPBACK, guarded.port, local_addr=(source, 0)))
    started = time.monotonic()
    # The two oldest made room at once (per-address cap); the rest go at the deadline.
    for reader, _writer in opened:
        assert await asyncio.wait_for(reader.read(), timeout=LIMITS.join_s + 2) == b""
    assert time.monotonic() - started < LIMITS.join_s + 1.5
    totals = guarded.engine.admission.tally.totals
    assert totals[CloseKind.OVER_ADDRESS] == 2
    assert totals[CloseKind.JOIN_TIMEOUT] == LIMITS.max_pending_per_address
    assert guarded.engine.admission.pending == {}
    for _reader, writer in opened:
        writer.close()


async def test_junk_on_the_control_channel_never_ends_the_session(
    guarded: Studio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    link, events = guarded.link(guarded.invite(CIREBON))
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        assert link._control is not None
        channel = link._control.channel
        sctp = channel.transport
        junk: list[str | bytes] = [
            "[" * 3000 + "]" * 3000,
            b"\xff\xfe\xfd",
            '{"type":"operator","action":"go"}',
            '{"type":"welcome","studio":"x","ceremony_id":"c","ceremony_title":"t",'
            '"venue_id":"v","venue_name":"n"}',
            '{"type":"ready","ready":true,"contact":"' + "c" * 600 + '"}',
            '{"type":"fire_report","arm_id":99,"local_deadline":1,"local_fire":1,"bound_s":0}',
            '{"type":"arm_ack","arm_id":99,"state":"armed"}',
        ]
        for item in junk * 20:
            channel.send(item)
        # Invalid UTF-8 sent as *text* (PPID 51): aiortc itself would choke on it.
        for _ in range(5):
            assert channel.id is not None
            await sctp._send(channel.id, 51, b"\xff\xfe bad text")
        record = guarded.engine.venues[CIREBON]
        studio_side = record.conn.control if record.conn else None
        assert studio_side is not None
        # 5 kinds x 20 undecodable, 5 invalid texts, 2 kinds x 20 refused: all answered or
        # counted, none fatal.
        await events.wait(lambda e: studio_side.errors_received >= 145, timeout=15)
        assert link.state is LinkState.CONNECTED and link.counters.reconnects == 0
        assert record.status is VenueStatus.JOINED and record.conn is not None
        assert studio_side.replies_suppressed > 0  # a flood is not echoed at full rate
    journal = guarded.engine.journal_path.read_text(encoding="utf-8")
    assert '"fire_reported"' not in journal and '"countdown_ack"' not in journal
    assert "c" * 600 not in journal
    no_tracebacks(caplog)
    bad_lines = [
        r
        for r in caplog.records
        if "bad or error" in r.getMessage() or "on control" in r.getMessage()
    ]
    assert len(bad_lines) < 10  # aggregated, not one line per message


async def test_a_chat_flood_is_rate_limited_before_the_journal(guarded: Studio) -> None:
    link, events = guarded.link(guarded.invite(CIREBON))
    async with running(link):
        await events.wait(state(LinkState.CONNECTED))
        for i in range(200):
            link.send(wire.Chat(text=f"hello {i}"))
        await events.wait(
            lambda e: guarded.engine.venues[CIREBON].journal_refused >= 150, timeout=10
        )
    journal = guarded.engine.journal_path.read_text(encoding="utf-8")
    assert 5 <= journal.count('"chat_from"') <= 11


async def test_long_run_sheet_texts_are_clipped_to_what_a_venue_accepts(
    tmp_path: Path, sheet: Runsheet
) -> None:
    import dataclasses

    long = "Peresmian " * 80  # 800 characters: over the wire's text limit
    items = (dataclasses.replace(sheet.items[0], title=long), *sheet.items[1:])
    sheet = dataclasses.replace(
        sheet, ceremony=dataclasses.replace(sheet.ceremony, title=long), items=items
    )
    pin_host_addresses([LOOPBACK])
    identity = ensure_identity(tmp_path / "studio", [LOOPBACK])
    port = free_port()
    engine = StudioEngine(
        sheet, identity, StudioConfig(host=LOOPBACK, port=port, program=SMALL), tmp_path / "j"
    )
    await engine.start()
    try:
        studio = Studio(engine, identity, sheet, port, Recorder())
        link, events = studio.link(studio.invite(CIREBON))
        async with running(link):
            await events.wait(state(LinkState.CONNECTED))
            engine.command(cmd.Go())
            started = await events.wait(message(wire.ProgramState, item_index=0))
            assert started.message.item_title == long[: wire.MAX_TEXT]
            assert link.welcome is not None
            assert link.welcome.ceremony_title == long[: wire.MAX_TEXT]
            assert link._control is not None and link._control.errors_received == 0
    finally:
        await engine.stop()
        pin_host_addresses(None)
