"""HTTP control for panels and scripts: `/api/<command>` (GET or POST), `/api/state`, the
`/api/feed` WebSocket and the speaker's `/timer` page, on the engine's event loop.

Hardware controllers (Stream Deck through Companion's generic-http module) often can only GET,
so every command answers to GET as well. Status codes are the contract a panel reads: 202 the
command was carried out, 409 the studio refused it (the reason in the body, e.g. a second GO
inside the double-press guard), 400 a bad argument, 401 a missing or wrong token, 404 no such
command. Every /api path needs the operator token (header `X-Ceremony-Token`, `Authorization:
Bearer …`, or `?token=`); the timer page itself is public and passes its own `?token=` on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import math
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

import msgspec
from aiohttp import WSMsgType, web
from aiohttp.http_exceptions import HttpProcessingError

from ceremony import operator as op
from ceremony.sequencer import commands as cmd
from media.remote.desk import OperatorDesk

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4096  # commands carry at most a short text
MAX_SECONDS = 24 * 3600.0
MAX_FEED_CLIENTS = 32
TOKEN_HEADER = "X-Ceremony-Token"


class _CountMalformedRequests(logging.Filter):
    """aiohttp logs every unparsable request (a 9 KB query string, non-HTTP bytes) with a
    traceback that quotes the request line, token included. Count them instead, and say so at
    1, 10, 100, … so a flood cannot fill the log."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, HttpProcessingError):
            return True
        self.count += 1
        if self.count in (1, 10, 100, 1000) or self.count % 10000 == 0:
            log.warning(
                "control API: %d malformed requests refused (HTTP %s)", self.count, exc.code
            )
        return False


class BadRequestError(Exception):
    """A request whose argument is wrong; the text says which and how (never echoes it)."""


Parse = Callable[[web.Request], op.OperatorCommand]


def _seconds(request: web.Request, *, signed: bool) -> float:
    raw = request.match_info.get("seconds", "")
    try:
        value = float(raw)
    except ValueError:
        raise BadRequestError("seconds must be a number, e.g. 30 or -15") from None
    if not math.isfinite(value) or abs(value) > MAX_SECONDS:
        raise BadRequestError(f"seconds must be finite and at most {MAX_SECONDS:.0f}")
    if not signed and value <= 0:
        raise BadRequestError("seconds must be more than 0")
    return value


def _text(request: web.Request, default: str | None = None) -> str:
    text = request.query.get("text", default)
    if text is None:
        raise BadRequestError("give the text as ?text=…")
    problem = op.check_text(text, "text")
    if problem is not None:
        raise BadRequestError(problem)
    return text


def _venue(desk: OperatorDesk, request: web.Request, *, studio_ok: bool) -> str | None:
    ref = request.match_info.get("venue", "")
    if studio_ok and ref == "studio":
        return None
    venue = op.resolve_venue(ref, desk.venue_ids)
    if venue is None:
        raise BadRequestError(f"no such venue: give its id or its number 1–{len(desk.venue_ids)}")
    return venue


def _routes(desk: OperatorDesk) -> dict[str, Parse]:
    def seq(command: cmd.Command) -> Parse:
        return lambda _request: op.Sequence(command)

    return {
        "/api/go": seq(cmd.Go()),
        "/api/hold": seq(cmd.Hold()),
        "/api/resume": seq(cmd.Resume()),
        "/api/back": seq(cmd.Back()),
        "/api/skip": seq(cmd.Skip()),
        "/api/undo": seq(cmd.UndoGo()),
        "/api/addtime/{seconds}": lambda r: op.Sequence(cmd.AddTime(_seconds(r, signed=True))),
        "/api/arm/{seconds}": lambda r: op.ArmCountdown(_seconds(r, signed=False)),
        "/api/abort": lambda _r: op.AbortCountdown(),
        "/api/take/{venue}": lambda r: op.Take(_venue(desk, r, studio_ok=True)),
        "/api/preview/{venue}": lambda r: op.SetPreview(_venue(desk, r, studio_ok=True)),
        "/api/cue/{venue}": lambda r: op.SendCue(_text(r), _venue(desk, r, studio_ok=False)),
        "/api/message": lambda r: op.SendCue(_text(r), None),
        "/api/record/start": lambda _r: op.StartRecording(),
        "/api/record/stop": lambda _r: op.StopRecording(),
        "/api/record/marker": lambda r: op.AddMarker(_text(r, default="marker")),
    }


