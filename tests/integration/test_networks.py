"""A real studio and real venue processes across real NAT routers and a firewall, with coturn.

The network is built from kernel parts in namespaces (launcher/netlab.py); the studio engine
runs in this process with its sockets in the studio's namespace; each venue is a `ceremony venue`
process inside its LAN's namespace. Needs root (CI runs as root)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import msgspec
import pytest

from ceremony.runsheet import Runsheet
from ceremony.turn import parse_turn_url
from launcher.demo import fit_venues
from launcher.light_venue import LightGroupSpec, LightVenueSpec
from launcher.netlab import LanSpec, NetLab, TurnProcess, start_turn, unavailable
from media import runsheet_files
from media.ice import pin_host_addresses
from media.identity import StudioIdentity, ensure_identity
from media.program import VideoFormat
from media.studio import StudioConfig, StudioEngine, VenueStatus, VenueStatusChanged
from tests.integration.conftest import Recorder
from tests.unit.conftest import SAMPLE

pytestmark = pytest.mark.integration
NO_LAB = unavailable()
PORT = 8443


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[NetLab, TurnProcess]]:
    if NO_LAB is not None:
        pytest.skip(f"no network namespaces here: {NO_LAB}")
    with NetLab([LanSpec("open"), LanSpec("udp-blocked", udp_blocked=True)]) as built:
        turn = start_turn(built, tmp_path / "turn")
        try:
            yield built, turn
        finally:
            turn.stop()


@dataclasses.dataclass
class _Studio:
    net: NetLab
    engine: StudioEngine
    events: Recorder
    identity: StudioIdentity
    procs: list[subprocess.Popen[bytes]] = dataclasses.field(default_factory=list)

    def spawn(self, lan: str, argv: list[str], log_path: Path) -> None:
        """Start `argv` inside `lan`'s namespace, its output to `log_path`; it ends with the
        studio."""
        with open(log_path, "wb") as log:
            self.procs.append(
                subprocess.Popen(
                    self.net.exec_argv(self.net.lans[lan].namespace, argv),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )


@contextlib.asynccontextmanager
async def _studio_in_lab(
    net: NetLab, turn: TurnProcess, sheet: Runsheet, tmp_path: Path
) -> AsyncIterator[_Studio]:
    """A studio engine with its sockets in the studio's namespace, granting `turn`'s
    credentials, and the venue processes it spawned stopped after it."""
    identity = ensure_identity(tmp_path / "studio", [net.studio_ip])
    with net.inside(net.studio_ns):
        pin_host_addresses([net.studio_ip])
        engine = StudioEngine(
            sheet,
            identity,
            StudioConfig(
                host=net.studio_ip,
                port=PORT,
                program=VideoFormat(160, 96, 10),
                turn=parse_turn_url(turn.url),
                turn_secret=turn.secret,
            ),
            tmp_path / "journal.jsonl",
        )
        studio = _Studio(net, engine, Recorder(), identity)
        engine.subscribe(studio.events)
        await engine.start()
        try:
            yield studio
        finally:
            for proc in studio.procs:
                proc.terminate()
            for proc in studio.procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            await engine.stop()
            pin_host_addresses(None)


async def test_venues_behind_nat_and_a_udp_firewall_join_and_report_their_path(
    tmp_path: Path, lab: tuple[NetLab, TurnProcess]
) -> None:
    net, turn = lab
    sheet = fit_venues(runsheet_files.load(SAMPLE), 2).scaled(600)
    direct, relayed = (v.id for v in sheet.venues)
    async with _studio_in_lab(net, turn, sheet, tmp_path) as studio:
        for venue_id, lan in ((direct, "open"), (relayed, "udp-blocked")):
            invite = studio.identity.invite(
                sheet, venue_id, [f"{net.studio_ip}:{PORT}"], time.time() + 3600
            )
            path = tmp_path / f"{venue_id}.invite"
            path.write_text(invite.to_string())
            argv = [sys.executable, "-m", "launcher.cli", "venue", "--headless"]
            argv += ["--invite", str(path), "--no-media", "--no-program-sound"]
            studio.spawn(lan, argv, tmp_path / f"{venue_id}.log")
        for venue_id in (direct, relayed):
            await studio.events.wait(_joined(venue_id), timeout=30)
        paths = await _paths(studio.engine, {direct, relayed}, timeout=15)
        doctor = {
            lan: await _doctor(net, lan, tmp_path / f"{venue_id}.invite")
            for venue_id, lan in ((direct, "open"), (relayed, "udp-blocked"))
        }
        # Both LANs' addresses change under the joined venues (one direct, one relayed over
        # TCP): each must come back on its own.
        seen = len(studio.events.events)
        net.renumber("open", 77)
        net.renumber("udp-blocked", 77)
        renumbered = time.monotonic()
        for venue_id in (direct, relayed):
            await studio.events.wait(_joined(venue_id, after=seen), timeout=15)
        rejoin_s = time.monotonic() - renumbered
    # Behind a masquerading NAT, direct: the studio saw a translated address.
    assert paths[direct] == "srflx/udp", (tmp_path / f"{direct}.log").read_text()
    # The firewall drops all UDP: only TURN over TCP gets through.
    assert paths[relayed] == "relay/tcp", (tmp_path / f"{relayed}.log").read_text()
    # Back on air on its own after the address change (the figure is the bench's to report).
    assert rejoin_s < 10, rejoin_s
    # `ceremony doctor` from each hall says the same before the day.
    assert doctor["open"]["verdict"] == "ready"
    assert (doctor["open"]["udp"], doctor["open"]["turn_udp"]) == ("ok", "ok")
    blocked = doctor["udp-blocked"]
    assert blocked["verdict"] == "relay"
    assert (blocked["signaling"], blocked["invite"]) == ("ok", "ok")
    assert (blocked["udp"], blocked["turn_udp"], blocked["turn_tcp"]) == ("failed", "failed", "ok")


async def test_light_venues_cross_the_nat_and_the_relay_and_rejoin_after_an_address_change(
    tmp_path: Path, lab: tuple[NetLab, TurnProcess]
) -> None:
    """`ceremony bench network`'s light venues: several links in one process inside a LAN's
    namespace go through its NAT (or, UDP blocked, through coturn over TCP), report their path
    as a full venue does, and come back by themselves when the LAN is renumbered."""
    net, turn = lab
    sheet = fit_venues(runsheet_files.load(SAMPLE), 3).scaled(600)
    first, second, relayed = (v.id for v in sheet.venues)
    async with _studio_in_lab(net, turn, sheet, tmp_path) as studio:
        for lan, venue_ids in (("open", [first, second]), ("udp-blocked", [relayed])):
            specs = []
            for venue_id in venue_ids:
                invite = studio.identity.invite(
                    sheet, venue_id, [f"{net.studio_ip}:{PORT}"], time.time() + 3600
                )
                path = tmp_path / f"{venue_id}.invite"
                path.write_text(invite.to_string())
                specs.append(LightVenueSpec(invite=str(path)))
            spec_path = tmp_path / f"light-{lan}.json"
            LightGroupSpec(
                specs, ice_addresses=None, out=str(tmp_path / f"{lan}.out"), realtime=False
            ).dump(spec_path)
            argv = [sys.executable, "-m", "launcher.light_venue", str(spec_path)]
            studio.spawn(lan, argv, tmp_path / f"light-{lan}.log")
        for venue_id in (first, second, relayed):
            await studio.events.wait(_joined(venue_id), timeout=30)
        paths = await _paths(studio.engine, {first, second, relayed}, timeout=15)
        seen = len(studio.events.events)
        net.renumber("open", 77)
        for venue_id in (first, second):
            await studio.events.wait(_joined(venue_id, after=seen), timeout=15)
        rejoined = await _paths(studio.engine, {first, second}, timeout=15, reconnects=1)
    logs = "".join(p.read_text() for p in tmp_path.glob("light-*.log"))
    assert paths[first] == paths[second] == "srflx/udp", logs
    assert paths[relayed] == "relay/tcp", logs
    # Back on the direct path from their new address (ICE gathers on every interface; a pin
    # to the old address would leave them only the relay).
    assert rejoined[first] == rejoined[second] == "srflx/udp", logs


async def _doctor(net: NetLab, lan: str, invite: Path) -> dict[str, object]:
    argv = [sys.executable, "-m", "launcher.cli", "doctor", "--invite", str(invite), "--json"]
    proc = await asyncio.create_subprocess_exec(
        *net.exec_argv(net.lans[lan].namespace, argv),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert out, err.decode()
    result: dict[str, object] = json.loads(out)
    return result


def _joined(venue_id: str, after: int = 0) -> Callable[[object], bool]:
    """Matches the venue's JOINED, if it is later than the first `after` events."""
    seen = 0

    def match(event: object) -> bool:
        nonlocal seen
        seen += 1
        return (
            seen > after
            and isinstance(event, VenueStatusChanged)
            and (event.venue_id == venue_id and event.status is VenueStatus.JOINED)
        )

    return match


