"""A client for Janus's HTTP API and its VideoRoom plugin (asyncio, aiohttp).

Janus answers a plugin request either at once ("success" with the plugin's data) or in two
steps ("ack", then an "event" with the same transaction on the session's long poll). This
client hides the difference: `Handle.request()` returns the plugin's data and the JSEP, from
whichever step carries them. One long-poll task per session delivers events; it also keeps the
session alive (Janus drops a session after `session_timeout` s without a request).

What the product asks of the VideoRoom: a room it creates and destroys itself (publishers limit,
VP8/Opus, a secret), one publisher per stream it sends, and subscribers to the feeds it wants.
Signaling, invites and the countdown stay between studio and venue; only media goes through
Janus.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiortc import RTCPeerConnection

log = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"
REQUEST_TIMEOUT_S = 10.0
POLL_EVENTS = 10
# Every venue publishes once (camera, microphone, small copy) and the studio a few times; Janus
# allocates nothing per allowed publisher, so the limit is set far above 100 venues.
ROOM_PUBLISHERS = 1000


class JanusError(RuntimeError):
    """Janus refused a request or could not be reached; the text has Janus's own reason."""


Jsep = dict[str, Any]


@dataclass
class Handle:
    """One attachment to a plugin: a publisher or a subscriber is one handle each."""

    session: Session
    id: int
    events: asyncio.Queue[tuple[dict[str, Any], Jsep | None]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=256)
    )
    # A subscriber's streams as Janus numbered them (its "mid" against the publisher's
    # "feed_id"/"feed_mid"), from the join's answer.
    streams: list[dict[str, Any]] = field(default_factory=list)

    async def request(
        self, body: dict[str, Any], jsep: Jsep | None = None, *, timeout: float = REQUEST_TIMEOUT_S
    ) -> tuple[dict[str, Any], Jsep | None]:
        """The plugin's answer to `body` (its `data`) and the JSEP that came with it."""
        message: dict[str, Any] = {"janus": "message", "body": body}
        if jsep is not None:
            message["jsep"] = jsep
        reply = await self.session.send(message, f"/{self.id}", timeout=timeout)
        data = reply.get("plugindata", {}).get("data", {})
        if "error" in data:
            raise JanusError(f"{body.get('request')}: {data['error']} ({data.get('error_code')})")
        return data, reply.get("jsep")

    async def media_up(self, timeout: float = REQUEST_TIMEOUT_S) -> None:
        """Until Janus says this handle's PeerConnection is up ("webrtcup")."""

        async def wait() -> None:
            while True:
                event, _ = await self.events.get()
                if event.get("janus") == "webrtcup":
                    return
                if event.get("janus") == "hangup":
                    raise JanusError(f"Janus hung up: {event.get('reason')}")

        try:
            await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise JanusError(f"no media with Janus within {timeout:g} s") from None

    async def detach(self) -> None:
        with contextlib.suppress(JanusError, aiohttp.ClientError, TimeoutError):
            await self.session.send({"janus": "detach"}, f"/{self.id}", timeout=3)
        self.session.handles.pop(self.id, None)


