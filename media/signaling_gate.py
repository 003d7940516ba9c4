"""The signaling port's front door: limits applied before TLS, before HTTP, before a join.

asyncio's `create_server(ssl=…)` only lets the application see a connection after its TLS
handshake: too late to refuse a flood of idle sockets, each holding a 256 KiB TLS buffer. So the
site listens in plain TCP; every accepted socket first passes `Admission` (caps, rate limit),
then gets its TLS handshake (`loop.start_tls`, with a timeout), then is handed to aiohttp's
request handler. Until the studio `promote`s it (a join with a valid token), it has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Callable

from aiohttp import web

from media.signaling_limits import (
    Admission,
    CloseKind,
    SignalingLimits,
    release_freed_memory,
)

log = logging.getLogger(__name__)

ACCEPT_BACKLOG = 1024
TRIM_AFTER_PEAK = 32  # pending connections that make it worth trimming memory once they are gone


class _AppProxy(asyncio.Protocol):
    """Between TLS and aiohttp's handler: holds what TLS delivers before the handler is attached
    (start_tls returns only after it may have passed data on), and reports the end."""

    def __init__(self, on_lost: Callable[[], None]) -> None:
        self._on_lost = on_lost
        self.handler: asyncio.Protocol | None = None
        self._early: list[bytes] = []
        self._eof = False
        self._lost: tuple[Exception | None] | None = None

    def attach(self, handler: asyncio.Protocol, transport: asyncio.Transport) -> None:
        self.handler = handler
        handler.connection_made(transport)
        for data in self._early:
            handler.data_received(data)
        self._early.clear()
        if self._eof:
            handler.eof_received()
        if self._lost is not None:
            handler.connection_lost(self._lost[0])

    def data_received(self, data: bytes) -> None:
        if self.handler is not None:
            self.handler.data_received(data)
        elif sum(map(len, self._early)) < 64 * 1024:
            self._early.append(data)

    def eof_received(self) -> bool | None:
        if self.handler is not None:
            return self.handler.eof_received()
        self._eof = True
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._on_lost()
        if self.handler is not None:
            self.handler.connection_lost(exc)
        else:
            self._lost = (exc,)

    def pause_writing(self) -> None:
        if self.handler is not None:
            self.handler.pause_writing()

    def resume_writing(self) -> None:
        if self.handler is not None:
            self.handler.resume_writing()


class _Pending:
    __slots__ = ("address", "app_transport", "raw", "timer")

    def __init__(self, raw: asyncio.Transport, address: str) -> None:
        self.raw = raw
        self.address = address
        self.app_transport: asyncio.BaseTransport | None = None
        self.timer: asyncio.TimerHandle | None = None


class _Gate(asyncio.Protocol):
    """The plain-TCP protocol of a freshly accepted socket, until TLS takes it over."""

    def __init__(self, site: GatedSite) -> None:
        self._site = site
        self._pending: _Pending | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._pending = self._site._accepted(transport)

    def data_received(self, data: bytes) -> None:  # reading is paused until TLS takes over
        pass

    def connection_lost(self, exc: Exception | None) -> None:
        if self._pending is not None:
            self._site._gone(self._pending)


class GatedSite(web.BaseSite):
    """A TLS site for aiohttp whose connections pass `admission` first."""

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext,
        admission: Admission,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A deep accept queue: a burst of strangers must not make the kernel drop a venue's SYN
        # (its retry comes 1 s later); the gate closes the excess at once instead.
        super().__init__(runner, ssl_context=ssl_context, backlog=ACCEPT_BACKLOG)
        self._host, self._port = host, port
        self._ctx = ssl_context
        self.admission = admission
        self._clock = clock
        self._by_raw: dict[asyncio.BaseTransport, _Pending] = {}
        self._by_app: dict[asyncio.BaseTransport, _Pending] = {}
        self._handshakes: set[asyncio.Task[None]] = set()
        self._peak_since_trim = 0

    @property
    def name(self) -> str:
        return f"https://{self._host}:{self._port}"

    @property
    def limits(self) -> SignalingLimits:
        return self.admission.limits

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Gate(self), self._host, self._port, backlog=self._backlog, reuse_address=True
        )

    async def stop(self) -> None:
        for task in list(self._handshakes):
            task.cancel()
        for pending in list(self._by_raw.values()):
            pending.raw.abort()
        await super().stop()

    # ---- the studio's side -------------------------------------------------------------

    def promote(self, app_transport: asyncio.BaseTransport | None) -> bool:
        """The connection joined with a valid token: no deadline, no cap, not evictable."""
        pending = self._by_app.get(app_transport) if app_transport is not None else None
        if pending is None:
            return False
        self._drop(pending)
        return self.admission.promote(pending)

    def refused(self, app_transport: asyncio.BaseTransport | None, kind: str) -> bool:
        """The studio refused what this connection sent: count it against its address.
        False if the connection is not (or no longer) pending."""
        pending = self._by_app.get(app_transport) if app_transport is not None else None
        if pending is None:
            return False
        self.admission.refused(pending.address, kind, self._clock())
        return True

    @property
    def pending_count(self) -> int:
        return len(self.admission.pending)

    # ---- connections -------------------------------------------------------------------

    def _accepted(self, raw: asyncio.Transport) -> _Pending | None:
        peer = raw.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        pending = _Pending(raw, address)
        admitted, victims = self.admission.admit(pending, address, self._clock())
        for victim in victims:
            assert isinstance(victim, _Pending)
            self._close(victim)
        if not admitted:
            raw.abort()
            return None
        self._peak_since_trim = max(self._peak_since_trim, self.pending_count)
        self._by_raw[raw] = pending
        raw.pause_reading()  # TLS takes over from the first byte
        loop = asyncio.get_running_loop()
        pending.timer = loop.call_later(self.limits.join_s, self._expire, pending)
        task = loop.create_task(self._handshake(pending))
        self._handshakes.add(task)
        task.add_done_callback(self._handshakes.discard)
        return pending

    async def _handshake(self, pending: _Pending) -> None:
        loop = asyncio.get_running_loop()
        proxy = _AppProxy(lambda: self._gone(pending))
        try:
            app = await loop.start_tls(
                pending.raw,
                proxy,
                self._ctx,
                server_side=True,
                ssl_handshake_timeout=self.limits.handshake_s,
                ssl_shutdown_timeout=self.limits.close_s,
            )
        except asyncio.CancelledError:
            pending.raw.abort()
            raise
        except Exception:  # a failed or timed-out handshake, a reset: counted, not logged
            if pending in self.admission.pending:
                self.admission.closed(pending, CloseKind.HANDSHAKE_FAILED, self._clock())
            self._drop(pending)
            pending.raw.abort()
            return
        if app is None or pending not in self.admission.pending:
            # Closed (deadline, eviction) while the handshake finished.
            if app is not None:
                app.abort()
            return
        pending.app_transport = app
        self._by_app[app] = pending
        server = self._runner.server
        assert server is not None
        proxy.attach(server(), app)

    def _expire(self, pending: _Pending) -> None:
        pending.timer = None
        if pending in self.admission.pending:
            self.admission.closed(pending, CloseKind.JOIN_TIMEOUT, self._clock())
            self._close(pending)

    def _close(self, pending: _Pending) -> None:
        self._drop(pending)
        # abort, not close: no TLS goodbye to wait for from a peer that may never answer
        with contextlib.suppress(Exception):
            if pending.app_transport is not None:
                pending.app_transport.abort()  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):
            pending.raw.abort()

    def _drop(self, pending: _Pending) -> None:
        if pending.timer is not None:
            pending.timer.cancel()
            pending.timer = None
        self._by_raw.pop(pending.raw, None)
        if pending.app_transport is not None:
            self._by_app.pop(pending.app_transport, None)

    def _gone(self, pending: _Pending) -> None:
        """The socket closed, for whatever reason (also after it joined)."""
        self._drop(pending)
        self.admission.forget(pending)
        if self.pending_count == 0 and self._peak_since_trim >= TRIM_AFTER_PEAK:
            self._peak_since_trim = 0
            asyncio.get_running_loop().call_soon(release_freed_memory)