async def _paths(
    engine: StudioEngine, wanted: set[str], timeout: float, reconnects: int = 0
) -> dict[str, str]:
    """Each venue's path as the studio's snapshot shows it, once every one has reported (from
    a session after at least `reconnects` reconnects)."""
    deadline = time.monotonic() + timeout
    while True:
        venues = engine.snapshot()["venues"]
        assert isinstance(venues, list)
        paths = {v["id"]: v["path"] for v in venues if v["id"] in wanted}
        # The venue's own report (it knows its TURN transport) comes with its once-a-second
        # stats; before that the studio shows its own view.
        reported = {
            v: (stats := engine.venues[v].stats) is not None
            and bool(stats.path)
            and stats.reconnects >= reconnects
            for v in wanted
        }
        if all(reported.values()) or time.monotonic() > deadline:
            return paths
        await asyncio.sleep(0.2)  # stats arrive once a second; there is no event for them


async def test_the_studio_grants_turn_credentials_only_to_a_proven_invite(tmp_path: Path) -> None:
    import base64
    import hashlib
    import hmac

    from launcher.demo import free_port
    from media.tls import fingerprint_bytes

    sheet = runsheet_files.load(SAMPLE).scaled(600)
    venue = sheet.venues[0].id
    identity = ensure_identity(tmp_path / "studio", ["127.0.0.1"])
    port = free_port()
    engine = StudioEngine(
        sheet,
        identity,
        StudioConfig(
            host="127.0.0.1",
            port=port,
            program=VideoFormat(160, 96, 10),
            turn=parse_turn_url("turn:turn.example:3478"),
            turn_secret=b"shared-with-coturn",
        ),
        tmp_path / "journal.jsonl",
    )
    await engine.start()
    try:
        invite = identity.invite(sheet, venue, [f"127.0.0.1:{port}"], time.time() + 3600)
        pin = aiohttp.Fingerprint(fingerprint_bytes(invite.fingerprint))
        forged = msgspec.structs.replace(invite, studio="@tudio " + invite.studio)
        async with aiohttp.ClientSession() as http:
            url = f"https://127.0.0.1:{port}/ice"
            async with http.post(url, data=msgspec.json.encode(invite), ssl=pin) as response:
                assert response.status == 200
                turn = (await response.json())["turn"]
            for bad in (msgspec.structs.replace(invite, token="0" * 64), forged):
                async with http.post(url, data=msgspec.json.encode(bad), ssl=pin) as refused:
                    assert refused.status == 403
                    assert (await refused.json())["refused"] == "bad_token"
            async with http.post(url, data=b"\xff{", ssl=pin) as garbage:
                assert garbage.status == 400
    finally:
        await engine.stop()
    assert turn["urls"] == [
        "turn:turn.example:3478?transport=udp",
        "turn:turn.example:3478?transport=tcp",
    ]
    expiry, _, user_venue = turn["username"].partition(":")
    assert user_venue == venue and int(expiry) > time.time() + 3600
    # What coturn (use-auth-secret) will compute for this username:
    digest = hmac.new(b"shared-with-coturn", turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(digest).decode()