class Session:
    """A Janus session over HTTP, with its long-poll task."""

    def __init__(self, url: str, http: aiohttp.ClientSession, api_secret: str | None = None):
        self.url = url.rstrip("/")
        self.http = http
        self.api_secret = api_secret
        self.id: int | None = None
        self.handles: dict[int, Handle] = {}
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._poller: asyncio.Task[None] | None = None
        self._counter = itertools.count(1)
        self._prefix = secrets.token_hex(4)

    async def __aenter__(self) -> Session:
        await self.create()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.destroy()

    def _transaction(self) -> str:
        return f"{self._prefix}-{next(self._counter)}"

    async def _post(self, path: str, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.api_secret:
            message = {**message, "apisecret": self.api_secret}
        try:
            async with self.http.post(
                self.url + path, json=message, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                reply: dict[str, Any] = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise JanusError(f"Janus at {self.url} did not answer: {exc}") from None
        if reply.get("janus") == "error":
            error = reply.get("error", {})
            raise JanusError(f"{message.get('janus')}: {error.get('reason')} ({error.get('code')})")
        return reply

    async def create(self) -> None:
        reply = await self._post("", {"janus": "create", "transaction": self._transaction()}, 5)
        self.id = int(reply["data"]["id"])
        self._poller = asyncio.get_running_loop().create_task(self._poll(), name="janus-poll")
        log.info("Janus session %d at %s", self.id, self.url)

    async def attach(self, plugin: str = VIDEOROOM) -> Handle:
        reply = await self.send({"janus": "attach", "plugin": plugin}, "", timeout=5)
        handle = Handle(self, int(reply["data"]["id"]))
        self.handles[handle.id] = handle
        return handle

    async def send(self, message: dict[str, Any], path: str, *, timeout: float) -> dict[str, Any]:
        """Post `message` to the session (or a handle: `path` "/<handle>") and return the reply
        that completes it: the immediate one, or the event an "ack" promised."""
        if self.id is None:
            raise JanusError("the Janus session is not open")
        transaction = self._transaction()
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = future
        try:
            reply = await self._post(
                f"/{self.id}{path}", {**message, "transaction": transaction}, timeout
            )
            if reply.get("janus") != "ack":
                return reply
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise JanusError(f"{message.get('janus')}: no answer within {timeout:g} s") from None
        finally:
            self._pending.pop(transaction, None)

    async def _poll(self) -> None:
        """Janus's events for this session; also what keeps it from timing out."""
        failures = 0
        while self.id is not None:
            try:
                async with self.http.get(
                    f"{self.url}/{self.id}",
                    params={"maxev": str(POLL_EVENTS)},
                    timeout=aiohttp.ClientTimeout(total=40),
                ) as response:
                    payload = await response.json(content_type=None)
                failures = 0
            except asyncio.CancelledError:
                raise
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                failures += 1
                log.warning("Janus long poll failed (%d in a row): %s", failures, exc)
                await asyncio.sleep(min(5.0, 0.2 * failures))
                continue
            for event in payload if isinstance(payload, list) else [payload]:
                if isinstance(event, dict):  # a poll can also answer null (session going away)
                    self._dispatch(event)

    def _dispatch(self, event: dict[str, Any]) -> None:
        kind = event.get("janus")
        if kind == "keepalive":
            return
        future = self._pending.get(str(event.get("transaction")))
        if future is not None and not future.done() and kind != "ack":
            future.set_result(event)
            return
        handle = self.handles.get(int(event.get("sender", 0) or 0))
        if handle is None:
            log.debug("Janus event for no handle: %s", kind)
            return
        data = event.get("plugindata", {}).get("data", {}) if kind == "event" else event
        with contextlib.suppress(asyncio.QueueFull):  # a reader that stopped must not grow it
            handle.events.put_nowait((data, event.get("jsep")))

    async def destroy(self) -> None:
        if self.id is None:
            return
        for handle in list(self.handles.values()):
            await handle.detach()
        with contextlib.suppress(JanusError):
            await self.send({"janus": "destroy"}, "", timeout=3)
        self.id = None
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller


@dataclass(frozen=True)
class Stream:
    """One stream of a publisher: its feed id and the mid it has in the publisher's offer."""

    feed: int
    mid: str


@dataclass(frozen=True)
class RoomSpec:
    room: int
    secret: str  # administers the room (create, destroy): never leaves its owner
    pin: str | None = None  # needed to join it, as publisher or subscriber
    publishers: int = ROOM_PUBLISHERS
    description: str = "ceremony"
    videocodec: str = "vp8"
    audiocodec: str = "opus"
    bitrate: int = 2_500_000


class VideoRoom:
    """The VideoRoom requests the product uses, on one session."""

    def __init__(self, session: Session, spec: RoomSpec) -> None:
        self.session = session
        self.spec = spec

    def _pin(self) -> dict[str, str]:
        return {"pin": self.spec.pin} if self.spec.pin else {}

    async def create(self) -> None:
        """Create the room (a leftover room of the same number is destroyed first)."""
        handle = await self.session.attach()
        try:
            exists, _ = await handle.request({"request": "exists", "room": self.spec.room})
            if exists.get("exists"):
                await handle.request(
                    {"request": "destroy", "room": self.spec.room, "secret": self.spec.secret}
                )
            await handle.request(
                {
                    "request": "create",
                    "room": self.spec.room,
                    "secret": self.spec.secret,
                    "description": self.spec.description,
                    "publishers": self.spec.publishers,
                    "videocodec": self.spec.videocodec,
                    "audiocodec": self.spec.audiocodec,
                    "bitrate": self.spec.bitrate,
                    # No periodic keyframe requests: Janus asks a publisher for one when a
                    # subscriber starts, and a timed one would make that request land inside
                    # the publisher's own keyframe gap (seconds to a picture after a TAKE).
                    "fir_freq": 0,
                    "permanent": False,
                    **({"pin": self.spec.pin} if self.spec.pin else {}),
                }
            )
        finally:
            await handle.detach()

    async def destroy(self) -> None:
        handle = await self.session.attach()
        try:
            with contextlib.suppress(JanusError):
                await handle.request(
                    {"request": "destroy", "room": self.spec.room, "secret": self.spec.secret}
                )
        finally:
            await handle.detach()

    async def publish(
        self, display: str, offer: Jsep, feed: int | None = None
    ) -> tuple[Handle, int, Jsep]:
        """Join as a publisher and publish `offer`; the handle, the feed id and Janus's answer.
        `feed`: the id to publish under (the studio assigns venues theirs), else Janus picks."""
        handle = await self.session.attach()
        try:
            joined, _ = await handle.request(
                {
                    "request": "join",
                    "ptype": "publisher",
                    "room": self.spec.room,
                    "display": display,
                    **({"id": feed} if feed is not None else {}),
                    **self._pin(),
                }
            )
            _, answer = await handle.request({"request": "publish"}, offer)
        except BaseException:
            await handle.detach()
            raise
        if answer is None:
            await handle.detach()
            raise JanusError("publish: Janus sent no answer")
        return handle, int(joined["id"]), answer

    async def subscribe(
        self, feeds: list[int], streams: list[Stream] | None = None
    ) -> tuple[Handle, Jsep]:
        """Join as a subscriber to every stream of `feeds` and to the single `streams`
        (feed, publisher's mid); the handle and Janus's offer (answer with `start`)."""
        handle = await self.session.attach()
        wanted: list[dict[str, Any]] = [{"feed": feed} for feed in feeds]
        wanted += [{"feed": s.feed, "mid": s.mid} for s in streams or []]
        try:
            joined, offer = await handle.request(
                {
                    "request": "join",
                    "ptype": "subscriber",
                    "room": self.spec.room,
                    "streams": wanted,
                    **self._pin(),
                }
            )
        except BaseException:
            await handle.detach()
            raise
        if offer is None:
            await handle.detach()
            raise JanusError("subscribe: Janus sent no offer")
        handle.streams = list(joined.get("streams", []))
        return handle, offer

    @staticmethod
    async def start(handle: Handle, answer: Jsep) -> None:
        await handle.request({"request": "start"}, answer)

    @staticmethod
    async def switch(handle: Handle, sub_mid: str, to: Stream) -> None:
        """Feed the subscription's stream `sub_mid` from another publisher's stream of the same
        kind: no new negotiation, Janus rewrites sequence numbers and timestamps."""
        await handle.request(
            {
                "request": "switch",
                "streams": [{"feed": to.feed, "mid": to.mid, "sub_mid": sub_mid}],
            }
        )

    async def publishers(self) -> list[dict[str, Any]]:
        handle = await self.session.attach()
        try:
            data, _ = await handle.request({"request": "listparticipants", "room": self.spec.room})
            return [p for p in data.get("participants", []) if p.get("publisher")]
        finally:
            await handle.detach()


@dataclass(frozen=True)
class RemoteEndpoint:
    """Where a remote publisher on another Janus takes the packets relayed to it."""

    feed: int  # the remote publisher's id in the target room: what its subscribers ask for
    host: str
    port: int
    rtcp_port: int | None


async def add_remote_publisher(
    room: VideoRoom, display: str, streams: list[dict[str, Any]], iface: str | None = None
) -> RemoteEndpoint:
    """On the target Janus of a cascade: a publisher in `room` fed by RTP from another Janus
    (VideoRoom ≥ 1.1). Its subscribers see it as any other publisher, before media arrives."""
    handle = await room.session.attach()
    try:
        data, _ = await handle.request(
            {
                "request": "add_remote_publisher",
                "room": room.spec.room,
                "secret": room.spec.secret,
                "display": display,
                "streams": streams,
                **({"iface": iface} if iface else {}),
            }
        )
    finally:
        await handle.detach()
    rtcp = data.get("rtcp_port")
    try:
        return RemoteEndpoint(
            feed=int(data["id"]),
            host=str(data.get("ip") or iface or ""),
            port=int(data["port"]),
            rtcp_port=int(rtcp) if rtcp else None,
        )
    except (KeyError, TypeError, ValueError):
        raise JanusError(f"add_remote_publisher: an answer without id and port: {data}") from None


async def publish_remotely(
    room: VideoRoom, feed: int, remote_id: str, target: RemoteEndpoint
) -> None:
    """On the source Janus: relay publisher `feed`'s packets to a remote publisher elsewhere."""
    handle = await room.session.attach()
    try:
        await handle.request(
            {
                "request": "publish_remotely",
                "room": room.spec.room,
                "publisher_id": feed,
                "remote_id": remote_id,
                "secret": room.spec.secret,
                "host": target.host,
                "port": target.port,
                **({"rtcp_port": target.rtcp_port} if target.rtcp_port else {}),
            }
        )
    finally:
        await handle.detach()


async def unpublish_remotely(room: VideoRoom, feed: int, remote_id: str) -> None:
    handle = await room.session.attach()
    try:
        with contextlib.suppress(JanusError):
            await handle.request(
                {
                    "request": "unpublish_remotely",
                    "room": room.spec.room,
                    "publisher_id": feed,
                    "remote_id": remote_id,
                    "secret": room.spec.secret,
                }
            )
    finally:
        await handle.detach()


async def close_client(
    http: aiohttp.ClientSession | None,
    session: Session | None,
    pc: RTCPeerConnection | None = None,
) -> None:
    """Take down what a Janus client opened, newest first: its peer connection, its Janus
    session, its HTTP client. Janus may already be gone: nothing here stops the teardown."""
    if pc is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(pc.close(), 5)
    if session is not None:
        with contextlib.suppress(JanusError, aiohttp.ClientError, TimeoutError):
            await session.destroy()
    if http is not None:
        await http.close()