def _json(status: int, body: object) -> web.Response:
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type="application/json"
    )


def token_of(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[len("Bearer ") :].strip()
    return request.headers.get(TOKEN_HEADER) or request.query.get("token", "")


def token_matches(given: str, token: str) -> bool:
    # Bytes on both sides: compare_digest refuses non-ASCII str, and a stranger's token may be.
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode())


class HttpControl:
    """The aiohttp application; `start()` binds it (loopback unless another host is named)."""

    def __init__(self, desk: OperatorDesk, token: str) -> None:
        self.desk = desk
        self._token = token
        self._runner: web.AppRunner | None = None
        self._feeds: set[web.WebSocketResponse] = set()
        self.refused_tokens = 0  # counted, not logged per request: strangers may try many
        self.port: int | None = None
        self.malformed = _CountMalformedRequests()
        self._server_log = logging.getLogger(f"{__name__}.server")
        self._server_log.addFilter(self.malformed)
        self.app = self._make_app()

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[self._guard])
        for path, parse in _routes(self.desk).items():
            handler = self._command_handler(parse)
            app.router.add_route("GET", path, handler)
            app.router.add_route("POST", path, handler)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/feed", self._feed)
        app.router.add_get("/timer", self._timer_page)
        app.router.add_get("/", self._timer_page)
        return app

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path.startswith("/api") and not token_matches(token_of(request), self._token):
            self.refused_tokens += 1
            if self.refused_tokens in (1, 10, 100, 1000) or self.refused_tokens % 10000 == 0:
                log.warning("control API: %d requests refused for a bad token", self.refused_tokens)
            return _json(401, {"ok": False, "error": "missing or wrong token"})
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return _json(404, {"ok": False, "error": "no such command"})
        except web.HTTPMethodNotAllowed:
            return _json(405, {"ok": False, "error": "use GET or POST"})

    def _command_handler(self, parse: Parse) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            try:
                command = parse(request)
            except BadRequestError as exc:
                return _json(400, {"ok": False, "error": str(exc)})
            result = self.desk.execute(command)
            return _json(202 if result.ok else 409, result)

        return handle

    async def _state(self, _request: web.Request) -> web.Response:
        return _json(200, self.desk.polled_state())

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        if len(self._feeds) >= MAX_FEED_CLIENTS:
            return _json(503, {"ok": False, "error": "too many feed clients"})
        ws = web.WebSocketResponse(heartbeat=10.0, max_msg_size=1024)
        await ws.prepare(request)
        self._feeds.add(ws)
        newest: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1)

        def offer(state: op.StudioState) -> None:
            # A slow screen gets the newest state, never a backlog.
            with contextlib.suppress(asyncio.QueueEmpty):
                if newest.full():
                    newest.get_nowait()
            newest.put_nowait(op.encode_state(state))

        offer(self.desk.state())
        unlisten = self.desk.listen(offer)
        sender = asyncio.create_task(self._send_feed(ws, newest))
        try:
            async for msg in ws:  # the feed is one-way: read only to see the close
                if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            unlisten()
            sender.cancel()
            self._feeds.discard(ws)
        return ws

    @staticmethod
    async def _send_feed(ws: web.WebSocketResponse, newest: asyncio.Queue[bytes]) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            while not ws.closed:
                await ws.send_str((await newest.get()).decode())

    async def _timer_page(self, _request: web.Request) -> web.Response:
        page = resources.files("media.remote").joinpath("timer.html").read_text("utf-8")
        return web.Response(
            text=page,
            content_type="text/html",
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, logger=self._server_log)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound: list[Any] = list(self._runner.addresses)  # port 0 asks the kernel for one
        self.port = int(bound[0][1]) if bound else port
        log.info("control API on http://%s:%d/api (timer page /timer)", host, self.port)

    async def stop(self) -> None:
        for ws in list(self._feeds):
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._server_log.removeFilter(self.malformed)
