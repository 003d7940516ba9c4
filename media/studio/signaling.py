"""The studio's signaling server: /signal (a venue's join over a WebSocket) and /ice (TURN
credentials), behind the gate that bounds strangers; refusals counted, summarized, journaled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import msgspec
from aiohttp import WSMsgType, web

from ceremony import notes, wire
from ceremony.invite import Invite, InviteClaim, check_token
from ceremony.runsheet import Runsheet
from ceremony.session.program import clip as _clip
from ceremony.turn import grant_document
from media.identity import StudioIdentity
from media.signaling_gate import GatedSite
from media.signaling_limits import Admission, CloseKind, escape
from media.studio.clocks import Clocks
from media.studio.config import StudioConfig
from media.studio.events import Emit, JoinRefused, NoteSink
from media.studio.peers import VenuePeers
from media.studio.records import Venues

log = logging.getLogger(__name__)

# What aiohttp's access log says of a peer that left during its WebSocket upgrade (nginx's
# "client closed request"): nothing reaches that peer.
PEER_GONE_STATUS = 499


def peer_gone(request: web.BaseRequest) -> web.StreamResponse:
    """The answer for a peer that left while its WebSocket was being prepared.

    Not the half-prepared WebSocket: aiohttp would finish it by closing it, which fails
    ("Call .prepare() first", logged with a traceback) because its writer was never made. This
    plain response, on the transport closed here, ends as aiohttp ends any answer to a client
    that went away: quietly."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=PEER_GONE_STATUS)


class Signaling:
    def __init__(
        self,
        config: StudioConfig,
        identity: StudioIdentity,
        sheet: Callable[[], Runsheet],
        venues: Venues,
        peers: VenuePeers,
        *,
        clocks: Clocks,
        note: NoteSink,
        emit: Emit,
    ) -> None:
        self._config = config
        self._identity = identity
        self._sheet = sheet
        self._venues = venues
        self._peers = peers
        self._clocks = clocks
        self._note = note
        self._emit = emit
        self.admission = Admission(config.signaling)
        self._runner: web.AppRunner | None = None
        self._site: GatedSite | None = None
        self._refusals_journaled: set[tuple[str, str]] = set()  # (venue, reason) this window

    async def start(self) -> None:
        """Raises OSError when the port cannot be opened: then nothing is left open."""
        app = web.Application(client_max_size=wire.MAX_SIGNAL_BYTES)
        app.router.add_get("/signal", self._signal)
        app.router.add_post("/ice", self._ice)
        # Keep-alive no longer than the join deadline; the gate enforces it anyway.
        self._runner = web.AppRunner(
            app,
            access_log=None,
            keepalive_timeout=self._config.signaling.join_s,
            shutdown_timeout=1.0,
        )
        await self._runner.setup()
        self._site = GatedSite(
            self._runner,
            self._config.host,
            self._config.port,
            ssl_context=self._identity.certificate.server_context(),
            admission=self.admission,
            clock=self._clocks.mono,
        )
        try:
            await self._site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.admission.tally.window_started = self._clocks.mono()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self.summarize()

    # ---- a join --------------------------------------------------------------------------

    async def _signal(self, request: web.Request) -> web.StreamResponse:
        """One join attempt. Authenticate first; replace a live venue only with a built answer.

        The connection is still pending here (GatedSite: deadline, caps); it is promoted once
        the token is valid. Nothing the peer sent is logged or journaled as text.
        """
        limits = self._config.signaling
        ws = web.WebSocketResponse(
            max_msg_size=wire.MAX_SIGNAL_BYTES, compress=False, timeout=limits.close_s
        )
        site = self._site
        try:
            await ws.prepare(request)
        except web.HTTPException:
            if site is not None:
                site.refused(request.transport, CloseKind.NOT_A_JOIN)
            raise  # aiohttp answers it (400: not a WebSocket upgrade)
        except ConnectionError as exc:  # the peer left during the upgrade: nothing to answer
            log.debug(
                "signaling: %s left during its upgrade (%s)", escape(request.remote or "?"), exc
            )
            if site is not None:
                site.refused(request.transport, CloseKind.NOT_A_JOIN)
            return peer_gone(request)
        try:
            first = await ws.receive(timeout=limits.join_s)
        except (TimeoutError, asyncio.CancelledError):
            return ws  # the gate closes it at its deadline, and counts it
        if first.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            # An invalid or oversized frame (aiohttp closed it with 1007/1009), a close, a ping
            if site is not None:
                site.refused(request.transport, CloseKind.NOT_A_JOIN)
            await self._close_ws(ws)
            return ws
        try:
            join = wire.decode(first.data, wire.SIGNALING_FROM_VENUE, limit=wire.MAX_SIGNAL_BYTES)
        except wire.WireError as exc:
            await self._refuse(request, ws, wire.JoinRefusal.MALFORMED, exc.detail)
            return ws
        assert isinstance(join, wire.Join)
        claim = InviteClaim.of(join)
        sheet = self._sheet()
        refusal = check_token(
            self._identity.secret,
            claim,
            join.token,
            known_venues=set(self._venues),
            expected_ceremony=sheet.ceremony.id,
            now_wall=self._clocks.wall(),
        )
        if refusal is not None:
            # Only a genuine token of ours names a venue (for OTHER_VENUE: the token's own).
            await self._refuse(
                request, ws, refusal.reason, refusal.detail, venue_id=refusal.venue_id
            )
            return ws
        if site is not None:
            site.promote(request.transport)
        record = self._venues[join.venue_id]
        try:
            answering = self._peers.prepare_answer(record, ws, join.sdp)
            conn = await asyncio.wait_for(answering, limits.answer_s)
        except TimeoutError:
            # The studio is too busy right now: not the venue's fault, and not final for it.
            # Closed without a refusal, so the venue tries again (with its backoff).
            self.admission.tally.count("answer_timeout", request.remote or "?")
            await self._close_ws(ws)
            return ws
        except Exception:  # garbage SDP, an offer without a data channel
            # Logged by _refuse, once per venue and window: a leaked token cannot flood the log.
            await self._refuse(
                request,
                ws,
                wire.JoinRefusal.MALFORMED,
                "the studio could not answer this offer (no usable media or data channel)",
                venue_id=record.venue.id,
            )
            return ws
        if ws.closed:  # the venue gave up while the answer was built: nothing changes here
            await self._peers.discard(conn)
            return ws
        self._peers.install(record, conn)
        assert conn.pc.localDescription is not None
        try:
            await ws.send_str(
                wire.encode(
                    wire.Accepted(
                        sdp=conn.pc.localDescription.sdp,
                        studio=_clip(self._sheet().ceremony.studio),
                        venue_name=_clip(record.venue.name),
                    )
                ).decode()
            )
        except Exception:  # it went away right now: the liveness rules take it from here
            log.debug("%s: could not send the answer", record.venue.id, exc_info=True)
        # Keep the WebSocket: it closing tells us at once that the venue process is gone.
        with contextlib.suppress(Exception):
            async for msg in ws:
                if msg.type == WSMsgType.ERROR:
                    break
        if record.conn is conn:
            self._peers.close(record, "signaling connection closed")
        elif conn.teardown is not None:
            # We are closing it (ended, replaced, lost): returning now would let aiohttp close
            # the WebSocket with 1000 before our close frame goes out with its code.
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.teardown)
        return ws

    async def _close_ws(self, ws: web.WebSocketResponse) -> None:
        with contextlib.suppress(Exception):
            await ws.close()

    # ---- TURN credentials ----------------------------------------------------------------

    async def _ice(self, request: web.Request) -> web.Response:
        response = await self._ice_answer(request)
        # One request per join: no keep-alive connection left behind at a venue that may
        # change address (its dead TLS connection would hold a socket here for minutes).
        response.force_close()
        return response

    async def _ice_answer(self, request: web.Request) -> web.Response:
        """Short-lived TURN credentials for a venue that proves its invite (the whole invite,
        as signed, in the body), asked before it gathers candidates (the join offer already
        carries them). Authenticated like a join: strangers hear only bad_token."""
        try:
            invite = msgspec.json.decode(await request.read(), type=Invite)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
            return web.json_response({"refused": "malformed"}, status=400)
        refusal = check_token(
            self._identity.secret,
            InviteClaim.of(invite),
            invite.token,
            known_venues=set(self._venues),
            expected_ceremony=self._sheet().ceremony.id,
            now_wall=self._clocks.wall(),
        )
        if refusal is not None:
            return web.json_response(
                {"refused": refusal.reason.value, "detail": refusal.detail}, status=403
            )
        turn = self._config.turn
        if turn is None or not self._config.turn_secret:
            return web.json_response({"turn": None})
        grant = grant_document(
            turn, self._config.turn_secret, invite.venue_id, now=self._clocks.wall()
        )
        return web.json_response({"turn": grant})

    # ---- refusals ------------------------------------------------------------------------

    async def _refuse(
        self,
        request: web.Request,
        ws: web.WebSocketResponse,
        reason: wire.JoinRefusal,
        detail: str,
        *,
        venue_id: str | None = None,
    ) -> None:
        """Answer `refused` and close. Counted per reason and address (the aggregated trace);
        only a refusal of a genuine token (venue_id given) is journaled by name, once per venue
        and reason in each summary window, and shown to the operator."""
        counted = self._site is not None and self._site.refused(request.transport, reason.value)
        if not counted:  # already promoted (a genuine token whose offer failed): still counted
            self.admission.refused(request.remote or "?", reason.value, self._clocks.mono())
        with contextlib.suppress(Exception):
            await ws.send_str(wire.encode(wire.Refused(reason=reason, detail=detail)).decode())
        await self._close_ws(ws)
        if venue_id is None:
            return
        key = (venue_id, reason.value)
        if key in self._refusals_journaled:
            return
        self._refusals_journaled.add(key)
        log.warning(
            "refused venue %s: %s (a live connection of it, if any, is kept)",
            escape(venue_id),
            reason.value,
        )
        self._note(notes.JoinRefusedNote(venue_id, reason.value, detail))
        self._emit(JoinRefused(venue_id, reason, detail))

    def summarize_if_due(self, now: float) -> None:
        """The periodic look (statistics timer): a summary once the window is over."""
        if self.admission.tally.due(now):
            self.summarize()

    def summarize(self) -> None:
        """One log line and one journal note for everything refused or closed in the window."""
        note = self.admission.tally.summary(self._clocks.mono())
        self._refusals_journaled.clear()
        if note is None:
            return
        log.warning(
            "signaling: %d connection(s) refused or closed in %.0f s from %d address(es): %s",
            note["total"],
            note["window_s"],
            note["address_count"],
            ", ".join(f"{k} {n}" for k, n in note["kinds"].items()),
        )
        self._note(msgspec.convert(note, notes.SignalingSummary))
